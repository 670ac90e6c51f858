#pragma once
// TD3: Twin Delayed DDPG (Fujimoto, van Hoof & Meger 2018), for continuous actions in [-1, 1]^d.
// The update is Td3Agent::learn in td3.cpp, CleanRL-style:
//   a'  = clip(pi_target(s') + clip(N(0, sigma_t), -c, c), -1, 1)          target policy smoothing
//   y   = r + gamma (1 - done) min(Q1_target(s', a'), Q2_target(s', a'))    clipped double Q
//   critics: minimise MSE(Q_i(s, a), y), i = 1, 2
//   every `policy_delay` critic steps: actor maximises Q1(s, pi(s)) (gradient dQ1/da through the
//   critic's input gradient), then Polyak updates of the three target networks.
// Exploration (act): pi(s) + N(0, sigma_explore), clipped to [-1, 1]; pure random during warm-up.
// Randomness: init from the constructor's Rng; exploration / replay / target noise from the Rngs
// passed to act() and learn(). No allocation per call once constructed.
#include <cstdint>
#include <string>
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/core/serialize.hpp"
#include "semra/nn/mlp.hpp"
#include "semra/nn/optim.hpp"

namespace semra::rl {

struct Td3Config {
  std::vector<int> hidden = {64, 32};
  float gamma = 0.5f;
  int replay_capacity = 10000;
  int batch_size = 64;
  int learn_start = 256;  // learn() is a no-op until the buffer holds this many transitions
  float actor_lr = 1e-3f;
  float critic_lr = 1e-3f;
  float tau = 0.005f;
  float exploration_noise = 0.2f;
  float target_noise = 0.2f;
  float target_noise_clip = 0.5f;
  int policy_delay = 2;
};

// Fixed-capacity ring of continuous-action transitions, uniform sampling with replacement.
class ContinuousReplay {
 public:
  ContinuousReplay() = default;
  ContinuousReplay(int capacity, int obs_dim, int action_dim);
  void add(const float* obs, const float* action, float reward, const float* next_obs, bool done);
  // Fills the batch matrices (rows = samples).
  void sample(Rng& rng, nn::Matrix& obs, nn::Matrix& actions, nn::Vector& rewards,
              nn::Matrix& next_obs, nn::Vector& dones) const;
  int size() const { return size_; }
  // Checkpoints: head, size and the stored transitions. load_state needs the same capacity and
  // dimensions.
  void save_state(StateWriter& w) const;
  void load_state(StateReader& r);

 private:
  int capacity_ = 0, obs_dim_ = 0, action_dim_ = 0, head_ = 0, size_ = 0;
  std::vector<float> obs_, actions_, rewards_, next_obs_, dones_;
};

class Td3Agent {
 public:
  Td3Agent(int obs_dim, int action_dim, const Td3Config& config, Rng& init_rng);

  // Deterministic policy pi(obs) into `action` (action_dim floats in [-1, 1]); with explore,
  // Gaussian noise is added and the result clipped.
  void act(const float* obs, float* action, Rng& rng, bool explore);
  void remember(const float* obs, const float* action, float reward, const float* next_obs,
                bool done) {
    replay_.add(obs, action, reward, next_obs, done);
  }
  bool learn(Rng& rng);

  nn::Mlp& actor() { return actor_; }
  const nn::Mlp& actor() const { return actor_; }
  nn::Mlp& critic1() { return q1_; }
  const nn::Mlp& critic1() const { return q1_; }
  nn::Mlp& critic2() { return q2_; }
  const nn::Mlp& critic2() const { return q2_; }
  // After loading actor/critics: targets <- online.
  void sync_targets();
  std::int64_t learn_steps() const { return learn_steps_; }
  double last_critic_loss() const { return last_critic_loss_; }
  // Checkpoints: the six networks, the three Adam states, the replay buffer and the learning-step
  // count (the Rngs are the caller's). load_state needs an agent built with the same dimensions
  // and config.
  void save_state(StateWriter& w) const;
  void load_state(StateReader& r);

 private:
  int obs_dim_, action_dim_;
  Td3Config config_;
  nn::Mlp actor_, actor_target_, q1_, q2_, q1_target_, q2_target_;
  nn::Optimizer actor_opt_, q1_opt_, q2_opt_;
  ContinuousReplay replay_;
  std::int64_t learn_steps_ = 0;
  double last_critic_loss_ = 0.0;
  // Workspaces.
  nn::Matrix obs_, actions_, next_obs_, sa_, next_sa_, y_, grad_, actor_grad_;
  nn::Vector rewards_, dones_;
};

}  // namespace semra::rl
