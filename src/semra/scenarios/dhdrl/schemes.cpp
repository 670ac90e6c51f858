#include "semra/scenarios/dhdrl/schemes.hpp"

#include "semra/core/error.hpp"
#include "semra/scenarios/dhdrl/heuristics.hpp"
#include "semra/scenarios/dhdrl/learned.hpp"

namespace semra::dhdrl {

const std::vector<std::string>& scheme_names() {
  static const std::vector<std::string> names = {"dhdrl",    "ddrl",     "dhdrl-oa",
                                                 "dhdrl-or", "dhdrl-ns", "greedy",
                                                 "random",   "oracle",   "dhdrl-continuous"};
  return names;
}

std::unique_ptr<Scheme> make_scheme(const std::string& name, const Environment& env,
                                    std::uint64_t seed) {
  if (name == "dhdrl") return std::make_unique<HierarchicalScheme>(env, seed, HierarchyOptions{});
  if (name == "dhdrl-oa")
    return std::make_unique<HierarchicalScheme>(env, seed,
                                                HierarchyOptions{RewardPart::AccuracyOnly, true});
  if (name == "dhdrl-or")
    return std::make_unique<HierarchicalScheme>(env, seed,
                                                HierarchyOptions{RewardPart::RateOnly, true});
  if (name == "dhdrl-ns")
    return std::make_unique<HierarchicalScheme>(env, seed,
                                                HierarchyOptions{RewardPart::Qoe, false});
  if (name == "dhdrl-continuous")
    return std::make_unique<HierarchicalScheme>(env, seed,
                                                HierarchyOptions{RewardPart::Qoe, true, true});
  if (name == "ddrl") return std::make_unique<SingleLayerScheme>(env, seed);
  if (name == "greedy") return std::make_unique<GreedyScheme>(env);
  if (name == "random") return std::make_unique<RandomScheme>(env, seed);
  if (name == "oracle") return std::make_unique<OracleScheme>(env);
  std::string valid;
  for (const auto& n : scheme_names()) valid += (valid.empty() ? "" : ", ") + n;
  throw InputError("unknown dhdrl scheme '" + name + "' (valid: " + valid + ")");
}

}  // namespace semra::dhdrl
