#include "semra/rl/qmix.hpp"

#include <cmath>
#include <stdexcept>

namespace semra::rl {

QmixMixer::QmixMixer(int agents, int state_dim, int embed, int hyper_hidden, Rng& init_rng)
    : agents_(agents), embed_(embed) {
  using nn::Activation;
  Rng r1 = init_rng.child("hyper_w1"), r2 = init_rng.child("hyper_b1"),
      r3 = init_rng.child("hyper_w2"), r4 = init_rng.child("hyper_b2");
  hyper_w1_ = nn::Mlp({state_dim, hyper_hidden, agents * embed}, Activation::Relu,
                      Activation::Identity, r1);
  hyper_b1_ = nn::Mlp({state_dim, embed}, Activation::Relu, Activation::Identity, r2);
  hyper_w2_ = nn::Mlp({state_dim, hyper_hidden, embed}, Activation::Relu, Activation::Identity, r3);
  hyper_b2_ = nn::Mlp({state_dim, embed, 1}, Activation::Relu, Activation::Identity, r4);
}

const nn::Vector& QmixMixer::forward(const Eigen::Ref<const nn::Matrix>& q,
                                     const Eigen::Ref<const nn::Matrix>& states) {
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

const nn::Matrix& QmixMixer::backward(const Eigen::Ref<const nn::Vector>& g) {
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

void QmixMixer::copy_from(const QmixMixer& src) {
  hyper_w1_.copy_from(src.hyper_w1_);
  hyper_b1_.copy_from(src.hyper_b1_);
  hyper_w2_.copy_from(src.hyper_w2_);
  hyper_b2_.copy_from(src.hyper_b2_);
}

void QmixMixer::polyak_update(const QmixMixer& src, float tau) {
  hyper_w1_.polyak_update(src.hyper_w1_, tau);
  hyper_b1_.polyak_update(src.hyper_b1_, tau);
  hyper_w2_.polyak_update(src.hyper_w2_, tau);
  hyper_b2_.polyak_update(src.hyper_b2_, tau);
}

QmixLearner::QmixLearner(int agents, int obs_dim, int num_actions, int state_dim,
                         const QmixConfig& config, Rng& init_rng)
    : config_(config), q_(agents, obs_dim, num_actions, config.agent.validated("qmix"), init_rng) {
  if (state_dim <= 0) throw std::invalid_argument("QmixLearner: needs a global state");
  Rng mrng = init_rng.child("mixer");
  mixer_ = QmixMixer(agents, state_dim, config_.embed, config_.hyper_hidden, mrng);
  target_mixer_ = mixer_;
  for (nn::Mlp* m : mixer_.networks())
    mixer_opt_.emplace_back(config_.agent.optimizer, m->params().size());
  const int b = config_.agent.batch_size;
  q_taken_.resize(b, agents);
  q_next_.resize(b, agents);
  targets_.resize(b);
  grad_q_tot_.resize(b);
  col_.resize(b);
}

double QmixLearner::learn(const JointBatch& batch) {
  const QLearningConfig& c = config_.agent;
  const int n = batch.size();
  if (n != c.batch_size) throw std::invalid_argument("QmixLearner::learn: batch size differs");
  const auto agent = [](int v) { return static_cast<std::size_t>(v); };

  // 1. Target: each agent's (double-)max of its target Q at o'_v, mixed by the target mixer at s'.
  for (int v = 0; v < agents(); ++v)
    q_next_.col(v) = q_.bootstrap(v, batch.next_obs[agent(v)], batch.next_masks[agent(v)]);
  const nn::Vector& next_tot = target_mixer_.forward(q_next_, batch.next_states);
  targets_ = batch.team_rewards.array() + c.gamma * (1.0f - batch.dones.array()) * next_tot.array();

  // 2. Q_tot(s, a) through the online mixer.
  for (int v = 0; v < agents(); ++v) {
    q_.taken_q(v, batch.obs[agent(v)], batch.actions[agent(v)], col_);
    q_taken_.col(v) = col_;
  }
  const nn::Vector& q_tot = mixer_.forward(q_taken_, batch.states);
  const double loss = nn::vector_loss(c.loss, q_tot, targets_, grad_q_tot_, c.huber_delta);

  // 3. Backward: mixer (hypernetworks), then each agent with its dL/dQ_v.
  const nn::Matrix& grad_q = mixer_.backward(grad_q_tot_);
  auto nets = mixer_.networks();
  for (std::size_t m = 0; m < nets.size(); ++m) {
    if (c.grad_clip > 0.0f) nn::clip_grad_norm(nets[m]->grads(), c.grad_clip);
    mixer_opt_[m].step(nets[m]->params(), nets[m]->grads());
  }
  for (int v = 0; v < agents(); ++v) {
    col_ = grad_q.col(v);
    q_.step(v, col_);
  }

  // 4. Targets: the agents' and, the same way, the mixer's; then epsilon.
  switch (q_.end_learning_step()) {
    case TargetUpdate::Polyak:
      target_mixer_.polyak_update(mixer_, c.tau);
      break;
    case TargetUpdate::Copy:
      target_mixer_.copy_from(mixer_);
      break;
    case TargetUpdate::None:
      break;
  }
  return loss;
}

// Layout: tag, the agents' networks (QAgentSet::save_networks), the online then target mixer's
// hypernetworks, the mixer's optimisers, epsilon and the learning-step count.
void QmixLearner::save_state(StateWriter& w) const {
  w.tag("qmix");
  q_.save_networks(w);
  for (const auto* mixer : {&mixer_, &target_mixer_})
    for (const nn::Mlp* net : mixer->networks()) w.saved(*net);
  w.u64(mixer_opt_.size());
  for (const auto& opt : mixer_opt_) w.saved(opt);
  q_.save_progress(w);
}

void QmixLearner::load_state(StateReader& r) {
  r.expect_tag("qmix");
  q_.load_networks(r, "QMIX");
  for (auto* mixer : {&mixer_, &target_mixer_})
    for (nn::Mlp* net : mixer->networks()) r.load_into(*net);
  if (r.u64() != mixer_opt_.size()) r.fail("QMIX checkpoint with another mixer");
  for (auto& opt : mixer_opt_) r.load_into(opt);
  q_.load_progress(r);
}

}  // namespace semra::rl
