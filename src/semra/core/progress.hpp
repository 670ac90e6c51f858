#pragma once
// Progress on stderr while experiments run: one updating line on a terminal, a line every
// `period_s` seconds otherwise, nothing when quiet. Reads the shared RunContext counters from a
// background thread, so the experiments' hot loops only do a relaxed atomic add.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "semra/core/experiment.hpp"

namespace semra {

class Progress {
 public:
  Progress(const RunContext& ctx, std::int64_t total_steps, std::string unit, std::string metric,
           bool quiet);
  ~Progress();  // stops the thread and finishes the line
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  static std::string format_duration(double seconds);

 private:
  void loop();
  void print(bool final);

  const RunContext& ctx_;
  std::int64_t total_;
  std::string unit_, metric_;
  bool tty_ = false;
  double period_s_ = 10.0;
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool quiet_;
  std::thread thread_;
};

}  // namespace semra
