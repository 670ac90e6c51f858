#include "semra/scenarios/dhdrl/entry.hpp"

#include <algorithm>

#include "semra/core/error.hpp"
#include "semra/nn/parameter_count.hpp"
#include "semra/scenarios/dhdrl/config.hpp"
#include "semra/scenarios/dhdrl/multi_agent.hpp"
#include "semra/scenarios/dhdrl/run.hpp"
#include "semra/scenarios/dhdrl/schemes.hpp"

namespace semra {
namespace {

// docs/limits.md: per link, the learning schemes hold up to two DQN agents (high and low level;
// ddrl one with every joint action), each with its replay buffer (capacity x two observations,
// action, reward, done and next-action mask) and its networks as online, target, gradient and two
// optimiser moments (5 copies); TD3's low level counts as three networks. Plus 16 MB for the
// environment. Results: one row of 6 columns per recorded slot and one SINR sample per (UT, slot).
MemoryEstimate estimate_dhdrl(const ConfigBase& base, const std::string& scheme) {
  const auto& c = dynamic_cast<const dhdrl::Config&>(base);
  MemoryEstimate e;
  const double links = static_cast<double>(c.num_cells()) * c.users_per_cell;
  const double high_obs =
      c.codewords * (c.codeword_gains ? 2.0 : 1.0) + 12 +
      c.neighbours * static_cast<double>(dhdrl::Environment::kNeighbourFeatures);
  const double obs = high_obs + 1;
  const bool single = scheme == "ddrl";
  const bool learns = single || scheme.rfind("dhdrl", 0) == 0;
  if (learns) {
    const double actions = single ? static_cast<double>(c.codewords) * c.power_levels * c.max_k
                                  : std::max<double>(c.codewords * c.power_levels,
                                                     static_cast<double>(c.power_levels) * c.max_k);
    const double agents = single ? 1 : 2;
    std::vector<double> sizes{obs};
    sizes.insert(sizes.end(), c.hidden.begin(), c.hidden.end());
    sizes.push_back(actions);
    const double networks_per_agent = scheme == "dhdrl-continuous" ? 3 : 1;
    const double replay =
        links * agents * static_cast<double>(c.replay_capacity) * (2 * obs * 4 + 13 + actions);
    const double networks =
        links * agents * networks_per_agent * nn::parameter_count(sizes) * 4 * 5;
    e.working_bytes = replay + networks;
    e.key = replay >= networks ? "learning.replay_capacity" : "learning.hidden";
  }
  e.working_bytes += 16e6;
  const double slots = static_cast<double>(c.train_slots);
  e.result_bytes = slots / c.record_every_slots * 7 * 8 + slots * links * 4;
  return e;
}

}  // namespace

ScenarioEntry dhdrl_scenario_entry() {
  ScenarioEntry e;
  e.name = "dhdrl";
  e.description =
      "multi-cell text-semantic downlink; hierarchical distributed DRL (Yu et al., IEEE TVT 2025)";
  e.step_unit = "slots";
  e.schemes = dhdrl::scheme_table();
  e.primary_metric = "final_qoe";
  e.primary_higher_is_better = true;
  e.proposed_scheme = "dhdrl";
  e.steps_key = "train.slots";
  set_run_functions<dhdrl::Config>(e, dhdrl::run_experiment, dhdrl::run_policy_experiment);
  // Default: the dhdrl scheme's environment (hierarchical layout, QoE rewards, neighbour
  // features); a scheme's name: the environment it acts in (ddrl and greedy: the single layer).
  e.make_env = [](const ConfigBase& base,
                  const std::string& scheme) -> std::unique_ptr<MultiAgentEnv> {
    const auto& c = dynamic_cast<const dhdrl::Config&>(base);
    return std::make_unique<dhdrl::MultiAgentEnvironment>(
        c, dhdrl::accuracy_model(c),
        scheme.empty() ? dhdrl::EnvOptions{} : dhdrl::scheme_env_options(scheme));
  };
  // Scheme options and eval.load's networks (each seed's, when eval.load is a run's models/).
  e.check = [](const ConfigBase& base, const std::string& scheme,
               const std::vector<std::uint64_t>& seeds) {
    dhdrl::check_experiment(dynamic_cast<const dhdrl::Config&>(base), scheme, seeds);
  };
  e.export_channels = [](const ConfigBase& base, std::uint64_t seed, std::int64_t steps,
                         const std::string& path) {
    const auto& c = dynamic_cast<const dhdrl::Config&>(base);
    dhdrl::export_channels(c, seed, steps < 0 ? c.train_slots : steps, path);
  };
  e.use_channels = [](ConfigBase& base, NumericArray a, const std::string& where) {
    auto& c = dynamic_cast<dhdrl::Config&>(base);
    if (!c.channel_trace.empty())
      throw InputError(where + ": given together with channel.trace '" + echo(c.channel_trace) +
                       "' (use one of them)");
    const int cells = c.num_cells();
    const auto q =
        a.is_complex ? radio::TraceQuantity::miso_amplitude : radio::TraceQuantity::beam_power;
    c.set_trace(std::make_shared<const radio::ChannelTrace>(radio::miso_trace_from_array(
        std::move(a), q, {cells, cells * c.users_per_cell, c.antennas, c.codewords}, where)));
  };
  e.estimate_memory = estimate_dhdrl;
  e.metric_columns = dhdrl::metric_columns();
  e.summary_scalars = dhdrl::summary_scalars();
  return e;
}

}  // namespace semra
