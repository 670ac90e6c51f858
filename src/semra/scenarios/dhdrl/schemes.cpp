#include "semra/scenarios/dhdrl/schemes.hpp"

#include <functional>

#include "semra/core/error.hpp"
#include "semra/scenarios/dhdrl/heuristics.hpp"
#include "semra/scenarios/dhdrl/learned.hpp"

namespace semra::dhdrl {
namespace {

struct SchemeEntry {
  std::string name;
  EnvOptions env;
  std::function<std::unique_ptr<Scheme>(const MultiAgentEnvironment&, std::uint64_t)> make;
};

using Env = MultiAgentEnvironment;
template <class S>
std::unique_ptr<Scheme> seeded(const Env& env, std::uint64_t seed) {
  return std::make_unique<S>(env, seed);
}

// The figure's order. Hierarchical schemes differ only in their environment's options and in
// whether the low level is continuous.
const std::vector<SchemeEntry>& table() {
  using L = Layout;
  using P = RewardPart;
  static const std::vector<SchemeEntry> t = {
      {"dhdrl", {L::Hierarchical, P::Qoe, true}, seeded<HierarchicalScheme>},
      {"ddrl", {L::SingleLayer, P::Qoe, true}, seeded<SingleLayerScheme>},
      {"dhdrl-oa", {L::Hierarchical, P::AccuracyOnly, true}, seeded<HierarchicalScheme>},
      {"dhdrl-or", {L::Hierarchical, P::RateOnly, true}, seeded<HierarchicalScheme>},
      {"dhdrl-ns", {L::Hierarchical, P::Qoe, false}, seeded<HierarchicalScheme>},
      {"greedy",
       {L::SingleLayer, P::Qoe, true},
       [](const Env& env, std::uint64_t) { return std::make_unique<GreedyScheme>(env); }},
      {"greedy-local", {L::SingleLayer, P::Qoe, true}, seeded<GreedyLocalScheme>},
      {"random", {L::Hierarchical, P::Qoe, true}, seeded<RandomScheme>},
      {"oracle",
       {L::SingleLayer, P::Qoe, true},
       [](const Env& env, std::uint64_t) { return std::make_unique<OracleScheme>(env); }},
      {"dhdrl-continuous",
       {L::Hierarchical, P::Qoe, true},
       [](const Env& env, std::uint64_t seed) {
         return std::make_unique<HierarchicalScheme>(env, seed, /*continuous_low=*/true);
       }},
  };
  return t;
}

const SchemeEntry& entry(const std::string& name) {
  for (const auto& e : table())
    if (e.name == name) return e;
  std::string valid;
  for (const auto& n : scheme_names()) valid += (valid.empty() ? "" : ", ") + n;
  throw InputError("unknown dhdrl scheme '" + name + "' (valid: " + valid + ")");
}

}  // namespace

const std::vector<std::string>& scheme_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& e : table()) n.push_back(e.name);
    return n;
  }();
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
