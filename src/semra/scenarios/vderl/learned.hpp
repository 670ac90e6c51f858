#pragma once
// The vderl schemes that learn (schemes.hpp's table): the joint value learners on one joint
// replay (VD-ERL, VDN, QMIX: rl/q_learner.hpp with its mixers, rl/vd_erl.hpp), independent DQN per
// server, and the on-policy IPPO / MAPPO (rl/ppo.hpp) on a vector env (multi_agent.hpp).
#include <memory>

#include "semra/core/rng.hpp"
#include "semra/scenarios/vderl/config.hpp"
#include "semra/scenarios/vderl/env.hpp"
#include "semra/scenarios/vderl/schemes.hpp"

namespace semra::vderl {

// Each draws its networks from `init`.
std::unique_ptr<Scheme> make_vderl_scheme(const Config& cfg, const Environment& env, Rng& init);
std::unique_ptr<Scheme> make_vdn_scheme(const Config& cfg, const Environment& env, Rng& init);
std::unique_ptr<Scheme> make_qmix_scheme(const Config& cfg, const Environment& env, Rng& init);
std::unique_ptr<Scheme> make_idqn_scheme(const Config& cfg, const Environment& env, Rng& init);
std::unique_ptr<Scheme> make_ippo_scheme(const Config& cfg, const Environment& env, Rng& init);
std::unique_ptr<Scheme> make_mappo_scheme(const Config& cfg, const Environment& env, Rng& init);

}  // namespace semra::vderl
