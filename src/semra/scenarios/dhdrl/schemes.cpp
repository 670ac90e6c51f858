#include "semra/scenarios/dhdrl/schemes.hpp"

#include <functional>

#include "semra/core/error.hpp"
#include "semra/scenarios/dhdrl/heuristics.hpp"
#include "semra/scenarios/dhdrl/learned.hpp"

namespace semra::dhdrl {
namespace {

struct SchemeEntry {
  SchemeInfo info;  // name, in the default set, step cost (per slot relative to dhdrl), help
  EnvOptions env;
  std::function<std::unique_ptr<Scheme>(const MultiAgentEnvironment&, std::uint64_t)> make;
};

using Env = MultiAgentEnvironment;
template <class S>
std::unique_ptr<Scheme> seeded(const Env& env, std::uint64_t seed) {
  return std::make_unique<S>(env, seed);
}
// IPPO (false) or MAPPO (true); the environment's layout makes it hierarchical or flat.
template <bool Mappo>
std::unique_ptr<Scheme> ppo(const Env& env, std::uint64_t seed) {
  return make_ppo_scheme(env, seed, Mappo);
}

// The one table of dhdrl's schemes (adding a scheme: one row here; docs/architecture.md), in the
// figure's order. Hierarchical schemes differ only in their environment's options and in whether
// the low level is continuous. Step costs: per slot relative to dhdrl (bench_dhdrl_env and
// figure runs, 7 cells; the on-policy schemes: CPU time per seed of docs/benchmarks.md's 7-cell
// runs).
const std::vector<SchemeEntry>& table() {
  using L = Layout;
  using P = RewardPart;
  static const std::vector<SchemeEntry> t = {
      {{"dhdrl", true, 1.0,
        "the paper's hierarchical DQN: codeword and power per epoch, k per slot"},
       {L::Hierarchical, P::Qoe, true},
       seeded<HierarchicalScheme>},
      {{"ddrl", true, 1.2, "single-layer DQN: codeword, power and k every slot"},
       {L::SingleLayer, P::Qoe, true},
       seeded<SingleLayerScheme>},
      {{"dhdrl-oa", true, 1.0, "dhdrl rewarded with the accuracy part of the QoE only (ablation)"},
       {L::Hierarchical, P::AccuracyOnly, true},
       seeded<HierarchicalScheme>},
      {{"dhdrl-or", true, 1.0, "dhdrl rewarded with the rate part of the QoE only (ablation)"},
       {L::Hierarchical, P::RateOnly, true},
       seeded<HierarchicalScheme>},
      {{"dhdrl-ns", true, 0.93, "dhdrl without the neighbours' information (ablation)"},
       {L::Hierarchical, P::Qoe, false},
       seeded<HierarchicalScheme>},
      {{"greedy", true, 0.03, "each BS maximises its own QoE from every codeword's gain"},
       {L::SingleLayer, P::Qoe, true},
       seeded<GreedyScheme>},
      {{"greedy-local", false, 1.0, "greedy limited to what a distributed agent measures"},
       {L::SingleLayer, P::Qoe, true},
       seeded<GreedyLocalScheme>},
      {{"ippo", false, 0.57,
        "IPPO at both levels: PPO actors and critics on each link's own observation"},
       {L::Hierarchical, P::Qoe, true},
       ppo<false>},
      {{"mappo", false, 0.39,
        "MAPPO at both levels: PPO actors, a centralised critic on the global state"},
       {L::Hierarchical, P::Qoe, true},
       ppo<true>},
      {{"ippo-flat", false, 4.0, "single-level IPPO: codeword, power and k every slot"},
       {L::SingleLayer, P::Qoe, true},
       ppo<false>},
      {{"mappo-flat", false, 4.0,
        "single-level MAPPO: codeword, power and k every slot, critic on the global state"},
       {L::SingleLayer, P::Qoe, true},
       ppo<true>},
      {{"random", true, 0.02, "uniformly random codeword, power and k"},
       {L::Hierarchical, P::Qoe, true},
       seeded<RandomScheme>},
      {{"oracle", false, 3.0, "best-response sweeps over all BSs with full knowledge (a bound)"},
       {L::SingleLayer, P::Qoe, true},
       [](const Env& env, std::uint64_t) { return std::make_unique<OracleScheme>(env); }},
      {{"dhdrl-continuous", false, 1.3, "dhdrl with a TD3 low level choosing k continuously"},
       {L::Hierarchical, P::Qoe, true},
       [](const Env& env, std::uint64_t seed) {
         return std::make_unique<HierarchicalScheme>(env, seed, /*continuous_low=*/true);
       }},
  };
  return t;
}

const SchemeEntry& entry(const std::string& name) {
  return find_scheme_row(table(), name, "dhdrl");
}

}  // namespace

const std::vector<SchemeInfo>& scheme_table() {
  static const std::vector<SchemeInfo> infos = scheme_infos(table());
  return infos;
}

const std::vector<std::string>& scheme_names() {
  static const std::vector<std::string> names = scheme_names_of(scheme_table());
  return names;
}

EnvOptions scheme_env_options(const std::string& name) {
  return entry(name).env;
}

std::unique_ptr<Scheme> make_scheme(const std::string& name, const MultiAgentEnvironment& env,
                                    std::uint64_t seed) {
  const SchemeEntry& e = entry(name);
  const EnvOptions& o = env.options();
  if (o.layout != e.env.layout || o.reward_part != e.env.reward_part ||
      o.observe_neighbours != e.env.observe_neighbours)
    throw std::invalid_argument("dhdrl scheme '" + name +
                                "' needs an environment built with scheme_env_options(\"" + name +
                                "\")");
  return e.make(env, seed);
}

void run_slot(Scheme& scheme, MultiAgentEnvironment& env) {
  while (env.next_step() != StepKind::Slot) scheme.step(env);
  scheme.step(env);
}

}  // namespace semra::dhdrl
