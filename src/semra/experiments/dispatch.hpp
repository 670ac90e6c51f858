#pragma once
// Runs a plan's unfinished experiments: on this process's threads and, under mpirun, on every
// rank. Rank 0 holds the queue (long experiments first) and hands out one experiment per free
// thread of each rank as they ask (dynamic scheduling); the other ranks send back each finished
// experiment's record and their checkpoints, and rank 0 alone writes files. Rank 0 computes too:
// its main thread only coordinates, with non-blocking MPI calls and short sleeps (OpenMPI's
// blocking receives busy-poll and would take a core from the experiments).
// Internal to experiments/.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "semra/core/error.hpp"

#include "semra/core/experiment.hpp"
#include "semra/experiments/jobs.hpp"
#include "semra/experiments/store.hpp"

namespace semra::detail {

// What rank 0 does with experiments as they finish. Called from any thread, each job once.
class ResultSink {
 public:
  virtual ~ResultSink() = default;
  // `record` is RunStore::encode_record(job, result).
  virtual void finished(const Job& job, ExperimentResult result, const std::string& record) = 0;
  virtual void checkpoint(const Job& job, std::int64_t step, const std::string& state) = 0;
  // Around each experiment run by this process's threads: `ectx` lives until stopped().
  virtual void started(const Job& /*job*/, const RunContext& /*ectx*/) {}
  virtual void stopped(const Job& /*job*/) {}
  // The experiment's result gained metrics rows (RunContext::row_recorded): `partial` holds them
  // from row `first_row` on (0 for experiments of this process; other ranks send their new rows).
  virtual void rows(const Job& /*job*/, const ExperimentResult& /*partial*/,
                    std::size_t /*first_row*/) {}
};

struct Task {
  std::size_t job = 0;
  std::optional<StoredCheckpoint> resume;
};

struct DispatchOutcome {
  std::size_t finished = 0;     // experiments completed by this command
  std::size_t interrupted = 0;  // stopped early (SIGINT/SIGTERM, or halted after an error)
  std::size_t not_started = 0;
  std::exception_ptr error;  // the first experiment failure (InputError or internal)
};

// Rank 0 (or the only process): runs `tasks` in the given order. `ctx` is the command's shared
// context (progress counters); its stop flag is managed here from plan.stop_flag.
DispatchOutcome dispatch_root(const RunPlan& plan, const std::vector<Job>& jobs,
                              std::vector<Task> tasks, ResultSink& sink, RunContext& ctx);

// Ranks > 0: run what rank 0 assigns until it says the command is over (mpi_transport.cpp;
// no-op without MPI).
void dispatch_worker(const RunPlan& plan, const std::vector<Job>& jobs);

// Rank 0, however the command ends: tell the waiting ranks it is over (once; no-op without MPI
// or on other ranks).
void release_workers();

// ---- The machinery both dispatchers share (dispatch.cpp on rank 0 and alone, mpi_transport.cpp
// on the other ranks): the queue of experiments, the thread pool that runs them, failures and
// their tally.

using Clock = std::chrono::steady_clock;

// A queue of experiments to start. Threads block in pop() until a task comes or the queue is
// closed and empty.
class TaskQueue {
 public:
  void push(Task t) {
    {
      std::lock_guard<std::mutex> lock(m_);
      q_.push_back(std::move(t));
    }
    cv_.notify_one();
  }
  void close() {
    {
      std::lock_guard<std::mutex> lock(m_);
      closed_ = true;
    }
    cv_.notify_all();
  }
  // Closes and drops what has not started; returns how many were dropped.
  std::size_t drain_and_close() {
    std::size_t n = 0;
    {
      std::lock_guard<std::mutex> lock(m_);
      n = q_.size();
      q_.clear();
      closed_ = true;
    }
    cv_.notify_all();
    return n;
  }
  std::optional<Task> pop_wait() {
    std::unique_lock<std::mutex> lock(m_);
    cv_.wait(lock, [&] { return !q_.empty() || closed_; });
    return take(lock);
  }
  std::optional<Task> try_pop() {
    std::unique_lock<std::mutex> lock(m_);
    return take(lock);
  }

