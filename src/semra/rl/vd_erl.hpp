#pragma once
// VD-ERL: value-decomposition-based entropy-maximised multi-agent RL (the vderl paper, Section III,
// Algorithm 2). Each agent v has
//   - a Q network Q_theta_v(o_v, .), trained jointly through Q_tot = sum_v Q_theta_v (eq. 13) on
//   the
//     team reward by the TD loss (14): VDN's critic, a QAgentSet with the sum mixer, and
//   - a policy network pi_phi_v(. | o_v) (masked softmax), trained by eq. (17) against its own
//     Q_theta_v (DiscreteSacActor).
// Acting samples pi when training (exploration comes from the entropy term, no epsilon) and takes
// argmax pi when evaluating. Execution is decentralised: agent v needs only o_v.
//
// Critic target: "max" is eq. (14), y = r + gamma sum_v max_a' Q_target_v(o'_v, a'); "soft" is
// SAC's soft value, y = r + gamma sum_v sum_a' pi_v(a'|o'_v) (Q_target_v(o'_v, a') - delta log
// pi_v).
//
// The whole update: VdErlLearner::learn in vd_erl.cpp (critic, eqs. 13-16) and
// DiscreteSacActor::update in discrete_sac.cpp (policies, eqs. 17-18).
#include <cstdint>
#include <vector>

#include "semra/rl/discrete_sac.hpp"
#include "semra/rl/joint_replay.hpp"
#include "semra/rl/q_agents.hpp"

namespace semra::rl {

enum class CriticTarget : std::uint8_t { Max = 0, Soft = 1 };

struct VdErlConfig {
  QLearningConfig critic;  // its epsilon is unused: VD-ERL explores through pi
  DiscreteSacConfig actor;
  CriticTarget critic_target = CriticTarget::Max;
  // Evaluation (explore == false): argmax pi (false, the spec) or argmax Q_theta_v (true). Both are
  // decentralised; the second isolates the actor's share of the error (docs/model-vderl.md).
  bool greedy_from_critic = false;
  // Policy steps (eq. 18) per critic step, on the same minibatch against the same Q_theta_v: lets
  // the actor catch up with the critic (docs/model-vderl.md 3.3: the actor lags).
  int policy_updates = 1;
};

class VdErlLearner {
 public:
  VdErlLearner(int agents, int obs_dim, int num_actions, const VdErlConfig& config, Rng& init_rng);

  int agents() const { return critic_.agents(); }
  // explore: a ~ pi(.|o); otherwise argmax pi (or argmax Q_theta_v with greedy_from_critic).
  int act(int agent, const float* obs, const std::uint8_t* mask, Rng& rng, bool explore);

  // One gradient step (Algorithm 2, lines 11-14): critic by eqs. (14)-(16), then every policy by
  // eqs. (17)-(18) against the updated Q_theta_v. Returns the critic loss.
  double learn(const JointBatch& batch);

  QAgentSet& critic() { return critic_; }
  const QAgentSet& critic() const { return critic_; }
  // The critic's TD targets y of the last learn().
  const nn::Vector& last_targets() const { return targets_; }
  DiscreteSacActor& actor(int agent) { return actors_[static_cast<std::size_t>(agent)]; }
  const DiscreteSacActor& actor(int agent) const {
    return actors_[static_cast<std::size_t>(agent)];
  }
  double last_policy_loss() const { return last_policy_loss_; }
  // Checkpoints: the critic (laid out as VdnLearner::save_state) and every actor.
  void save_state(StateWriter& w) const;
  void load_state(StateReader& r);

 private:
  VdErlConfig config_;
  QAgentSet critic_;
  std::vector<DiscreteSacActor> actors_;
  double last_policy_loss_ = 0.0;
  // Workspaces.
  nn::Vector next_sum_, targets_, q_tot_, grad_q_tot_;
  std::vector<nn::Vector> q_taken_;
  nn::Matrix probs_, log_probs_, q_;
};

}  // namespace semra::rl
