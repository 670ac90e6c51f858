#pragma once
// A small fixed team of threads for the inner loop of ONE experiment, e.g. the independent agents
// of one time slot: run(n, task) calls task(i) for every i in [0, n) exactly once, spread over the
// team, and returns when all are done. Tasks must be independent (each writes only its own state
// and draws only from its own Rng stream); the results then equal the serial loop's bit for bit,
// whatever the team size (RunContext::threads()) and whichever thread runs which index.
//
// Built for short, frequent rounds (a dhdrl slot has two or three of ~0.1-1 ms each): the calling
// thread takes indices too, and a round waits only for the helpers that joined it. A helper still
// asleep (or descheduled by a loaded machine) when the round opens costs nothing: the caller and
// the helpers that are awake take its share, and it skips the round when it comes. Helpers spin
// for some tens of microseconds after a round before they sleep, so consecutive rounds are handed
// over without a system call; run() signals the condition variable only when a helper sleeps.
// No allocation per round.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace semra {

class WorkTeam {
 public:
  // `threads` - 1 helper threads (threads <= 1: none, run() is a plain loop). `before_join`, if
  // set, is called by a helper each time it is about to join a round (tests hold helpers back with
  // it to check that a round never waits for them).
  explicit WorkTeam(int threads, std::function<void()> before_join = {});
  ~WorkTeam();
  WorkTeam(const WorkTeam&) = delete;
  WorkTeam& operator=(const WorkTeam&) = delete;

  int size() const { return static_cast<int>(helpers_.size()) + 1; }

  // task(i) for i in [0, n); the calling thread takes part. The first exception a task throws is
  // rethrown here after the round ends (tasks not yet started are skipped). Not reentrant: one
  // round at a time, from one thread.
  template <class Task>
  void run(int n, Task&& task) {
    if (helpers_.empty() || n <= 1) {
      for (int i = 0; i < n; ++i) task(i);
      return;
    }
    using T = std::remove_reference_t<Task>;
    run_erased(
        n, [](void* t, int i) { (*static_cast<T*>(t))(i); },
        const_cast<void*>(static_cast<const void*>(&task)));
  }

 private:
  using Call = void (*)(void*, int);
  void run_erased(int n, Call call, void* task);
  void helper_loop();
  void work();

  std::vector<std::thread> helpers_;
  std::function<void()> before_join_;
  std::mutex m_;
  std::condition_variable wake_;
  int sleepers_ = 0;  // helpers waiting on wake_ (guarded by m_)
  // Odd while a round is open (2r + 1 for the r-th round), even between rounds.
  std::atomic<std::uint64_t> round_{0};
  std::atomic<int> joined_{0};  // helpers inside the open round (or about to check it)
  std::atomic<int> next_{0};    // the next index to take
  std::atomic<bool> failed_{false}, quit_{false};
  // The round's work: written by run() while no helper is joined, read by joined helpers.
  int n_ = 0;
  Call call_ = nullptr;
  void* task_ = nullptr;
  std::exception_ptr error_;  // guarded by m_
};

// f(first, last) over [0, n) cut into contiguous parts that run at once on the team: at most one
// part per thread, none smaller than `min_part` items (a smaller part is not worth its hand-over).
// Without a team, or when n is too small for two parts, f(0, n) on the calling thread.
template <class F>
void run_parts(WorkTeam* team, std::size_t n, std::size_t min_part, F&& f) {
  const std::size_t parts =
      team == nullptr ? 1 : std::min(static_cast<std::size_t>(team->size()), n / min_part);
  if (parts <= 1) {
    f(std::size_t{0}, n);
    return;
  }
  team->run(static_cast<int>(parts), [&](int part) {
    const auto p = static_cast<std::size_t>(part);
    f(n * p / parts, n * (p + 1) / parts);
  });
}

// team->run(n, task) with a team, the plain loop without one (null).
template <class Task>
void run_on(WorkTeam* team, int n, Task&& task) {
  if (team != nullptr) {
    team->run(n, task);
  } else {
    for (int i = 0; i < n; ++i) task(i);
  }
}

}  // namespace semra
