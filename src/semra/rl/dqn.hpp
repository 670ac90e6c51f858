#pragma once
// Deep Q-network agent (Mnih et al. 2015) with the options the schemes need: hard or Polyak target
// updates, double DQN (van Hasselt et al. 2016), MSE or Huber loss, and action masks honoured both
// when acting and in the bootstrap target. Defaults are the DHDRL reference's hyper-parameters
// (docs/model-dhdrl.md section 1, the DQN row). The update: QLearner::learn in q_learner.cpp.
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
#include "semra/rl/q_learner.hpp"
#include "semra/rl/replay.hpp"
#include "semra/rl/schedule.hpp"

namespace semra::rl {

// The DHDRL reference's hyper-parameters (docs/model-dhdrl.md section 1, the DQN row) for the
// shared Q-learning fields, plus what only a single agent with its own replay buffer needs.
struct DqnConfig : QLearningConfig {
  int replay_capacity = 500;
  int learn_start = 256;  // learn() is a no-op until the buffer holds this many transitions

  DqnConfig();
  // The shared fields from `q` (e.g. a value-decomposition scheme's settings for IDQN); the
  // DQN-only fields keep their defaults.
  explicit DqnConfig(const QLearningConfig& q) : QLearningConfig(q) {}

  // Throws semra::InputError naming the first out-of-range field ("dqn.<field>").
  void validate() const;
};

// A one-agent QLearner without a mixer, and its own replay buffer.
class DqnAgent {
 public:
  DqnAgent(int obs_dim, int num_actions, const DqnConfig& config, Rng& init_rng);

  // Epsilon-greedy over the valid actions (mask may be null = all valid). explore == false: greedy,
  // and no random draw. Throws std::invalid_argument when the mask allows no action.
  int act(const float* obs, const std::uint8_t* mask, Rng& rng, bool explore) {
    return q_.act(0, obs, mask, rng, explore);
  }
  int greedy_action(const float* obs, const std::uint8_t* mask) {
    return q_.greedy_action(0, obs, mask);
  }
  // Q(obs, .) of the online network for one observation (1 x num_actions), valid until the next
  // call.
  const nn::Matrix& q_values_one(const float* obs) { return online().forward_one(obs); }
  // Q(obs, .) of the online network for a batch (one observation per row).
  const nn::Matrix& q_values(const Eigen::Ref<const nn::Matrix>& obs) {
    return online().forward(obs);
  }

  void remember(const float* obs, int action, float reward, const float* next_obs, bool done,
                const std::uint8_t* next_mask = nullptr) {
    replay_.add(obs, action, reward, next_obs, done, next_mask);
  }
  // One gradient step on a sampled batch, if the buffer holds at least learn_start transitions.
  // Returns whether a step was taken.
  bool learn(Rng& rng);

  int obs_dim() const { return q_.obs_dim(); }
  int num_actions() const { return q_.num_actions(); }
  const DqnConfig& config() const { return config_; }
  nn::Mlp& online() { return q_.online(0); }
  const nn::Mlp& online() const { return q_.online(0); }
  nn::Mlp& target() { return q_.target(0); }
  const nn::Mlp& target() const { return q_.target(0); }
  nn::Optimizer& optimizer() { return q_.optimizer(0); }
  const nn::Optimizer& optimizer() const { return q_.optimizer(0); }
  ReplayBuffer& replay() { return replay_; }
  const ReplayBuffer& replay() const { return replay_; }
  EpsilonSchedule& epsilon() { return q_.epsilon(); }
  const EpsilonSchedule& epsilon() const { return q_.epsilon(); }
  std::int64_t learn_steps() const { return q_.learn_steps(); }
  void set_learn_steps(std::int64_t n) { q_.set_learn_steps(n); }  // checkpoint restore
  // Everything learn() and act() depend on, except the config and the caller's Rng streams:
  // networks, optimiser state, replay contents, epsilon state and the learning-step count. Records
  // as in docs/nn.md, after a "SEMRADQ1" header. load requires the same dimensions and network
  // shapes; any problem throws semra::InputError naming `name` and leaves the agent unchanged.
  void save(std::ostream& os) const;
  void load(std::istream& is, std::string_view name);

  // Diagnostics of the last learning step: loss, TD targets, the sampled batch.
  double last_loss() const { return last_loss_; }
  const nn::Vector& last_targets() const { return q_.last_targets(); }
  const ReplayBatch& last_batch() const { return batch_; }

 private:
  DqnConfig config_;
  QLearner q_;
  ReplayBuffer replay_;
  double last_loss_ = 0.0;
  ReplayBatch batch_;  // learn()'s workspace, sized once
};

}  // namespace semra::rl
