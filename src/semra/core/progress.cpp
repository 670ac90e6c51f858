#include "semra/core/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace semra {

Progress::Progress(const RunContext& ctx, std::int64_t total_steps, std::string unit,
                   std::string metric, bool quiet)
    : ctx_(ctx),
      total_(total_steps),
      unit_(std::move(unit)),
      metric_(std::move(metric)),
      start_(std::chrono::steady_clock::now()),
      quiet_(quiet) {
  if (quiet_) return;
  tty_ = ::isatty(STDERR_FILENO) != 0;
  period_s_ = tty_ ? 0.25 : 10.0;
  thread_ = std::thread([this] { loop(); });
}

Progress::~Progress() {
  if (quiet_) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  print(true);
}

std::string Progress::format_duration(double s) {
  char buf[32];
  if (!(s >= 0) || s > 1e7) return "?";
  const int total = static_cast<int>(s + 0.5);
  if (total >= 3600)
    std::snprintf(buf, sizeof buf, "%dh%02dm", total / 3600, (total / 60) % 60);
  else
    std::snprintf(buf, sizeof buf, "%dm%02ds", total / 60, total % 60);
  return buf;
}

void Progress::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    cv_.wait_for(lock, std::chrono::duration<double>(period_s_), [this] { return stop_; });
    if (!stop_) print(false);
  }
}

void Progress::print(bool final) {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const std::int64_t done = ctx_.steps_done();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : -1;
  const double pct =
      total_ > 0 ? 100.0 * static_cast<double>(done) / static_cast<double>(total_) : 0;
  char line[256];
  std::snprintf(line, sizeof line, "%5.1f%%  %lld/%lld %s  %.0f %s/s  elapsed %s  ETA %s  %s %.4g",
                pct, static_cast<long long>(done), static_cast<long long>(total_), unit_.c_str(),
                rate, unit_.c_str(), format_duration(elapsed).c_str(),
                final ? "0m00s" : format_duration(eta).c_str(), metric_.c_str(),
                ctx_.last_metric());
  if (tty_)
    std::fprintf(stderr, "\r\033[K%s%s", line, final ? "\n" : "");
  else
    std::fprintf(stderr, "%s\n", line);
  std::fflush(stderr);
}

}  // namespace semra