 private:
  std::optional<Task> take(std::unique_lock<std::mutex>&) {
    if (q_.empty()) return std::nullopt;
    Task t = std::move(q_.front());
    q_.pop_front();
    return t;
  }
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<Task> q_;
  bool closed_ = false;
};

// `threads` threads running body(task) for every task the queue yields. They start work only once
// all of them exist: if the system refuses one (too many threads for the machine), none has begun
// an experiment, and the constructor throws ResourceError naming --threads.
class Pool {
 public:
  Pool(int threads, TaskQueue& q, std::function<void(Task)> body) : body_(std::move(body)) {
    live_ = threads;
    try {
      for (int i = 0; i < threads; ++i)
        threads_.emplace_back([this, &q] {
          if (wait_for_start())
            while (auto t = q.pop_wait()) body_(std::move(*t));
          {
            std::lock_guard<std::mutex> lock(m_);
            --live_;
          }
          cv_.notify_all();
        });
    } catch (const std::system_error& e) {
      const std::size_t started = threads_.size();
      release(false);
      join();
      throw ResourceError("the system refused to start thread " + std::to_string(started + 1) +
                          " of " + std::to_string(threads) + " (" + e.what() +
                          "): lower --threads");
    }
    release(true);
  }
  ~Pool() { join(); }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  void join() {
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  bool done() {
    std::lock_guard<std::mutex> lock(m_);
    return live_ == 0;
  }
  // Wakes on a thread's exit, on notify(), or after `timeout`.
  void wait_for(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(m_);
    cv_.wait_for(lock, timeout, [&] { return live_ == 0 || poked_; });
    poked_ = false;
  }
  void notify() {
    {
      std::lock_guard<std::mutex> lock(m_);
      poked_ = true;
    }
    cv_.notify_all();
  }

 private:
  // Blocks until the constructor has started every thread (true) or given up (false).
  bool wait_for_start() {
    std::unique_lock<std::mutex> lock(m_);
    cv_.wait(lock, [&] { return start_ != 0; });
    return start_ > 0;
  }
  void release(bool go) {
    {
      std::lock_guard<std::mutex> lock(m_);
      start_ = go ? 1 : -1;
    }
    cv_.notify_all();
  }

  std::function<void(Task)> body_;
  std::vector<std::thread> threads_;
  std::mutex m_;
  std::condition_variable cv_;
  int live_ = 0;
  int start_ = 0;  // 0 until every thread exists; then 1 (work) or -1 (a thread was refused)
  bool poked_ = false;
};

// Declared after a Pool: however the scope ends (an MPI error included), halts the experiments
// and closes the queue before the Pool's destructor joins its threads.
struct StopOnExit {
  TaskQueue& queue;
  std::atomic<bool>& halt;
  ~StopOnExit() {
    if (std::uncaught_exceptions() > 0) halt = true;
    queue.drain_and_close();
  }
};

struct Failure {
  // 'I' interrupted, 'U' bad input, 'R' a resource ran out (both exit 2), 'E' internal (exit 1)
  char kind = 'E';
  std::string message;
};

template <class F>
std::optional<Failure> guarded(F&& f) {
  try {
    f();
    return std::nullopt;
  } catch (const Interrupted&) {
    return Failure{'I', "interrupted"};
  } catch (const ResourceError& e) {
    return Failure{'R', e.what()};
  } catch (const InputError& e) {
    return Failure{'U', e.what()};
  } catch (const std::bad_alloc&) {
    return Failure{'R', "out of memory"};
  } catch (const std::system_error& e) {
    // Threads or processes refused by the OS with EAGAIN: a limit of the machine, not a bug.
    if (e.code() == std::errc::resource_unavailable_try_again)
      return Failure{'R', std::string("the system refused a resource: ") + e.what()};
    return Failure{'E', e.what()};
  } catch (const std::exception& e) {
    return Failure{'E', e.what()};
  } catch (...) {
    return Failure{'E', "unknown exception"};
  }
}

std::exception_ptr to_exception(const Failure& f, const std::string& where);

// Runs one experiment. `observer` sees the experiment start, its rows and its end (rank 0: live
// files and progress; other ranks: rows forwarded to rank 0). `threads`: the experiment's own
// threads (RunContext::threads()).
ExperimentResult run_job(const RunPlan& plan, const Job& job, RunContext& shared, Task& task,
                         std::function<void(std::int64_t, std::string)> store, ResultSink* observer,
                         int threads = 1);

// Counts and the first failure, shared by the threads of rank 0.
struct Tally {
  std::mutex m;
  std::size_t finished = 0, interrupted = 0;
  std::optional<Failure> first_error;
  std::string error_where;
  std::atomic<bool> failed{false};
  std::atomic<bool> interrupted_any{false};

  void add(const std::optional<Failure>& f, const std::string& where) {
    std::lock_guard<std::mutex> lock(m);
    if (!f) {
      ++finished;
    } else if (f->kind == 'I') {
      ++interrupted;
      interrupted_any = true;
    } else {
      ++interrupted;  // counted as not finished
      if (!first_error) first_error = f, error_where = where;
      failed = true;
    }
  }
};

}  // namespace semra::detail
