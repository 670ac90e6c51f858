#pragma once
// Experience replay for cooperative multi-agent learners (VDN, QMIX, VD-ERL): one slot holds the
// JOINT transition of all agents of one environment step,
//   (o_1..o_N, m_1..m_N, a_1..a_N, r_1..r_N, r_team, o'_1..o'_N, m'_1..m'_N, done[, s, s'])
// with m the action masks (current: for the policy loss; next: for the bootstrap max) and s an
// optional global state (QMIX's hypernetworks). Value decomposition needs the agents' transitions
// sampled together, which N independent ReplayBuffers cannot do.
//
// Fixed capacity ring allocated at construction; uniform sampling with replacement from an explicit
// Rng into a caller-owned JointBatch (no allocation once the batch has its size).
#include <cstdint>
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/core/serialize.hpp"
#include "semra/nn/tensor.hpp"

namespace semra::rl {

struct JointBatch {
  std::vector<nn::Matrix> obs;             // [agent]: batch x obs_dim
  std::vector<nn::Matrix> next_obs;        // [agent]: batch x obs_dim
  std::vector<nn::MaskMatrix> masks;       // [agent]: batch x num_actions
  std::vector<nn::MaskMatrix> next_masks;  // [agent]: batch x num_actions
  std::vector<Eigen::VectorXi> actions;    // [agent]: batch
  std::vector<nn::Vector> rewards;         // [agent]: batch (each agent's own reward)
  nn::Vector team_rewards;                 // batch
  nn::Vector dones;                        // batch, 1 = terminal
  nn::Matrix states, next_states;          // batch x state_dim (0 columns without a state)

  void resize(int batch, int agents, int obs_dim, int num_actions, int state_dim);
  int size() const { return static_cast<int>(dones.size()); }
};

class JointReplayBuffer {
 public:
  JointReplayBuffer() = default;
  JointReplayBuffer(int capacity, int agents, int obs_dim, int num_actions, int state_dim = 0);

  // obs/next_obs: agents x obs_dim (agent-major); masks/next_masks: agents x num_actions; actions,
  // rewards: agents; state/next_state: state_dim (may be null when state_dim == 0).
  void add(const float* obs, const std::uint8_t* masks, const int* actions, const float* rewards,
           float team_reward, const float* next_obs, const std::uint8_t* next_masks, bool done,
           const float* state = nullptr, const float* next_state = nullptr);
  void sample(int batch, Rng& rng, JointBatch& out) const;

  int size() const { return size_; }
  int capacity() const { return capacity_; }
  int agents() const { return agents_; }
  int obs_dim() const { return obs_dim_; }
  int num_actions() const { return num_actions_; }
  int state_dim() const { return state_dim_; }
  // Checkpoints: head, size and the stored transitions. load_state needs the same capacity and
  // dimensions.
  void save_state(StateWriter& w) const;
  void load_state(StateReader& r);

 private:
  // Every per-slot array, in checkpoint record order (save_state and load_state share it).
  template <class Self, class F>
  static void for_each_array(Self& self, F&& f) {
    for (auto* v : {&self.obs_, &self.next_obs_, &self.rewards_, &self.team_rewards_, &self.states_,
                    &self.next_states_})
      f(*v);
    for (auto* v : {&self.masks_, &self.next_masks_, &self.dones_}) f(*v);
    f(self.actions_);
  }
  int capacity_ = 0, agents_ = 0, obs_dim_ = 0, num_actions_ = 0, state_dim_ = 0;
  int head_ = 0, size_ = 0;
  std::vector<float> obs_, next_obs_, rewards_, team_rewards_, states_, next_states_;
  std::vector<std::uint8_t> masks_, next_masks_, dones_;
  std::vector<int> actions_;
};

}  // namespace semra::rl
