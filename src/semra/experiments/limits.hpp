#pragma once
// The bounds a command is checked against before it creates its output directory
// (docs/limits.md): threads, experiments in one command, and memory. Internal to experiments/ and
// the CLI.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace semra {

struct RunPlan;
namespace detail {
struct Job;
}

namespace limits {

// --threads above this is refused. Fixed rather than a multiple of the cores, so a command that
// works on one machine works on every other; threads beyond the number of experiments are never
// started.
constexpr int kMaxThreads = 1024;
// Grid points x schemes x seeds of one command. Planning keeps every experiment's resolved config
// (about 10 kB each) and rank 0 every result; beyond this, split the sweep.
constexpr std::size_t kMaxExperiments = 100000;

// Throws InputError unless 1 <= threads <= kMaxThreads (`flag` names the option).
void check_threads(std::int64_t threads, const std::string& flag = "--threads");

// Grid points x schemes x seeds, counted without expanding the grid; throws InputError above
// kMaxExperiments (or on overflow), naming the factors.
std::size_t count_experiments(const RunPlan& plan);

// Bytes this process may still use: SEMRA_MEMORY_AVAILABLE_MB when set (tests, or to keep room on
// a shared node), else MemAvailable from /proc/meminfo; nullopt when neither is known.
std::optional<std::uint64_t> available_memory_bytes();

// The memory a plan needs at most (the `threads` largest experiments running at once plus every
// result held until the outputs are written), from each scenario's estimate_memory; throws
// ResourceError naming the estimate, the available memory and the key to lower when it does not
// fit. `concurrent`: experiments this process runs at once.
struct MemoryNeed {
  double bytes = 0;
  double working_bytes = 0;  // of the concurrently running experiments
  double result_bytes = 0;   // results kept in memory
  std::string key;           // the config key dominating the working set
};
MemoryNeed estimate_memory(const RunPlan& plan, const std::vector<detail::Job>& jobs,
                           const std::vector<std::size_t>& to_run, std::size_t concurrent);
void check_memory(const MemoryNeed& need, std::size_t concurrent);

// "1.5 GB", "320 MB": for messages.
std::string format_bytes(double bytes);

}  // namespace limits
}  // namespace semra
