#pragma once
// A small fixed team of threads for the inner loop of ONE experiment, e.g. the independent agents
// of one time slot: run(n, task) calls task(i) for every i in [0, n) exactly once, spread over the
// team, and returns when all are done. Tasks must be independent (each writes only its own state
// and draws only from its own Rng stream); the results then equal the serial loop's bit for bit,
// whatever the team size (RunContext::threads()).
//
// Built for short, frequent rounds (a slot's learning steps take ~0.1-1 ms): the helpers spin for
// a few microseconds after a round before they sleep, so a round costs a few microseconds of
// hand-off instead of a thread start.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace semra {

class WorkTeam {
 public:
  // `threads` - 1 helper threads (threads <= 1: none, run() is a plain loop).
  explicit WorkTeam(int threads);
  ~WorkTeam();
  WorkTeam(const WorkTeam&) = delete;
  WorkTeam& operator=(const WorkTeam&) = delete;

  int size() const { return static_cast<int>(helpers_.size()) + 1; }

  // task(i) for i in [0, n); the calling thread takes part. The first exception a task throws is
  // rethrown here after the round ends (tasks not yet started are skipped).
  void run(int n, const std::function<void(int)>& task);

 private:
  void helper_loop();
  void work();

  std::vector<std::thread> helpers_;
  std::mutex m_;
  std::condition_variable wake_;
  std::atomic<std::uint64_t> round_{0};
  std::atomic<int> next_{0}, busy_{0};
  std::atomic<bool> failed_{false}, quit_{false};
  int n_ = 0;
  const std::function<void(int)>* task_ = nullptr;
  std::exception_ptr error_;
};

}  // namespace semra
