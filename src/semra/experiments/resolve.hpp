#pragma once
// One way from what a user asked to a config and a run plan, shared by the CLI (apps/semra),
// `make docs` (docs.cpp) and the Python face (python/), so they cannot drift apart.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "semra/core/config.hpp"
#include "semra/experiments/registry.hpp"
#include "semra/experiments/runner.hpp"

namespace semra {

// The scenario (or, when enabled, the test fixture) of that name; InputError listing the valid
// names otherwise.
const ScenarioEntry& scenario_or_throw(const std::string& name);

// The scenario's defaults <- `preset` ("key=value", a figure's sets) <- the TOML file
// `config_path` (if not empty) <- `sets` ("key=value", --set). Throws InputError naming the key,
// value or file. Not validated (cross-key checks: ConfigBase::validate()).
std::unique_ptr<ConfigBase> resolve_config(const ScenarioEntry& scenario,
                                           const std::string& config_path,
                                           const std::vector<std::string>& sets,
                                           const std::vector<std::string>& preset = {});

// What `semra run SCENARIO` asks for.
struct RunRequest {
  std::string config_path;           // --config
  std::vector<std::string> sets;     // --set
  std::vector<std::string> schemes;  // --scheme; empty: the scenario's default schemes
  std::int64_t steps = -1;           // --steps; -1: the config's
  std::uint64_t seed = 1;            // --seed
  int seeds = 1;                     // --seeds
};

// The plan of `semra run` (config, schemes, seeds, plot); the caller sets threads, out_dir, quiet,
// save_models, resume and the stop flag, then calls execute(). Throws InputError for bad input.
RunPlan make_run_plan(const ScenarioEntry& scenario, const RunRequest& request);

}  // namespace semra
