#include "semra/core/work_team.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SEMRA_PAUSE() _mm_pause()
#else
#define SEMRA_PAUSE() std::this_thread::yield()
#endif

#include <string>
#include <system_error>

#include "semra/core/error.hpp"

namespace semra {

namespace {
// About 10-40 us of pause instructions: longer than the serial part between two rounds of a
// training slot, short enough not to steal a core from another process for long.
constexpr int kSpins = 4000;
}  // namespace

WorkTeam::WorkTeam(int threads) {
  try {
    for (int t = 1; t < threads; ++t) helpers_.emplace_back([this] { helper_loop(); });
  } catch (const std::system_error& e) {
    // The machine refused a thread: stop the ones started (a joinable std::thread destroyed by
    // the unwinding would terminate the process) and say which limit to lower.
    const std::size_t started = helpers_.size();
    {
      std::lock_guard<std::mutex> lock(m_);
      quit_ = true;
    }
    wake_.notify_all();
    for (auto& h : helpers_) h.join();
    throw ResourceError("the system refused to start thread " + std::to_string(started + 2) +
                        " of an experiment's " + std::to_string(threads) + " (" + e.what() +
                        "): lower --threads");
  }
}

WorkTeam::~WorkTeam() {
  {
    std::lock_guard<std::mutex> lock(m_);
    quit_ = true;
  }
  wake_.notify_all();
  for (auto& h : helpers_) h.join();
}

// Takes indices until none is left.
void WorkTeam::work() {
  for (;;) {
    if (failed_.load(std::memory_order_relaxed)) return;
    const int i = next_.fetch_add(1, std::memory_order_relaxed);
    if (i >= n_) return;
    try {
      (*task_)(i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(m_);
      if (!error_) error_ = std::current_exception();
      failed_ = true;
    }
  }
}

void WorkTeam::helper_loop() {
  std::uint64_t seen = 0;
  for (;;) {
    // Spin briefly for the next round, then sleep until run() or the destructor wakes us.
    int spins = 0;
    while (round_.load(std::memory_order_acquire) == seen && !quit_.load() && spins < kSpins) {
      SEMRA_PAUSE();
      ++spins;
    }
    if (round_.load(std::memory_order_acquire) == seen) {
      std::unique_lock<std::mutex> lock(m_);
      wake_.wait(lock, [&] { return quit_.load() || round_.load() != seen; });
    }
    if (quit_.load()) return;
    seen = round_.load(std::memory_order_acquire);
    work();
    busy_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

void WorkTeam::run(int n, const std::function<void(int)>& task) {
  if (helpers_.empty() || n <= 1) {
    for (int i = 0; i < n; ++i) task(i);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(m_);
    n_ = n;
    task_ = &task;
    next_ = 0;
    failed_ = false;
    error_ = nullptr;
    busy_ = static_cast<int>(helpers_.size());
    round_.fetch_add(1, std::memory_order_acq_rel);
  }
  wake_.notify_all();
  work();
  // Every helper has left work() (so nobody touches task_ or n_ after we return).
  while (busy_.load(std::memory_order_acquire) != 0) SEMRA_PAUSE();
  if (error_) std::rethrow_exception(error_);
}

}  // namespace semra
