#include "semra/experiments/limits.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

#include "semra/core/error.hpp"
#include "semra/experiments/jobs.hpp"
#include "semra/experiments/runner.hpp"

namespace semra::limits {

void check_threads(std::int64_t threads, const std::string& flag) {
  if (threads < 1 || threads > kMaxThreads)
    throw InputError(flag + " " + std::to_string(threads) + ": expected 1 to " +
                     std::to_string(kMaxThreads) +
                     " (experiments run in parallel; omit it to use every core)");
}

std::size_t count_experiments(const RunPlan& plan) {
  // Saturating product: a grid of 10^20 points is reported, not wrapped around.
  constexpr std::size_t kHuge = std::numeric_limits<std::size_t>::max();
  auto mul = [&](std::size_t a, std::size_t b) { return b != 0 && a > kHuge / b ? kHuge : a * b; };
  std::size_t points = 1;
  std::string factors;
  for (const auto& a : plan.axes) {
    points = mul(points, a.values.size());
    factors += std::to_string(a.values.size()) + " values of " + a.key + " x ";
  }
  const std::size_t n = mul(mul(points, plan.schemes.size()), plan.seeds.size());
  if (n > kMaxExperiments)
    throw InputError(
        "the command has " + factors + std::to_string(plan.schemes.size()) + " schemes x " +
        std::to_string(plan.seeds.size()) +
        " seeds = " + (n == kHuge ? std::string("more than 10^19") : std::to_string(n)) +
        " experiments, above the maximum of " + std::to_string(kMaxExperiments) +
        " per command (docs/limits.md): list fewer values or seeds, or split it into several "
        "sweeps");
  return n;
}

std::optional<std::uint64_t> available_memory_bytes() {
  if (const char* v = std::getenv("SEMRA_MEMORY_AVAILABLE_MB")) {
    char* end = nullptr;
    const unsigned long long mb = std::strtoull(v, &end, 10);
    if (end == v || *end != '\0' || mb > (1ULL << 40))
      throw InputError(std::string("environment variable SEMRA_MEMORY_AVAILABLE_MB='") + v +
                       "': expected a whole number of megabytes");
    return static_cast<std::uint64_t>(mb) << 20;
  }
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    unsigned long long kb = 0;
    if (std::sscanf(line.c_str(), "MemAvailable: %llu kB", &kb) == 1)
      return static_cast<std::uint64_t>(kb) << 10;
  }
  return std::nullopt;
}

std::string format_bytes(double bytes) {
  char buf[32];
  if (bytes >= 1e9)
    std::snprintf(buf, sizeof buf, "%.1f GB", bytes / 1e9);
  else
    std::snprintf(buf, sizeof buf, "%.0f MB", std::max(1.0, bytes / 1e6));
  return buf;
}

MemoryNeed estimate_memory(const RunPlan& plan, const std::vector<detail::Job>& jobs,
                           const std::vector<std::size_t>& to_run, std::size_t concurrent) {
  MemoryNeed need;
  const auto& estimate = plan.scenario->estimate_memory;
  if (!estimate) return need;
  // One estimate per (grid point, scheme): seeds share sizes.
  std::vector<double> working;
  std::vector<std::string> keys;
  std::size_t last_point = static_cast<std::size_t>(-1);
  std::string last_scheme;
  MemoryEstimate e;
  for (const std::size_t j : to_run) {
    const auto& job = jobs[j];
    if (job.point != last_point || job.scheme != last_scheme) {
      e = estimate(*job.config, job.scheme);
      last_point = job.point, last_scheme = job.scheme;
    }
    working.push_back(e.working_bytes);
    keys.push_back(e.key);
    need.result_bytes += e.result_bytes;
  }
  // The `concurrent` largest working sets may run at once.
  std::vector<std::size_t> order(working.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  const std::size_t k = std::min(concurrent, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                    [&](std::size_t a, std::size_t b) { return working[a] > working[b]; });
  for (std::size_t i = 0; i < k; ++i) need.working_bytes += working[order[i]];
  if (k > 0) need.key = keys[order[0]];
  need.bytes = need.working_bytes + need.result_bytes;
  return need;
}

void check_memory(const MemoryNeed& need, std::size_t concurrent) {
  const auto available = available_memory_bytes();
  if (!available || need.bytes <= static_cast<double>(*available)) return;
  std::string what;
  if (need.working_bytes >= need.result_bytes) {
    what = "lower " + (need.key.empty() ? std::string("the network or buffer sizes") : need.key);
    if (concurrent > 1) what += " or --threads (" + std::to_string(concurrent) + " at once)";
  } else {
    what =
        "lower the number of steps or experiments, or record fewer rows "
        "(results are kept in memory until the outputs are written)";
  }
  throw ResourceError("this command needs about " + format_bytes(need.bytes) + " of memory (" +
                      format_bytes(need.working_bytes) + " for the experiments running at once, " +
                      format_bytes(need.result_bytes) + " for results) and " +
                      format_bytes(static_cast<double>(*available)) + " is available: " + what +
                      " (docs/limits.md); nothing was written");
}

}  // namespace semra::limits
