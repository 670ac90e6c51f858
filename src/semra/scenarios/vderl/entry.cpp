#include "semra/scenarios/vderl/entry.hpp"

#include "semra/core/error.hpp"
#include "semra/core/scheme.hpp"
#include "semra/core/stop.hpp"
#include "semra/nn/parameter_count.hpp"
#include "semra/scenarios/vderl/config.hpp"
#include "semra/scenarios/vderl/env.hpp"
#include "semra/scenarios/vderl/multi_agent.hpp"
#include "semra/scenarios/vderl/run.hpp"

namespace semra {
namespace {

// docs/limits.md: the joint replay (capacity x agents' observations, masks, and the global state
// for the centralised critics), two networks per agent (critic and policy, or Q) each held as
// online, target, gradient and two Adam moments (5 copies), QMIX's hypernetworks, plus 16 MB for
// the environment and batches. Results: one row per iteration and the final evaluation's
// per-user latencies.
MemoryEstimate estimate_vderl(const ConfigBase& base, const std::string& scheme) {
  const auto& c = dynamic_cast<const vderl::Config&>(base);
  MemoryEstimate e;
  const double agents = c.servers, obs = c.rbs + c.max_users_per_server * 7.0,
               actions = c.max_users_per_server + 1.0, state = c.rbs + c.users * 5.0;
  if (scheme == "ippo" || scheme == "mappo") {
    // One rollout (T = Q x frames per environment, E environments): per agent and step the
    // actor's input, mask, log-probability, action, advantage and weights; the critic's inputs
    // (the state per environment, or the observation per agent); the networks as above.
    const double steps = static_cast<double>(c.rbs) * c.frames_per_iteration;
    const double critic_in = scheme == "mappo" ? state : agents * obs;
    const double rollout = steps * (agents * (obs * 4 + actions + 8 * 4) + critic_in * 4);
    std::vector<double> sizes{obs};
    sizes.insert(sizes.end(), c.ppo.actor_hidden.begin(), c.ppo.actor_hidden.end());
    sizes.push_back(actions);
    const double networks = 2 * nn::parameter_count(sizes) * 4 * 5;
    e.working_bytes = rollout + networks;
    e.key = "training.frames_per_iteration";
  } else if (scheme != "random") {
    const double transition = agents * (2 * obs * 4 + 4 + 2 * actions) + 2 * state * 4 + 16;
    const double replay = static_cast<double>(c.replay_capacity) * transition;
    std::vector<double> sizes{obs};
    sizes.insert(sizes.end(), c.hidden.begin(), c.hidden.end());
    sizes.push_back(actions);
    double params = agents * 2 * nn::parameter_count(sizes);
    if (scheme == "qmix")
      params += 4 * nn::parameter_count(
                        {state, static_cast<double>(c.hypernet_hidden), agents * c.mixing_embed});
    const double networks = params * 4 * 5;
    e.working_bytes = replay + networks;
    e.key = replay >= networks ? "training.replay_capacity" : "training.hidden";
  }
  e.working_bytes += 16e6;
  e.result_bytes = static_cast<double>(c.iterations) * 6 * 8 +
                   static_cast<double>(c.final_eval_frames) * c.users * 4;
  return e;
}

}  // namespace

ScenarioEntry vderl_scenario_entry() {
  ScenarioEntry e;
  e.name = "vderl";
  e.description =
      "multi-server image semantic communication over OFDMA; VD-ERL vs VDN, IDQN, QMIX, IPPO, "
      "MAPPO, random";
  e.step_unit = "iterations";
  e.schemes = vderl::scheme_table();
  e.primary_metric = "avg_latency_ms";
  e.primary_higher_is_better = false;
  e.proposed_scheme = "vderl";
  e.steps_key = "training.iterations";
  set_run_functions<vderl::Config>(e, vderl::run_experiment, vderl::run_policy_experiment);
  e.export_channels = [](const ConfigBase& base, std::uint64_t seed, std::int64_t steps,
                         const std::string& path) {
    const auto& c = dynamic_cast<const vderl::Config&>(base);
    vderl::export_channels(c, seed, steps < 0 ? c.iterations : steps, path);
  };
  e.use_channels = [](ConfigBase& base, NumericArray a, const std::string& where) {
    auto& c = dynamic_cast<vderl::Config&>(base);
    if (!c.channel_trace.empty())
      throw InputError(where + ": given together with channel.trace '" + echo(c.channel_trace) +
                       "' (use one of them)");
    c.set_traces(std::make_shared<const radio::ChannelTrace>(
        radio::ofdma_trace_from_array(std::move(a), c.servers, c.users, c.rbs, where)));
  };
  // Every vderl scheme acts in the same environment; a scheme's name is only checked.
  e.make_env = [](const ConfigBase& cfg,
                  const std::string& scheme) -> std::unique_ptr<MultiAgentEnv> {
    if (!scheme.empty()) (void)find_scheme_row(vderl::scheme_table(), scheme, "vderl");
    return std::make_unique<vderl::MultiAgentEnvironment>(dynamic_cast<const vderl::Config&>(cfg));
  };
  // The topology of every seed: too many users in a service area fails here, not mid-run.
  e.check = [](const ConfigBase& cfg, const std::string& scheme,
               const std::vector<std::uint64_t>& seeds) {
    vderl::check_scheme_config(dynamic_cast<const vderl::Config&>(cfg), scheme);
    for (const auto seed : seeds) {
      throw_if_stopped();  // up to 100,000 seeds
      (void)vderl::draw_topology(dynamic_cast<const vderl::Config&>(cfg), seed);
    }
  };
  e.estimate_memory = estimate_vderl;
  e.metric_columns = vderl::metric_columns();
  e.summary_scalars = vderl::summary_scalars();
  return e;
}

}  // namespace semra
