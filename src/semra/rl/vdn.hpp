#pragma once
// Value decomposition networks (VDN, Sunehag et al. 2018; the vderl paper's eq. 13-16):
// every agent v has its own Q network Q_theta_v(o_v, .) on its local observation; the team value is
// their sum,
//   Q_tot(s, a) = sum_v Q_theta_v(o_v, a_v)                                             (eq. 13)
// trained on the TEAM reward by the TD loss
//   J(theta_1..theta_N) = E[(Q_tot(s, a) - y)^2],
//   y = r + gamma (1 - done) sum_v max_{a'_v valid} Q_target_v(o'_v, a'_v)              (eq. 14)
// (the max of a sum of per-agent terms is the sum of per-agent maxes, so eq. 14's joint max is
// decentralised). dJ/dQ_v(o_v, a_v) = dJ/dQ_tot for every v (eq. 16), so each agent back-propagates
// the same TD error through its own network and takes its own optimiser step (eq. 15).
// Acting is epsilon-greedy per agent on its own Q, from local information only.
//
// Generic: knows nothing about the environment. The whole update is VdnLearner::learn in vdn.cpp;
// the agents' networks, acting and target updates are the shared QAgentSet (q_agents.hpp).
#include <cstdint>
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/core/serialize.hpp"
#include "semra/rl/joint_replay.hpp"
#include "semra/rl/q_agents.hpp"

namespace semra::rl {

// A QAgentSet with the sum mixer.
class VdnLearner {
 public:
  VdnLearner(int agents, int obs_dim, int num_actions, const QLearningConfig& config,
             Rng& init_rng);

  int agents() const { return q_.agents(); }
  int obs_dim() const { return q_.obs_dim(); }
  int num_actions() const { return q_.num_actions(); }
  const QLearningConfig& config() const { return q_.config(); }

  // Epsilon-greedy over the valid actions of agent v (explore == false: greedy, no random draw).
  int act(int agent, const float* obs, const std::uint8_t* mask, Rng& rng, bool explore) {
    return q_.act(agent, obs, mask, rng, explore);
  }
  int greedy_action(int agent, const float* obs, const std::uint8_t* mask) {
    return q_.greedy_action(agent, obs, mask);
  }

  // One gradient step of eqs. (13)-(16) on the batch's team reward. Returns the loss.
  double learn(const JointBatch& batch);

  nn::Mlp& online(int agent) { return q_.online(agent); }
  const nn::Mlp& online(int agent) const { return q_.online(agent); }
  nn::Mlp& target(int agent) { return q_.target(agent); }
  EpsilonSchedule& epsilon() { return q_.epsilon(); }
  std::int64_t learn_steps() const { return q_.learn_steps(); }
  const nn::Vector& last_targets() const { return targets_; }
  // Checkpoints: online and target networks, optimiser states, epsilon and the learning-step count.
  // load_state needs a learner built with the same sizes and config.
  void save_state(StateWriter& w) const;
  void load_state(StateReader& r);

 private:
  QAgentSet q_;
  // Workspaces.
  nn::Vector targets_, next_sum_, q_tot_, grad_q_tot_;
  std::vector<nn::Vector> q_taken_;
};

}  // namespace semra::rl
