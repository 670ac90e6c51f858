#pragma once
// QMIX (Rashid et al. 2018): like VDN, but the per-agent values are combined by a MONOTONIC mixing
// network whose weights are produced by hypernetworks from the global state s:
//   W1 = |hyper_w1(s)| (agents x embed),  b1 = hyper_b1(s) (embed),
//   W2 = |hyper_w2(s)| (embed),           b2 = hyper_b2(s) (scalar; a 2-layer net, pymarl's "V")
//   Q_tot(s, a) = elu(q^T W1 + b1) . W2 + b2,   q = (Q_1(o_1, a_1), ..., Q_N(o_N, a_N))
// Non-negative mixing weights make dQ_tot/dQ_v >= 0, so each agent's greedy action is consistent
// with the greedy joint action (decentralised execution). Hypernetwork shapes follow pymarl
// (hypernet_layers = 2 for W1 and W2). Trained by the TD loss
//   y = r + gamma (1 - done) Q_tot_target(s', argmax/max of each Q_target_v(o'_v, .)),
// agents and mixer from the same loss; each network has its own optimiser and gradient clipping.
// The whole update is QmixLearner::learn in qmix.cpp.
#include <cstdint>
#include <vector>

#include "semra/rl/joint_replay.hpp"
#include "semra/rl/q_agents.hpp"

namespace semra::rl {

// The mixing network alone (forward for a batch, backward to the hypernetworks and to the q
// inputs).
class QmixMixer {
 public:
  QmixMixer() = default;
  QmixMixer(int agents, int state_dim, int embed, int hyper_hidden, Rng& init_rng);

  // q: batch x agents, states: batch x state_dim -> Q_tot (batch). Caches for backward.
  const nn::Vector& forward(const Eigen::Ref<const nn::Matrix>& q,
                            const Eigen::Ref<const nn::Matrix>& states);
  // dL/dQ_tot (batch) -> hypernetwork gradients (in their grads()) and dL/dq (batch x agents).
  const nn::Matrix& backward(const Eigen::Ref<const nn::Vector>& grad_q_tot);

  std::vector<nn::Mlp*> networks() { return {&hyper_w1_, &hyper_b1_, &hyper_w2_, &hyper_b2_}; }
  std::vector<const nn::Mlp*> networks() const {
    return {&hyper_w1_, &hyper_b1_, &hyper_w2_, &hyper_b2_};
  }
  void copy_from(const QmixMixer& src);
  void polyak_update(const QmixMixer& src, float tau);

 private:
  int agents_ = 0, embed_ = 0;
  nn::Mlp hyper_w1_, hyper_b1_, hyper_w2_, hyper_b2_;
  // Cache.
  nn::Matrix q_, w1_raw_, b1_, w2_raw_, pre_, hidden_;
  nn::Vector b2_, q_tot_;
  // Backward workspaces.
  nn::Matrix g_w1_, g_b1_, g_w2_, g_b2_, grad_q_;
};

struct QmixConfig {
  QLearningConfig agent;  // agent networks, TD settings, epsilon
  int embed = 32;
  int hyper_hidden = 64;
};

// A QAgentSet with the QMIX mixer.
class QmixLearner {
 public:
  QmixLearner(int agents, int obs_dim, int num_actions, int state_dim, const QmixConfig& config,
              Rng& init_rng);

  int agents() const { return q_.agents(); }
  int act(int agent, const float* obs, const std::uint8_t* mask, Rng& rng, bool explore) {
    return q_.act(agent, obs, mask, rng, explore);
  }
  // One gradient step on the batch's team reward (needs global states). Returns the loss.
  double learn(const JointBatch& batch);

  nn::Mlp& online(int agent) { return q_.online(agent); }
  const nn::Mlp& online(int agent) const { return q_.online(agent); }
  QmixMixer& mixer() { return mixer_; }
  const QmixMixer& mixer() const { return mixer_; }
  EpsilonSchedule& epsilon() { return q_.epsilon(); }
  // Checkpoints: agent and mixer networks (online and target), optimiser states, epsilon and the
  // learning-step count. load_state needs a learner built with the same sizes and config.
  void save_state(StateWriter& w) const;
  void load_state(StateReader& r);

 private:
  QmixConfig config_;
  QAgentSet q_;
  QmixMixer mixer_, target_mixer_;
  std::vector<nn::Optimizer> mixer_opt_;
  nn::Matrix q_taken_, q_next_;
  nn::Vector targets_, grad_q_tot_, col_;
};

}  // namespace semra::rl
