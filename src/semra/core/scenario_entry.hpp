#pragma once
// What a scenario registers (docs/architecture.md): its ScenarioEntry and its figures. Data and
// functions only, in core so that scenarios/ can define their entries without including
// experiments/ (the layers point downward); experiments/registry.hpp lists them.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "semra/core/array_file.hpp"
#include "semra/core/config.hpp"
#include "semra/core/experiment.hpp"
#include "semra/core/external_policy.hpp"
#include "semra/core/multi_agent_env.hpp"

namespace semra {

// A rough upper bound of one experiment's memory, computed from its config without building
// anything (docs/limits.md): `working_bytes` while it runs (replay buffers, networks with their
// optimiser state, environment), `result_bytes` kept until the command writes its outputs (metrics
// rows, pooled samples), and `key`, the config key that dominates the working set.
struct MemoryEstimate {
  double working_bytes = 0;
  double result_bytes = 0;
  std::string key;
};

// One scheme as the registry sees it: one row of the scenario's scheme table
// (scenarios/NAME/schemes.cpp), next to the row's factory.
struct SchemeInfo {
  std::string name;
  bool in_default_set = true;  // run by `semra run NAME` without --scheme
  // Relative run time of one step (1: the scenario's reference scheme), from bench/. It only
  // orders the work, costliest first, so that no thread or rank is left running one long
  // experiment at the end.
  double step_cost = 1.0;
  std::string help;  // one line for `semra list`
};

struct ScenarioEntry {
  std::string name;
  std::string description;
  std::string step_unit;  // what --steps counts: "slots", "iterations"
  // The scenario's scheme table (scenarios/NAME/schemes.cpp), in its order.
  std::vector<SchemeInfo> schemes;
  std::string primary_metric;  // summary scalar compared between schemes
  bool primary_higher_is_better = true;
  std::string proposed_scheme;                               // compared against every other scheme
  std::function<std::unique_ptr<ConfigBase>()> make_config;  // the paper's defaults
  std::string steps_key;                                     // config key that --steps sets
  // Runs one experiment; throws InputError for bad input, Interrupted when ctx asks to stop.
  std::function<ExperimentResult(const ConfigBase&, const std::string& scheme, std::uint64_t seed,
                                 RunContext& ctx)>
      run;
  // Optional. Throws InputError for what run() would reject for these experiments and can be found
  // without running it (a topology that breaks a limit for this seed, models that do not fit the
  // scheme): called for every experiment before the output directory is created, so it must be
  // cheap (no training, no big allocations).
  std::function<void(const ConfigBase&, const std::string& scheme,
                     const std::vector<std::uint64_t>& seeds)>
      check;
  // Optional: the memory one experiment needs (see MemoryEstimate); no estimate without it.
  std::function<MemoryEstimate(const ConfigBase&, const std::string& scheme)> estimate_memory;
  // The metrics.csv columns run() returns (sweep [names] must not collide with them; a stored
  // record must hold exactly these).
  std::vector<std::string> metric_columns;
  // The per-experiment scalars run() returns (summary.json; what a sweep file's [plot] metric may
  // name). Empty: not declared, not checked.
  std::vector<std::string> summary_scalars;
  // The scenario's multi-agent environment for a validated config (the Python face, tests): the one
  // built-in scheme `scheme` acts in (dhdrl: its layout, reward part and neighbour features), or,
  // for "", the environment of the scenario's proposed scheme. An unknown scheme is an InputError.
  std::function<std::unique_ptr<MultiAgentEnv>(const ConfigBase&, const std::string& scheme)>
      make_env;
  // Optional: one experiment whose actions come from `policy` (semra.evaluate) on make_env's
  // environment, recorded as run() records a scheme that does not learn; `name` labels it.
  std::function<ExperimentResult(const ConfigBase&, const std::string& name, std::uint64_t seed,
                                 RunContext& ctx, ExternalPolicy& policy)>
      run_policy;
  // Optional: writes the channels the scenario's model draws for `seed` in a run of `steps` steps
  // (train.slots / iterations when negative) to the .mat file `path`, the trace that
  // channel.source = "trace" replays into the same run (semra export-channels, docs/channels.md).
  std::function<void(const ConfigBase&, std::uint64_t seed, std::int64_t steps,
                     const std::string& path)>
      export_channels;
  // Optional: makes a config (resolved, not yet validated) use channels given in memory
  // (Python's channels=array) as channel.source = "trace": the array is checked as a trace file
  // is, `where` naming it in errors (InputError).
  std::function<void(ConfigBase&, NumericArray, const std::string& where)> use_channels;
};

// A scenario's scheme table as the registry sees it: the `info` of each row (rows also hold the
// scheme's factory), in the table's order.
template <class Row>
std::vector<SchemeInfo> scheme_infos(const std::vector<Row>& rows) {
  std::vector<SchemeInfo> v;
  for (const auto& r : rows) v.push_back(r.info);
  return v;
}
// The names of `table`'s schemes, all of them or those in the default set (`semra run NAME`
// without --scheme), in the table's order.
inline std::vector<std::string> scheme_names_of(const std::vector<SchemeInfo>& table,
                                                bool default_set_only = false) {
  std::vector<std::string> v;
  for (const auto& s : table)
    if (!default_set_only || s.in_default_set) v.push_back(s.name);
  return v;
}
// The row named `name`, or null.
inline const SchemeInfo* find_scheme_info(const std::vector<SchemeInfo>& table,
                                          const std::string& name) {
  for (const auto& s : table)
    if (s.name == name) return &s;
  return nullptr;
}

// make_config, run and run_policy of `e` for a scenario whose configuration is `Config`, from its
// run.hpp's run_experiment and run_policy_experiment (they take their own Config).
template <class Config, class Run, class RunPolicy>
void set_run_functions(ScenarioEntry& e, Run run, RunPolicy run_policy) {
  e.make_config = [] { return std::make_unique<Config>(); };
  e.run = [run](const ConfigBase& c, const std::string& scheme, std::uint64_t seed,
                RunContext& ctx) { return run(dynamic_cast<const Config&>(c), scheme, seed, ctx); };
  e.run_policy = [run_policy](const ConfigBase& c, const std::string& name, std::uint64_t seed,
                              RunContext& ctx, ExternalPolicy& policy) {
    return run_policy(dynamic_cast<const Config&>(c), name, seed, ctx, policy);
  };
}

// A named set of experiments (schemes x seeds [x sweep points]) and how to plot them. Data only.
struct FigureEntry {
  std::string name;
  std::string scenario;
  std::string description;  // one line, e.g. "paper Fig. 3: QoE vs time slot"
  std::vector<std::string> schemes;
  int seeds = 5;
  std::vector<std::string> sets;        // "key=value" applied over the scenario defaults
  std::vector<std::string> quick_sets;  // applied after `sets` with --quick

  // Sweep (optional): config key varied over x_values; x_name labels it in summary.json.
  std::string x_key;
  std::string x_name;
  std::vector<double> x_values;

  // Plot: a series figure plots column y_metric vs step (moving average over `smooth` steps);
  // a sweep figure plots scalar y_metric (mean, with 95% CI bars) vs x.
  std::string y_metric;
  std::string x_label;
  std::string y_label;
  int smooth = 1;
  // Log-scale y axis, for metrics spanning orders of magnitude (random's latency vs the learners').
  bool log_y = false;
};

}  // namespace semra
