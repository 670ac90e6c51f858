#pragma once
// What every value-based learner shares (EPyMARL's single Q-learner, where only the mixer differs):
// one Q-learning config, and a set of per-agent Q networks Q_theta_v(o_v, .) with their target
// networks, optimisers, one epsilon schedule, masked epsilon-greedy acting, the per-agent bootstrap
// term of the TD target, the per-agent gradient step, target updates and checkpoint records.
//
// The learners differ only in how the agents' values are mixed into the trained value:
//   none (DqnAgent, dqn.cpp):       Q = Q_theta(o, a), one agent
//   sum  (VdnLearner, vdn.cpp; VdErlLearner's critic, vd_erl.cpp): Q_tot = sum_v Q_theta_v (eq. 13)
//   QMIX (QmixLearner, qmix.cpp):   Q_tot = monotonic mix of the Q_theta_v, weights from the state
// and each learner's update is written out, top to bottom, in its own file.
#include <cstdint>
#include <string_view>
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/core/serialize.hpp"
#include "semra/nn/loss.hpp"
#include "semra/nn/mlp.hpp"
#include "semra/nn/optim.hpp"
#include "semra/nn/tensor.hpp"
#include "semra/rl/schedule.hpp"

namespace semra::rl {

// The TD learning settings of every value-based learner. Defaults are the value-decomposition
// learners' (PyMARL-like); DqnConfig starts from the DHDRL reference instead.
struct QLearningConfig {
  std::vector<int> hidden = {64, 64};
  nn::Activation activation = nn::Activation::Relu;
  float gamma = 0.99f;
  int batch_size = 32;
  int target_sync_every = 100;  // hard copy online -> target every N learning steps (tau == 0)
  float tau = 0.0f;       // > 0: Polyak update target <- tau online + (1 - tau) target per step
  bool double_q = false;  // y uses Q_target at argmax of Q_online (van Hasselt et al. 2016)
  nn::LossKind loss = nn::LossKind::Mse;
  float huber_delta = 1.0f;
  nn::OptimizerConfig optimizer = nn::OptimizerConfig::adam(1e-3f);
  float grad_clip = 10.0f;  // max gradient L2 norm per network; 0 = off
  EpsilonConfig epsilon = {EpsilonKind::Linear, 1.0, 0.05, 0.0, 1e4};

  // Throws semra::InputError naming the first out-of-range field as "<section>.<field>".
  void validate(std::string_view section) const;
  const QLearningConfig& validated(std::string_view section) const {
    validate(section);
    return *this;
  }
};

// Index of the largest q[i] among valid actions (mask[i] != 0; mask may be null = all valid), ties
// to the lowest index; -1 when no action is valid.
int masked_argmax(const float* q, const std::uint8_t* mask, int n);
// Uniformly random valid action (mask may be null); -1 when none is valid.
int random_valid_action(const std::uint8_t* mask, int n, Rng& rng);

// How the target networks moved at the end of a learning step (a mixer's target follows suit).
enum class TargetUpdate : std::uint8_t { None, Polyak, Copy };

class QAgentSet {
 public:
  // Where agent v's initial weights are drawn from: init_rng.child("agent", v) (PerAgentChild), or
  // init_rng itself (Given; one agent only: a DqnAgent whose caller chose its stream).
  enum class InitStreams : std::uint8_t { PerAgentChild, Given };

  QAgentSet() = default;
  QAgentSet(int agents, int obs_dim, int num_actions, const QLearningConfig& config, Rng& init_rng,
            InitStreams streams = InitStreams::PerAgentChild);

  int agents() const { return static_cast<int>(online_.size()); }
  int obs_dim() const { return obs_dim_; }
  int num_actions() const { return num_actions_; }
  const QLearningConfig& config() const { return config_; }

  // Epsilon-greedy over agent v's valid actions (mask may be null = all valid): one uniform draw,
  // then a uniform valid action when it falls below epsilon. explore == false: greedy, no draw.
  // Throws std::invalid_argument when the mask allows no action.
  int act(int v, const float* obs, const std::uint8_t* mask, Rng& rng, bool explore);
  int greedy_action(int v, const float* obs, const std::uint8_t* mask);

  // Agent v's bootstrap term for a batch of next observations:
  //   Q_target_v(o'_v, a*),  a* = argmax_{a' valid} Q_target_v(o'_v, a')   (max), or
  //                          a* = argmax_{a' valid} Q_online_v(o'_v, a')   (double_q),
  // 0 where o'_v allows no action (nothing to bootstrap from). Valid until the next call.
  const nn::Vector& bootstrap(int v, const nn::Matrix& next_obs, const nn::MaskMatrix& next_mask);
  // Q_online_v(o_v, a_v) for a batch into q (batch), cached for step(v, .).
  void taken_q(int v, const nn::Matrix& obs, const Eigen::VectorXi& actions, nn::Vector& q);
  // Gradient step of agent v from dL/dQ_online_v(o_v, a_v) (after taken_q for v): backward, clip to
  // grad_clip, own optimiser step.
  void step(int v, const nn::Vector& grad_q);
  // End of a learning step: count it, move every target network (Polyak every step when tau > 0,
  // else a hard copy every target_sync_every steps) and, if step_epsilon, the epsilon schedule.
  TargetUpdate end_learning_step(bool step_epsilon = true);

  nn::Mlp& online(int v) { return online_[static_cast<std::size_t>(v)]; }
  const nn::Mlp& online(int v) const { return online_[static_cast<std::size_t>(v)]; }
  nn::Mlp& target(int v) { return target_[static_cast<std::size_t>(v)]; }
  const nn::Mlp& target(int v) const { return target_[static_cast<std::size_t>(v)]; }
  nn::Optimizer& optimizer(int v) { return optimizers_[static_cast<std::size_t>(v)]; }
  const nn::Optimizer& optimizer(int v) const { return optimizers_[static_cast<std::size_t>(v)]; }
  EpsilonSchedule& epsilon() { return epsilon_; }
  const EpsilonSchedule& epsilon() const { return epsilon_; }
  std::int64_t learn_steps() const { return learn_steps_; }
  void set_learn_steps(std::int64_t n) { learn_steps_ = n; }  // checkpoint restore

  // Checkpoint records (the layout VDN, QMIX and VD-ERL have always written): u64 agents, then per
  // agent its online network, target network and optimiser; and separately epsilon then the
  // learning-step count. load_networks needs a set with the same sizes; `learner` names it in
  // errors ("VDN checkpoint with another number of agents").
  void save_networks(StateWriter& w) const;
  void load_networks(StateReader& r, std::string_view learner);
  void save_progress(StateWriter& w) const;
  void load_progress(StateReader& r);

 private:
  int obs_dim_ = 0, num_actions_ = 0;
  QLearningConfig config_;
  std::vector<nn::Mlp> online_, target_;
  std::vector<nn::Optimizer> optimizers_;
  EpsilonSchedule epsilon_;
  std::int64_t learn_steps_ = 0;
  // bootstrap() workspaces.
  nn::Vector next_value_;
  Eigen::VectorXi next_actions_;
};

}  // namespace semra::rl
