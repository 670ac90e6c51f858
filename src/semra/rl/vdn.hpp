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
// Generic: knows nothing about the environment. The whole update is VdnLearner::learn in vdn.cpp.
#include <cstdint>
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/core/serialize.hpp"
#include "semra/nn/loss.hpp"
#include "semra/nn/mlp.hpp"
#include "semra/nn/optim.hpp"
#include "semra/rl/joint_replay.hpp"
#include "semra/rl/schedule.hpp"

namespace semra::rl {

struct VdnConfig {
  std::vector<int> hidden = {64, 64};
  nn::Activation activation = nn::Activation::Relu;
  float gamma = 0.99f;
  int batch_size = 32;
  int target_sync_every = 100;  // hard copy online -> target every N learning steps (tau == 0)
  float tau = 0.0f;             // > 0: Polyak update per learning step instead
  bool double_q = false;        // y uses Q_target at argmax of Q_online (van Hasselt et al. 2016)
  nn::LossKind loss = nn::LossKind::Mse;
  float huber_delta = 1.0f;
  nn::OptimizerConfig optimizer = nn::OptimizerConfig::adam(1e-3f);
  float grad_clip = 10.0f;  // max gradient L2 norm per agent network; 0 = off
  EpsilonConfig epsilon = {EpsilonKind::Linear, 1.0, 0.05, 0.0, 1e4};  // stepped per learn()

  void validate() const;  // throws InputError naming the field
};

class VdnLearner {
 public:
  VdnLearner(int agents, int obs_dim, int num_actions, const VdnConfig& config, Rng& init_rng);

  int agents() const { return static_cast<int>(online_.size()); }
  int obs_dim() const { return obs_dim_; }
  int num_actions() const { return num_actions_; }
  const VdnConfig& config() const { return config_; }

  // Epsilon-greedy over the valid actions of agent v (explore == false: greedy, no random draw).
  int act(int agent, const float* obs, const std::uint8_t* mask, Rng& rng, bool explore);
  int greedy_action(int agent, const float* obs, const std::uint8_t* mask);

  // One gradient step of eq. (14) on the batch's team reward. `next_value` (batch), when given,
  // replaces sum_v max_a' Q_target_v(o'_v, a') in y (e.g. a soft value for max-entropy learners).
  // Returns the loss.
  double learn(const JointBatch& batch, const nn::Vector* next_value = nullptr);

  // Target-network Q values of agent v for a batch of observations (batch x num_actions), valid
  // until the next call for that agent.
  const nn::Matrix& target_q(int agent, const Eigen::Ref<const nn::Matrix>& obs);
  // Online Q values of agent v for a batch (disturbs that agent's batch cache).
  const nn::Matrix& online_q(int agent, const Eigen::Ref<const nn::Matrix>& obs);

  nn::Mlp& online(int agent) { return online_[static_cast<std::size_t>(agent)]; }
  const nn::Mlp& online(int agent) const { return online_[static_cast<std::size_t>(agent)]; }
  nn::Mlp& target(int agent) { return target_[static_cast<std::size_t>(agent)]; }
  EpsilonSchedule& epsilon() { return epsilon_; }
  std::int64_t learn_steps() const { return learn_steps_; }
  const nn::Vector& last_targets() const { return targets_; }
  // Checkpoints: online and target networks, optimiser states, epsilon and the learning-step count.
  // load_state needs a learner built with the same sizes and config.
  void save_state(StateWriter& w) const;
  void load_state(StateReader& r);

 private:
  int obs_dim_, num_actions_;
  VdnConfig config_;
  std::vector<nn::Mlp> online_, target_;
  std::vector<nn::Optimizer> optimizers_;
  EpsilonSchedule epsilon_;
  std::int64_t learn_steps_ = 0;
  // Workspaces.
  nn::Vector targets_, next_sum_, q_tot_, grad_q_tot_;
  std::vector<nn::Vector> q_taken_;
  Eigen::VectorXi next_actions_;
};

}  // namespace semra::rl
