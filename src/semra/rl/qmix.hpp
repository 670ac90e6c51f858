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
// The update is QLearner::learn (q_learner.cpp); a QMIX learner is
//   QLearner(agents, obs_dim, actions, config, init,
//            std::make_unique<QmixMixer>(agents, state_dim, embed, hyper_hidden,
//            init.child("mixer")))
#include <memory>
#include <vector>

#include "semra/rl/q_learner.hpp"

namespace semra::rl {

// The mixing network: forward for a batch, backward to the hypernetworks and to the agents' values.
class QmixMixer final : public Mixer {
 public:
  // Hypernetwork initial weights from init_rng.child("hyper_w1"), ... ("hyper_b2"). Throws
  // std::invalid_argument without a state (state_dim <= 0).
  QmixMixer(int agents, int state_dim, int embed, int hyper_hidden, const Rng& init_rng);

  std::string_view name() const override { return "qmix"; }
  std::unique_ptr<Mixer> clone() const override { return std::make_unique<QmixMixer>(*this); }
  // q: batch x agents, states: batch x state_dim -> Q_tot (batch). Caches for backward.
  const nn::Vector& forward(const AgentValues& q, const nn::Matrix& states) override;
  // dL/dQ_tot (batch) -> hypernetwork gradients (in their grads()) and dL/dq (batch x agents).
  const AgentValues& backward(const nn::Vector& grad_q_tot) override;

  std::vector<nn::Mlp*> networks() override {
    return {&hyper_w1_, &hyper_b1_, &hyper_w2_, &hyper_b2_};
  }
  std::vector<const nn::Mlp*> networks() const override {
    return {&hyper_w1_, &hyper_b1_, &hyper_w2_, &hyper_b2_};
  }

 private:
  int agents_ = 0, embed_ = 0;
  nn::Mlp hyper_w1_, hyper_b1_, hyper_w2_, hyper_b2_;
  // Cache.
  AgentValues q_;
  nn::Matrix w1_raw_, b1_, w2_raw_, pre_, hidden_;
  nn::Vector b2_, q_tot_;
  // Backward workspaces.
  nn::Matrix g_w1_, g_b1_, g_w2_, g_b2_;
  AgentValues grad_q_;
};

}  // namespace semra::rl
