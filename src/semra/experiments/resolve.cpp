#include "semra/experiments/resolve.hpp"

#include "semra/core/error.hpp"
#include "semra/experiments/fixtures.hpp"

namespace semra {

const ScenarioEntry& scenario_or_throw(const std::string& name) {
  if (const auto* s = find_scenario_or_fixture(name)) return *s;
  std::string names;
  for (const auto& s : scenarios()) names += (names.empty() ? "" : ", ") + s.name;
  throw InputError("unknown scenario '" + name + "' (valid: " + names + ")");
}

std::unique_ptr<ConfigBase> resolve_config(const ScenarioEntry& scenario,
                                           const std::string& config_path,
                                           const std::vector<std::string>& sets,
                                           const std::vector<std::string>& preset) {
  auto config = scenario.make_config();
  auto schema = config->schema();
  for (const auto& s : preset) schema.set(s);
  if (!config_path.empty()) schema.apply_toml_file(config_path);
  for (const auto& s : sets) schema.set(s);
  return config;
}

RunPlan make_run_plan(const ScenarioEntry& sc, const RunRequest& r) {
  if (r.seeds < 1) throw InputError("--seeds " + std::to_string(r.seeds) + ": expected >= 1");
  RunPlan plan;
  plan.scenario = &sc;
  plan.config = resolve_config(sc, r.config_path, r.sets);
  if (r.steps != -1) {
    if (r.steps < 1) throw InputError("--steps " + std::to_string(r.steps) + ": expected >= 1");
    plan.config->schema().set(sc.steps_key, std::to_string(r.steps));
  }
  plan.schemes = r.schemes.empty() ? sc.default_schemes : r.schemes;
  for (int i = 0; i < r.seeds; ++i) plan.seeds.push_back(r.seed + static_cast<std::uint64_t>(i));
  plan.figure = "";
  plan.plot = plan.schemes.size() > 1 || r.seeds > 1;
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

}  // namespace semra
