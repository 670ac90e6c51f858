#pragma once
// The on-policy schemes of dhdrl: IPPO and MAPPO (rl/ppo.hpp) at both levels of the hierarchy
// (ippo, mappo: the high level decides beam and power every epoch, the low level k every slot, as
// dhdrl's DQNs) and as single-level learners (ippo-flat, mappo-flat: codeword x power x k every
// slot, as ddrl). docs/model-dhdrl.md "On-policy schemes" says what they observe and learn.
#include <cstdint>
#include <memory>

#include "semra/scenarios/dhdrl/schemes.hpp"

namespace semra::dhdrl {

// For an environment with the hierarchical (ippo, mappo) or the single-layer layout (the flat
// ones); mappo: a centralised critic on the global state (MultiAgentEnvironment::state()).
std::unique_ptr<Scheme> make_ppo_scheme(const MultiAgentEnvironment& env, std::uint64_t seed,
                                        bool mappo);

}  // namespace semra::dhdrl
