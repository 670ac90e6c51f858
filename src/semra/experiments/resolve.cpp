#include "semra/experiments/resolve.hpp"

#include <algorithm>
#include <limits>

#include "semra/core/error.hpp"
#include "semra/experiments/limits.hpp"
#include "semra/experiments/registry.hpp"

namespace semra {

namespace {

// The key of a "key=value" assignment, as ConfigSchema::set reads it.
std::string set_key(const std::string& assignment) {
  const auto eq = assignment.find('=');
  std::string k = assignment.substr(0, eq);
  const auto b = k.find_first_not_of(" \t"), e = k.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : k.substr(b, e - b + 1);
}

}  // namespace

const ScenarioEntry& scenario_or_throw(const std::string& name) {
  if (const auto* s = find_scenario_or_extra(name)) return *s;
  std::vector<std::string> names;
  for (const auto& s : scenarios()) names.push_back(s.name);
  throw InputError(unknown_name("scenario", name, names));
}

std::unique_ptr<ConfigBase> resolve_config(const ScenarioEntry& scenario,
                                           const std::string& config_path,
                                           const std::vector<std::string>& sets,
                                           const std::vector<std::string>& preset,
                                           const std::map<std::string, std::string>& reserved) {
  auto config = scenario.make_config();
  auto schema = config->schema();
  for (const auto& s : preset) schema.set(s);
  if (!config_path.empty()) schema.apply_toml_file(config_path);
  std::map<std::string, std::string> seen;
  for (const auto& s : sets) {
    const std::string key = set_key(s);
    if (const auto r = reserved.find(key); r != reserved.end())
      throw InputError("--set " + echo(s) + ": " + echo(key) + " is already given by " + r->second +
                       "; give it once");
    if (const auto it = seen.find(key); it != seen.end())
      throw InputError("--set " + echo(key) + " is given twice (--set " + echo(it->second) +
                       " and --set " + echo(s) + "); give it once");
    seen.emplace(key, s);
    schema.set(s);
  }
  return config;
}

std::vector<std::uint64_t> seed_list(std::int64_t first, std::int64_t n) {
  if (first < 0) throw InputError("--seed " + std::to_string(first) + ": expected an integer >= 0");
  if (n < 1) throw InputError("--seeds " + std::to_string(n) + ": expected >= 1");
  if (n > static_cast<std::int64_t>(limits::kMaxExperiments))
    throw InputError("--seeds " + std::to_string(n) + ": expected at most " +
                     std::to_string(limits::kMaxExperiments) + " (docs/limits.md)");
  if (first > std::numeric_limits<std::int64_t>::max() - (n - 1))
    throw InputError("--seed " + std::to_string(first) + " with --seeds " + std::to_string(n) +
                     ": the last seed would overflow");
  std::vector<std::uint64_t> seeds;
  for (std::int64_t i = 0; i < n; ++i) seeds.push_back(static_cast<std::uint64_t>(first + i));
  return seeds;
}

RunPlan make_run_plan(const ScenarioEntry& sc, const RunRequest& r) {
  RunPlan plan;
  plan.scenario = &sc;
  std::map<std::string, std::string> reserved;
  if (r.steps) reserved[sc.steps_key] = "--steps";
  plan.config = resolve_config(sc, r.config_path, r.sets, {}, reserved);
  if (r.steps) {
    if (*r.steps < 1) throw InputError("--steps " + std::to_string(*r.steps) + ": expected >= 1");
    plan.config->schema().set(sc.steps_key, std::to_string(*r.steps));
  }
  if (r.schemes) {
    // An empty list or an empty name is an error, not "all schemes".
    if (r.schemes->empty() ||
        std::find(r.schemes->begin(), r.schemes->end(), "") != r.schemes->end()) {
      std::string s;
      for (std::size_t i = 0; i < r.schemes->size(); ++i) s += (i ? "," : "") + (*r.schemes)[i];
      throw InputError("--scheme '" + echo(s) +
                       "': expected scheme names separated by commas (omit --scheme for the "
                       "default schemes)");
    }
    plan.schemes = *r.schemes;
  } else {
    plan.schemes = scheme_names_of(sc.schemes, true);
  }
  plan.seeds = seed_list(r.seed, r.seeds);
  plan.figure = "";
  plan.plot = plan.schemes.size() > 1 || plan.seeds.size() > 1;
  plan.y_metric = sc.primary_metric == "final_qoe" ? "qoe" : "";
  // A run plots the scenario's headline per-step metric when it has one.
  for (const auto& f : figures())
    if (f.scenario == sc.name && f.x_key.empty()) {
      plan.y_metric = f.y_metric, plan.x_label = f.x_label, plan.y_label = f.y_label;
      plan.smooth = f.smooth, plan.log_y = f.log_y;
      break;
    }
  return plan;
}

RunPlan make_figure_plan(const FigureRequest& r) {
  const FigureEntry* f = find_figure_or_extra(r.name);
  if (f == nullptr) {
    std::vector<std::string> names;
    for (const auto& x : figures()) names.push_back(x.name);
    throw InputError(unknown_name("figure", r.name, names));
  }
  const ScenarioEntry& sc = scenario_or_throw(f->scenario);
  RunPlan plan;
  plan.scenario = &sc;
  plan.figure = f->name;
  std::vector<std::string> preset = f->sets;
  if (r.quick) preset.insert(preset.end(), f->quick_sets.begin(), f->quick_sets.end());
  std::map<std::string, std::string> swept;
  if (!f->x_key.empty()) swept[f->x_key] = "the figure (its x axis)";
  plan.config = resolve_config(sc, r.config_path, r.sets, preset, swept);
  plan.schemes = f->schemes;
  plan.seeds = seed_list(r.seed, r.seeds ? *r.seeds : (r.quick ? std::min(f->seeds, 2) : f->seeds));
  plan.command = "figure";
  if (!f->x_key.empty()) plan.add_axis(f->x_key, f->x_name, f->x_values);
  plan.y_metric = f->y_metric;
  plan.x_label = f->x_label;
  plan.y_label = f->y_label;
  plan.smooth = f->smooth;
  plan.log_y = f->log_y;
  return plan;
}

}  // namespace semra
