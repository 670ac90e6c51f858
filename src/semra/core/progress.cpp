#include "semra/core/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <limits>

namespace semra {

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

std::string progress_line(const ProgressSnapshot& s, bool final) {
  const double inf = std::numeric_limits<double>::infinity();
  const double rate = s.elapsed_s > 0 ? static_cast<double>(s.steps_done) / s.elapsed_s : 0.0;
  double eta = rate > 0 ? static_cast<double>(s.steps_total - s.steps_done) / rate : inf;
  // The running experiment with the most time left at its own rate. Those without a step yet
  // have no rate: shown only when no other runs (their ETA unknown).
  const ProgressSnapshot::Running* slowest = nullptr;
  double slowest_eta = -1;
  for (const auto& r : s.running) {
    const double own_rate = r.seconds > 0 ? static_cast<double>(r.done) / r.seconds : 0.0;
    const double left = static_cast<double>(r.steps - r.from_step - r.done);
    if (own_rate > 0 && left / own_rate > slowest_eta) slowest = &r, slowest_eta = left / own_rate;
  }
  if (slowest != nullptr)
    eta = std::max(eta, slowest_eta);
  else if (!s.running.empty())
    slowest = &s.running.front(), slowest_eta = inf;
  const double pct = s.steps_total > 0 ? 100.0 * static_cast<double>(s.steps_done) /
                                             static_cast<double>(s.steps_total)
                                       : 0.0;
  char line[320];
  int n = std::snprintf(line, sizeof line,
                        "%zu/%zu experiments  %5.1f%%  %.0f %s/s  elapsed %s  ETA %s",
                        s.experiments_done, s.experiments_total, pct, rate, s.unit.c_str(),
                        Progress::format_duration(s.elapsed_s).c_str(),
                        final ? "0m00s" : Progress::format_duration(eta).c_str());
  if (!final && slowest != nullptr && n > 0 && static_cast<std::size_t>(n) < sizeof line) {
    const double frac = slowest->steps > 0
                            ? 100.0 * static_cast<double>(slowest->from_step + slowest->done) /
                                  static_cast<double>(slowest->steps)
                            : 0.0;
    std::snprintf(line + n, sizeof line - static_cast<std::size_t>(n),
                  "  slowest: %.40s %.0f%% ETA %s", slowest->name.c_str(), frac,
                  Progress::format_duration(slowest_eta).c_str());
  }
  return line;
}

Progress::Progress(const RunContext& ctx, std::int64_t total_steps, std::string unit,
                   std::size_t experiments_total, std::size_t experiments_done, bool quiet)
    : ctx_(ctx),
      total_(total_steps),
      unit_(std::move(unit)),
      experiments_total_(experiments_total),
      experiments_done_(experiments_done),
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
  std::lock_guard<std::mutex> lock(mutex_);
  print(true);
}

void Progress::started(const std::string& name, std::int64_t steps, std::int64_t from_step,
                       const RunContext& ectx) {
  std::lock_guard<std::mutex> lock(mutex_);
  running_[name] = Entry{steps, from_step, &ectx, std::chrono::steady_clock::now()};
}

void Progress::stopped(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  running_.erase(name);
}

void Progress::finished_one() {
  experiments_done_.fetch_add(1, std::memory_order_relaxed);
}

void Progress::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    cv_.wait_for(lock, std::chrono::duration<double>(period_s_), [this] { return stop_; });
    if (!stop_) print(false);
  }
}

// Called with mutex_ held.
void Progress::print(bool final) {
  const auto now = std::chrono::steady_clock::now();
  ProgressSnapshot s;
  s.elapsed_s = std::chrono::duration<double>(now - start_).count();
  s.steps_done = ctx_.steps_done();
  s.steps_total = total_;
  s.experiments_done = experiments_done_.load(std::memory_order_relaxed);
  s.experiments_total = experiments_total_;
  s.unit = unit_;
  for (const auto& [name, e] : running_)
    s.running.push_back({name, e.steps, e.from_step, e.ctx->own_steps(),
                         std::chrono::duration<double>(now - e.start).count()});
  const std::string line = progress_line(s, final);
  if (tty_)
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final ? "\n" : "");
  else
    std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

}  // namespace semra
