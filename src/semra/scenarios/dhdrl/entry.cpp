#include "semra/scenarios/dhdrl/entry.hpp"

#include "semra/scenarios/dhdrl/config.hpp"
#include "semra/scenarios/dhdrl/multi_agent.hpp"
#include "semra/scenarios/dhdrl/run.hpp"
#include "semra/scenarios/dhdrl/schemes.hpp"

namespace semra {

ScenarioEntry dhdrl_scenario_entry() {
  ScenarioEntry e;
  e.name = "dhdrl";
  e.description =
      "multi-cell text-semantic downlink; hierarchical distributed DRL (Yu et al., IEEE TVT 2025)";
  e.step_unit = "slots";
  e.schemes = dhdrl::scheme_names();
  e.default_schemes = {"dhdrl", "ddrl", "dhdrl-oa", "dhdrl-or", "dhdrl-ns", "greedy", "random"};
  e.primary_metric = "final_qoe";
  e.primary_higher_is_better = true;
  e.proposed_scheme = "dhdrl";
  e.make_config = [] { return std::make_unique<dhdrl::Config>(); };
  e.steps_key = "train.slots";
  // Per slot relative to dhdrl (bench_dhdrl_env and figure runs, 7 cells).
  e.step_cost = {{"ddrl", 1.2},   {"dhdrl-ns", 0.93}, {"dhdrl-continuous", 1.3},
                 {"oracle", 3.0}, {"greedy", 0.03},   {"random", 0.02}};
  e.run = [](const ConfigBase& base, const std::string& scheme, std::uint64_t seed,
             RunContext& ctx) {
    return dhdrl::run_experiment(dynamic_cast<const dhdrl::Config&>(base), scheme, seed, ctx);
  };
  // The dhdrl scheme's environment: hierarchical layout, QoE rewards, neighbour features.
  e.make_env = [](const ConfigBase& base) -> std::unique_ptr<MultiAgentEnv> {
    const auto& c = dynamic_cast<const dhdrl::Config&>(base);
    return std::make_unique<dhdrl::MultiAgentEnvironment>(c, dhdrl::accuracy_model(c));
  };
  return e;
}

std::vector<FigureEntry> dhdrl_figure_entries() {
  FigureEntry f;
  f.name = "dhdrl-qoe-vs-slots";
  f.scenario = "dhdrl";
  f.description = "paper's QoE vs time slot figure: seven schemes, 7 cells, 100,000 slots";
  f.schemes = {"dhdrl", "ddrl", "dhdrl-oa", "dhdrl-or", "dhdrl-ns", "greedy", "random"};
  f.seeds = 5;
  // One metrics row per 50 slots (mean over them) keeps metrics.csv small; the moving average is
  // over 500 slots either way.
  f.sets = {"train.slots=100000", "output.record_every_slots=50"};
  // --quick: 4,000 slots with exploration decaying 10x faster, so the short run ends mostly greedy.
  f.quick_sets = {"train.slots=4000", "output.record_every_slots=10",
                  "learning.epsilon_decay=1e-3"};
  f.y_metric = "qoe";
  f.x_label = "time slot";
  f.y_label = "QoE (mean over UTs)";
  f.smooth = 500;
  return {f};
}

}  // namespace semra
