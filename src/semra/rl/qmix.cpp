#include "semra/rl/qmix.hpp"

#include <cmath>
#include <stdexcept>

namespace semra::rl {

QmixMixer::QmixMixer(int agents, int state_dim, int embed, int hyper_hidden, const Rng& init_rng)
    : agents_(agents), embed_(embed) {
  if (state_dim <= 0) throw std::invalid_argument("QmixMixer: needs a global state");
  using nn::Activation;
  Rng r1 = init_rng.child("hyper_w1"), r2 = init_rng.child("hyper_b1"),
      r3 = init_rng.child("hyper_w2"), r4 = init_rng.child("hyper_b2");
  hyper_w1_ = nn::Mlp({state_dim, hyper_hidden, agents * embed}, Activation::Relu,
                      Activation::Identity, r1);
  hyper_b1_ = nn::Mlp({state_dim, embed}, Activation::Relu, Activation::Identity, r2);
  hyper_w2_ = nn::Mlp({state_dim, hyper_hidden, embed}, Activation::Relu, Activation::Identity, r3);
  hyper_b2_ = nn::Mlp({state_dim, embed, 1}, Activation::Relu, Activation::Identity, r4);
}

const nn::Vector& QmixMixer::forward(const AgentValues& q, const nn::Matrix& states) {
  const Eigen::Index n = q.rows();
  q_ = q;
  w1_raw_ = hyper_w1_.forward(states);  // n x (agents * embed), row-major [a][e]
  b1_ = hyper_b1_.forward(states);      // n x embed
  w2_raw_ = hyper_w2_.forward(states);  // n x embed
  b2_ = hyper_b2_.forward(states).col(0);
  pre_.resize(n, embed_);
  hidden_.resize(n, embed_);
  q_tot_.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (int e = 0; e < embed_; ++e) {
      float s = b1_(i, e);
      for (int a = 0; a < agents_; ++a) s += q_(i, a) * std::abs(w1_raw_(i, a * embed_ + e));
      pre_(i, e) = s;
      hidden_(i, e) = s > 0.0f ? s : std::expm1(s);  // elu
    }
    float t = b2_[i];
    for (int e = 0; e < embed_; ++e) t += hidden_(i, e) * std::abs(w2_raw_(i, e));
    q_tot_[i] = t;
  }
  return q_tot_;
}

const AgentValues& QmixMixer::backward(const nn::Vector& g) {
  const Eigen::Index n = q_.rows();
  g_w1_.resize(n, agents_ * embed_);
  g_b1_.resize(n, embed_);
  g_w2_.resize(n, embed_);
  g_b2_.resize(n, 1);
  grad_q_.setZero(n, agents_);
  auto sign = [](float x) { return x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : 0.0f); };
  for (Eigen::Index i = 0; i < n; ++i) {
    g_b2_(i, 0) = g[i];
    for (int e = 0; e < embed_; ++e) {
      // Q_tot = sum_e h_e |w2_e| + b2; h = elu(pre); pre_e = sum_a q_a |w1_ae| + b1_e.
      g_w2_(i, e) = g[i] * hidden_(i, e) * sign(w2_raw_(i, e));
      const float dh = g[i] * std::abs(w2_raw_(i, e));
      const float dpre = dh * (pre_(i, e) > 0.0f ? 1.0f : hidden_(i, e) + 1.0f);  // elu'
      g_b1_(i, e) = dpre;
      for (int a = 0; a < agents_; ++a) {
        const float w = w1_raw_(i, a * embed_ + e);
        g_w1_(i, a * embed_ + e) = dpre * q_(i, a) * sign(w);
        grad_q_(i, a) += dpre * std::abs(w);
      }
    }
  }
  hyper_w1_.backward(g_w1_);
  hyper_b1_.backward(g_b1_);
  hyper_w2_.backward(g_w2_);
  hyper_b2_.backward(g_b2_);
  return grad_q_;
}

}  // namespace semra::rl
