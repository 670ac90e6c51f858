#pragma once
// The decision makers of the `vderl` scenario (docs/model-vderl.md) and their one table:
//   vderl   per server a Q network and a policy network; Q_tot = sum_v Q_v (eq. 13) trained by
//           eq. (14) on the total reward, policies by eq. (17); sample pi when training, argmax
//           when evaluating
//   vdn     the same Q_tot and TD loss, epsilon-greedy, no policy network
//   qmix    monotonic mixing network with hypernetworks on the global state (beyond the paper)
//   idqn    independent DQN per server on its own reward r_v
//   ippo    PPO per server (shared actor and critic), the critic on the server's observation
//   mappo   PPO with a centralised critic on the global state (rl/ppo.hpp, docs/model-vderl.md)
//   random  uniformly random valid actions
// The classes are in learned.* and heuristics.*; run.* drives them through an experiment.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/core/scenario_entry.hpp"
#include "semra/core/scheme.hpp"
#include "semra/scenarios/vderl/config.hpp"
#include "semra/scenarios/vderl/env.hpp"

namespace semra {
class VectorEnv;
}

namespace semra::vderl {

// A vderl scheme (core/scheme.hpp): act() fills one action per server from the joint observation
// (servers x obs_dim) and masks (servers x num_actions), all servers acting at every step of a
// frame; a learning scheme also sees each step's joint transition (observe) and learns between
// frames (learn), or, on-policy, collects its own frames from a vector env (learn_on_policy).
class Scheme : public SchemeBase {
 public:
  virtual void act(const float* obs, const std::uint8_t* masks, int* actions, Rng& rng,
                   bool explore) = 0;
  virtual bool needs_state() const { return false; }
  // One environment step's joint transition (obs, masks: agent-major; state may be null).
  virtual void observe(const float* /*obs*/, const std::uint8_t* /*masks*/, const int* /*actions*/,
                       const float* /*rewards*/, float /*team_reward*/, const float* /*next_obs*/,
                       const std::uint8_t* /*next_masks*/, bool /*done*/, const float* /*state*/,
                       const float* /*next_state*/) {}
  virtual void learn(int /*gradient_steps*/, Rng& /*rng*/) {}
  // On-policy learners collect an iteration's `frames` themselves from `envs` (copies of the
  // training world, frames_per_iteration / num_envs frames each; multi_agent.hpp), sampling from
  // `explore`, then learn (minibatch shuffles from `shuffle`).
  virtual bool on_policy() const { return false; }
  virtual void learn_on_policy(VectorEnv& /*envs*/, int /*frames*/, Rng& /*explore*/,
                               Rng& /*shuffle*/) {}
  // Called before iteration `it` (1-based) of `iterations`: schedules that depend only on it.
  virtual void begin_iteration(int /*it*/, int /*iterations*/) {}
  // (Checkpoints: the Rngs passed to act / learn are the caller's, not the scheme's.)
};

// The scheme table's rows for the registry (name, default set, step cost, help), in the figures'
// order; scheme_names() are their names.
const std::vector<SchemeInfo>& scheme_table();
const std::vector<std::string>& scheme_names();
// A scheme for the servers of `env`, its networks drawn from (seed, "network-init"). Throws
// InputError for an unknown name.
std::unique_ptr<Scheme> make_scheme(const std::string& scheme, const Config& cfg,
                                    const Environment& env, std::uint64_t seed);
// Checks what only one scheme reads (ippo, mappo: ppo.envs divides
// training.frames_per_iteration); throws InputError naming the key.
void check_scheme_config(const Config& cfg, const std::string& scheme);

}  // namespace semra::vderl
