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
// Pause instructions a helper spins for the next round before it sleeps: ~50-100 us on current
// x86 cores, longer than the serial part between two rounds of a training slot (the environment's
// step), short enough not to hold a core long after the experiment's last round.
constexpr int kSpins = 4000;

bool open(std::uint64_t round) {
  return (round & 1) != 0;
}
}  // namespace

WorkTeam::WorkTeam(int threads, std::function<void()> before_join)
    : before_join_(std::move(before_join)) {
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
      call_(task_, i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(m_);
      if (!error_) error_ = std::current_exception();
      failed_ = true;
    }
  }
}

void WorkTeam::helper_loop() {
  std::uint64_t done = 0;  // the last round this helper took part in or skipped
  auto due = [&](std::uint64_t r) { return open(r) && r != done; };
  for (;;) {
    // Spin briefly for the next round, then sleep until run() or the destructor wakes us; after
    // a wake-up look again from the top (the round may already be closed).
    std::uint64_t r = round_.load(std::memory_order_acquire);
    for (int spins = 0; !due(r) && !quit_.load(std::memory_order_relaxed) && spins < kSpins;
         ++spins) {
      SEMRA_PAUSE();
      r = round_.load(std::memory_order_acquire);
    }
    if (quit_.load()) return;
    if (!due(r)) {
      std::unique_lock<std::mutex> lock(m_);
      ++sleepers_;
      wake_.wait(lock, [&] { return quit_.load() || due(round_.load()); });
      --sleepers_;
      continue;
    }
    if (before_join_) before_join_();
    // Join, then check the round seen (open) is still open: run() closes a round before it waits
    // for the joined helpers (both sides sequentially consistent, so either run() sees this
    // helper joined or this helper sees the round closed and touches nothing of it).
    joined_.fetch_add(1);
    if (round_.load() == r) work();
    joined_.fetch_sub(1, std::memory_order_release);
    done = r;
  }
}

void WorkTeam::run_erased(int n, Call call, void* task) {
  // No helper is joined here (the previous round waited for them), so the round's fields are ours.
  n_ = n;
  call_ = call;
  task_ = task;
  next_.store(0, std::memory_order_relaxed);
  failed_.store(false, std::memory_order_relaxed);
  error_ = nullptr;
  bool wake = false;
  {
    // Opened under the lock: a helper going to sleep either sees the round or is counted.
    std::lock_guard<std::mutex> lock(m_);
    round_.store(round_.load(std::memory_order_relaxed) + 1);
    wake = sleepers_ > 0;
  }
  if (wake) wake_.notify_all();
  work();
  // Every index is taken. Close the round, then wait for the helpers inside it (they finish
  // their last task); helpers that did not join in time skip it.
  round_.store(round_.load(std::memory_order_relaxed) + 1);
  while (joined_.load() != 0) SEMRA_PAUSE();
  if (error_) std::rethrow_exception(error_);
}

}  // namespace semra
