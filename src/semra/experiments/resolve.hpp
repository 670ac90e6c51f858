#pragma once
// One way from what a user asked to a config and a run plan, shared by the CLI (apps/semra),
// `make docs` (docs.cpp) and the Python face (python/), so their checks and messages cannot drift
// apart (the bad-input campaign, tests/cli/bad_inputs.txt, runs through the CLI).
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "semra/core/config.hpp"
#include "semra/experiments/registry.hpp"
#include "semra/experiments/runner.hpp"

namespace semra {

// The scenario (or, when enabled, the test fixture) of that name; InputError with the nearest
// name and the valid ones otherwise.
const ScenarioEntry& scenario_or_throw(const std::string& name);

// The scenario's defaults <- `preset` ("key=value", a figure's sets) <- the TOML file
// `config_path` (if not empty) <- `sets` ("key=value", --set). A key given twice in `sets`, or one
// that `reserved` says another option already sets (key -> that option, e.g. "--steps"), is
// refused: one of the values would be silently lost. Throws InputError naming the key, value or
// file. Not validated (cross-key checks: ConfigBase::validate()).
std::unique_ptr<ConfigBase> resolve_config(const ScenarioEntry& scenario,
                                           const std::string& config_path,
                                           const std::vector<std::string>& sets,
                                           const std::vector<std::string>& preset = {},
                                           const std::map<std::string, std::string>& reserved = {});

// The seeds first .. first+count-1, checked (a negative seed would wrap around to a huge one; the
// count is limited by docs/limits.md).
std::vector<std::uint64_t> seed_list(std::int64_t first, std::int64_t count);

// What `semra run SCENARIO` asks for.
struct RunRequest {
  std::string config_path;                          // --config
  std::vector<std::string> sets;                    // --set
  std::optional<std::vector<std::string>> schemes;  // --scheme; none: the defaults
  std::optional<std::int64_t> steps;                // --steps; none: the config's
  std::int64_t seed = 1;                            // --seed
  std::int64_t seeds = 1;                           // --seeds
};

// The plan of `semra run` (config, schemes, seeds, plot); the caller sets threads, out_dir, quiet,
// save_models, resume and the stop flag, then calls execute(). Throws InputError for bad input.
RunPlan make_run_plan(const ScenarioEntry& scenario, const RunRequest& request);

// What `semra figure NAME` asks for.
struct FigureRequest {
  std::string name;                   // the figure
  std::string config_path;            // --config
  std::vector<std::string> sets;      // --set (not the figure's x key)
  bool quick = false;                 // --quick: the figure's quick_sets, at most 2 seeds
  std::int64_t seed = 1;              // --seed
  std::optional<std::int64_t> seeds;  // --seeds; none: the figure's (quick: at most 2)
};

// The plan of `semra figure`: the figure's preset over the defaults, then --config and --set, its
// schemes, seeds, sweep axis and plot. Throws InputError naming the figure, key or value.
RunPlan make_figure_plan(const FigureRequest& request);

}  // namespace semra
