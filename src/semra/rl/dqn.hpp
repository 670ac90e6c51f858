#pragma once
// Deep Q-network agent (Mnih et al. 2015) with the options the schemes need: hard or Polyak target
// updates, double DQN (van Hasselt et al. 2016), MSE or Huber loss, and action masks honoured both
// when acting and in the bootstrap target. Defaults are the DHDRL reference's hyper-parameters
// (docs: ../shared/spec/dhdrl.md section 6). The whole update is DqnAgent::learn in dqn.cpp.
//
// Randomness: network init from the Rng given to the constructor; exploration and replay sampling
// from the Rng passed to act()/learn(), so a scheme decides which streams they come from.
#include <cstdint>
#include <iosfwd>
#include <string_view>
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/nn/loss.hpp"
#include "semra/nn/mlp.hpp"
#include "semra/nn/optim.hpp"
#include "semra/rl/replay.hpp"
#include "semra/rl/schedule.hpp"

namespace semra::rl {

struct DqnConfig {
  std::vector<int> hidden = {64, 32};
  nn::Activation activation = nn::Activation::Relu;
  float gamma = 0.5f;
  int replay_capacity = 500;
  int batch_size = 8;
  int learn_start = 256;        // learn() is a no-op until the buffer holds this many transitions
  int target_sync_every = 100;  // hard copy online -> target every N learning steps (when tau == 0)
  float tau = 0.0f;  // > 0: Polyak update target <- tau online + (1 - tau) target per step
  bool double_dqn = false;
  nn::LossKind loss = nn::LossKind::Mse;
  float huber_delta = 1.0f;
  // Keras 2 RMSprop as the reference (rho 0.9, eps 1e-7), lr 5e-4 decayed as lr / (1 + 1e-4 t).
  nn::OptimizerConfig optimizer = nn::OptimizerConfig::keras_rmsprop(5e-4f, 1e-4f);
  float grad_clip = 0.0f;  // max global gradient L2 norm; 0 = no clipping
  EpsilonConfig epsilon = {EpsilonKind::Inverse, 0.6, 0.01, 1e-4, 1e4};
  // true: learn() steps epsilon once per learning step (the reference); false: the caller steps
  // epsilon() itself (e.g. once per decision of a high level that learns every slot).
  bool epsilon_per_learn_step = true;

  // Throws semra::InputError naming the first out-of-range field.
  void validate() const;
};

// Index of the largest q[i] among valid actions (mask[i] != 0; mask may be null = all valid), ties
// to the lowest index; -1 when no action is valid.
int masked_argmax(const float* q, const std::uint8_t* mask, int n);
// Uniformly random valid action (mask may be null); -1 when none is valid.
int random_valid_action(const std::uint8_t* mask, int n, Rng& rng);

class DqnAgent {
 public:
  DqnAgent(int obs_dim, int num_actions, const DqnConfig& config, Rng& init_rng);

  // Epsilon-greedy over the valid actions (mask may be null = all valid). explore == false: greedy,
  // and no random draw. Throws std::invalid_argument when the mask allows no action.
  int act(const float* obs, const std::uint8_t* mask, Rng& rng, bool explore);
  int greedy_action(const float* obs, const std::uint8_t* mask);
  // Q(obs, .) of the online network for one observation (1 x num_actions), valid until the next
  // call.
  const nn::Matrix& q_values_one(const float* obs) { return online_.forward_one(obs); }
  // Q(obs, .) of the online network for a batch (one observation per row).
  const nn::Matrix& q_values(const Eigen::Ref<const nn::Matrix>& obs) {
    return online_.forward(obs);
  }

  void remember(const float* obs, int action, float reward, const float* next_obs, bool done,
                const std::uint8_t* next_mask = nullptr) {
    replay_.add(obs, action, reward, next_obs, done, next_mask);
  }
  // One gradient step on a sampled batch, if the buffer holds at least learn_start transitions.
  // Returns whether a step was taken.
  bool learn(Rng& rng);

  int obs_dim() const { return obs_dim_; }
  int num_actions() const { return num_actions_; }
  const DqnConfig& config() const { return config_; }
  nn::Mlp& online() { return online_; }
  const nn::Mlp& online() const { return online_; }
  nn::Mlp& target() { return target_; }
  const nn::Mlp& target() const { return target_; }
  nn::Optimizer& optimizer() { return optimizer_; }
  const nn::Optimizer& optimizer() const { return optimizer_; }
  ReplayBuffer& replay() { return replay_; }
  const ReplayBuffer& replay() const { return replay_; }
  EpsilonSchedule& epsilon() { return epsilon_; }
  const EpsilonSchedule& epsilon() const { return epsilon_; }
  std::int64_t learn_steps() const { return learn_steps_; }
  void set_learn_steps(std::int64_t n) { learn_steps_ = n; }  // checkpoint restore
  // Everything learn() and act() depend on, except the config and the caller's Rng streams:
  // networks, optimiser state, replay contents, epsilon state and the learning-step count. Records
  // as in docs/nn.md, after a "SEMRADQ1" header. load requires the same dimensions and network
  // shapes; any problem throws semra::InputError naming `name` and leaves the agent unchanged.
  void save(std::ostream& os) const;
  void load(std::istream& is, std::string_view name);

  // Diagnostics of the last learning step: loss, TD targets, the sampled batch.
  double last_loss() const { return last_loss_; }
  const nn::Vector& last_targets() const { return targets_; }
  const ReplayBatch& last_batch() const { return batch_; }

 private:
  int obs_dim_ = 0;
  int num_actions_ = 0;
  DqnConfig config_;
  nn::Mlp online_;
  nn::Mlp target_;
  nn::Optimizer optimizer_;
  ReplayBuffer replay_;
  EpsilonSchedule epsilon_;
  std::int64_t learn_steps_ = 0;
  double last_loss_ = 0.0;
  // Workspaces for learn(), sized once.
  ReplayBatch batch_;
  nn::Vector targets_;
  nn::Vector q_taken_;  // Q_online(s_i, a_i)
  nn::Vector grad_q_;   // dL/dQ_online(s_i, a_i)
  Eigen::VectorXi next_actions_;
};

}  // namespace semra::rl
