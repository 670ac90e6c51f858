#pragma once
// Progress on stderr while experiments run: one updating line on a terminal, a line every 10 s
// otherwise, nothing when quiet. Reads the shared RunContext counters from a background thread, so
// the experiments' hot loops only do relaxed atomic adds. The line shows experiments done / total,
// the overall rate and ETA, and the running experiment expected to finish last (the one the run
// waits for), with its own progress and ETA.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "semra/core/experiment.hpp"

namespace semra {

// What one progress line is made of (a value, so the line's format can be tested).
struct ProgressSnapshot {
  struct Running {
    std::string name;
    std::int64_t steps = 0;      // the experiment's length
    std::int64_t from_step = 0;  // where it started (> 0 when resumed from a checkpoint)
    std::int64_t done = 0;       // steps run since it started
    double seconds = 0;          // since it started
  };
  double elapsed_s = 0;
  std::int64_t steps_done = 0, steps_total = 0;  // over the experiments this command runs
  std::size_t experiments_done = 0, experiments_total = 0;
  std::string unit = "steps";
  std::vector<Running> running;
};

// "12/40 experiments  31.0%  3100 slots/s  elapsed 2m10s  ETA 5m02s  slowest: dhdrl-seed3 12%
// ETA 4m50s". The overall ETA is the larger of (steps left / overall rate) and the slowest running
// experiment's own ETA: the run cannot end before that experiment does.
std::string progress_line(const ProgressSnapshot& s, bool final);

class Progress {
 public:
  // `experiments_done`: those already finished before this command (--resume).
  Progress(const RunContext& ctx, std::int64_t total_steps, std::string unit,
           std::size_t experiments_total, std::size_t experiments_done, bool quiet);
  ~Progress();  // stops the thread and finishes the line
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // An experiment of `steps` steps starts at `from_step` in `ectx`, which lives until stopped().
  void started(const std::string& name, std::int64_t steps, std::int64_t from_step,
               const RunContext& ectx);
  void stopped(const std::string& name);
  void finished_one();  // an experiment finished (here or on another MPI rank)

  static std::string format_duration(double seconds);

 private:
  struct Entry {
    std::int64_t steps, from_step;
    const RunContext* ctx;
    std::chrono::steady_clock::time_point start;
  };
  void loop();
  void print(bool final);

  const RunContext& ctx_;
  std::int64_t total_;
  std::string unit_;
  std::size_t experiments_total_;
  std::atomic<std::size_t> experiments_done_;
  bool tty_ = false;
  double period_s_ = 10.0;
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;  // guards running_ and stop_
  std::map<std::string, Entry> running_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool quiet_;
  std::thread thread_;
};

}  // namespace semra
