#pragma once
// The experiments of a plan, in plan order (grid point, scheme, seed), each with its own resolved
// config. Built identically on every MPI rank, so ranks refer to an experiment by its index.
// Internal to experiments/.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "semra/experiments/runner.hpp"

namespace semra::detail {

struct Job {
  std::size_t index = 0;  // position in plan order
  std::size_t point = 0;  // grid point (0 without a grid)
  std::string scheme;
  std::uint64_t seed = 0;
  std::unique_ptr<ConfigBase> config;
  std::int64_t steps = 0;  // the scenario's steps_key value (for ordering and progress)
  // Stable name: the file stem under OUT/experiments/, e.g. "dhdrl-seed3" or
  // "dhdrl-seed3-network.bs_power_dbm=26".
  std::string id;
  // Every config key with its value as TOML text, in schema order (resume checks compare these).
  std::vector<std::pair<std::string, std::string>> config_values;
  // The scenario's default value of every key (config_difference: a key a stored run predates).
  std::shared_ptr<const std::vector<std::pair<std::string, std::string>>> config_defaults;
  // The metric columns its result has (the scenario's metric_columns; null: not declared). A
  // stored record of this experiment must have exactly these.
  const std::vector<std::string>* metric_columns = nullptr;
};

std::size_t grid_points(const RunPlan& plan);
// The value index on each axis of grid point p (first axis outermost).
std::vector<std::size_t> point_indices(const RunPlan& plan, std::size_t p);

// Builds and validates every experiment's config (throws InputError before anything runs).
std::vector<Job> make_jobs(const RunPlan& plan);

std::vector<std::pair<std::string, std::string>> config_values(ConfigBase& config);

// Expected run time of a job in arbitrary units: steps left x its scheme's
// the scheme's SchemeInfo::step_cost (1 for a scheme the table lacks).
double expected_cost(const ScenarioEntry& scenario, const Job& job, std::int64_t steps_left);

// "key (stored A, requested B); ..." for the keys whose values differ; empty when equal. A key the
// stored config lacks (added to semra since the run was written) is no difference when it is
// requested at its default in `defaults` (docs/decisions.md "Resuming across added keys").
std::string config_difference(
    const std::vector<std::pair<std::string, std::string>>& stored,
    const std::vector<std::pair<std::string, std::string>>& requested,
    const std::vector<std::pair<std::string, std::string>>& defaults = {});

}  // namespace semra::detail
