#include "semra/rl/vd_erl.hpp"

#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>

#include "semra/core/error.hpp"
#include "semra/nn/softmax.hpp"
#include "semra/rl/vdn.hpp"

namespace semra::rl {

VdErlLearner::VdErlLearner(int agents, int obs_dim, int num_actions, const VdErlConfig& config,
                           Rng& init_rng)
    : config_(config),
      critic_(agents, obs_dim, num_actions, config.critic, init_rng, std::make_unique<VdnMixer>()) {
  for (int v = 0; v < agents; ++v) {
    Rng rng = init_rng.child("policy", static_cast<std::uint64_t>(v));
    actors_.emplace_back(obs_dim, num_actions, config.actor, rng);
  }
  soft_values_.resize(config.critic.batch_size, agents);
}

int VdErlLearner::act(int agent, const float* obs, const std::uint8_t* mask, Rng& rng,
                      bool explore) {
  DiscreteSacActor& pi = actor(agent);
  if (explore) return pi.sample_action(obs, mask, rng);
  return config_.greedy_from_critic ? critic_.greedy_action(agent, obs, mask)
                                    : pi.greedy_action(obs, mask);
}

double VdErlLearner::learn(const JointBatch& batch) {
  const int n = batch.size();
  const auto agent = [](int v) { return static_cast<std::size_t>(v); };

  // 1. Each agent's value of the next observation, V_v(o'_v):
  //      max (eq. 14): max_{a' valid} Q_target_v(o'_v, a')  (the critic's own bootstrap)
  //      soft (SAC): sum_{a' valid} pi_v(a'|o'_v) (Q_target_v(o'_v, a') - delta log pi_v(a'|o'_v))
  const bool soft = config_.critic_target == CriticTarget::Soft;
  if (soft) {
    soft_values_.resize(n, agents());
    for (int v = 0; v < agents(); ++v) {
      const auto& next_obs = batch.next_obs[agent(v)];
      const auto& next_mask = batch.next_masks[agent(v)];
      DiscreteSacActor& pi = actor(v);
      pi.distribution(next_obs, next_mask, probs_, log_probs_);
      const nn::Matrix& qt = critic_.target(v).forward(next_obs);
      const float delta = pi.temperature();
      for (int i = 0; i < n; ++i) {
        double s = 0.0;
        for (Eigen::Index a = 0; a < qt.cols(); ++a)
          if (next_mask(i, a)) s += probs_(i, a) * (qt(i, a) - delta * log_probs_(i, a));
        soft_values_(i, v) = static_cast<float>(s);
      }
    }
  }

  // 2. The critic's step (QLearner::learn with VdnMixer): y = r + gamma (1 - done) sum_v V_v(o'_v),
  //    Q_tot = sum_v Q_theta_v(o_v, a_v) (eq. 13), the TD loss (14), the same dJ/dQ_tot for every
  //    agent (eq. 16) and one optimiser step each (eq. 15); then the target networks (and the
  //    unused epsilon, part of the checkpoint).
  const double critic_loss = soft ? critic_.learn(batch, soft_values_) : critic_.learn(batch);

  // 3. Policies (eqs. 17-18, DiscreteSacActor::update), each against its own updated Q_theta_v.
  last_policy_loss_ = 0.0;
  for (int v = 0; v < agents(); ++v) {
    const auto& obs = batch.obs[agent(v)];
    q_ = critic_.online(v).forward(obs);
    double loss = 0.0;
    for (int u = 0; u < config_.policy_updates; ++u)
      loss = actor(v).update(obs, batch.masks[agent(v)], q_);
    last_policy_loss_ += loss;
  }
  return critic_loss;
}

// Layout: "vd-erl", the critic's state ("vdn", networks, epsilon, learning steps), the actors, the
// last policy loss.
void VdErlLearner::save_state(StateWriter& w) const {
  w.tag("vd-erl");
  critic_.save_state(w);
  w.u64(actors_.size());
  for (const auto& a : actors_) a.save_state(w);
  w.f64(last_policy_loss_);
}

void VdErlLearner::load_state(StateReader& r) {
  r.expect_tag("vd-erl");
  critic_.load_state(r);
  if (r.u64() != actors_.size()) r.fail("VD-ERL checkpoint with another number of agents");
  for (auto& a : actors_) a.load_state(r);
  last_policy_loss_ = r.f64();
}

// ---------------------------------------------------------------------------------------------------
// The actor (eqs. 17-18).

double max_entropy_policy_loss(const nn::Matrix& logits, const nn::MaskMatrix& mask,
                               const Eigen::Ref<const nn::Matrix>& q, float delta,
                               nn::Matrix& probs, nn::Matrix& log_probs, nn::Matrix& grad_logits,
                               double* mean_entropy) {
  const Eigen::Index n = logits.rows(), na = logits.cols();
  probs.resize(n, na);
  log_probs.resize(n, na);
  grad_logits.resize(n, na);
  nn::masked_softmax(logits, mask, probs);
  nn::masked_log_softmax(logits, mask, log_probs);
  const float inv_n = 1.0f / static_cast<float>(n);
  double loss = 0.0, entropy = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    // g_a = delta log pi_a - Q_a;  J_i = sum_a pi_a g_a;  dJ_i/dz_j = pi_j (g_j - J_i).
    double j_i = 0.0, h_i = 0.0;
    for (Eigen::Index a = 0; a < na; ++a) {
      if (!mask(i, a)) continue;
      const double p = probs(i, a);
      j_i += p * (static_cast<double>(delta) * log_probs(i, a) - q(i, a));
      h_i -= p * log_probs(i, a);
    }
    for (Eigen::Index a = 0; a < na; ++a) {
      if (!mask(i, a)) {
        grad_logits(i, a) = 0.0f;
        continue;
      }
      const double g = static_cast<double>(delta) * log_probs(i, a) - q(i, a);
      grad_logits(i, a) = static_cast<float>(probs(i, a) * (g - j_i)) * inv_n;
    }
    loss += j_i;
    entropy += h_i;
  }
  if (mean_entropy != nullptr) *mean_entropy = entropy / static_cast<double>(n);
  return loss / static_cast<double>(n);
}

void DiscreteSacConfig::validate() const {
  auto bad = [](const std::string& key, const std::string& expected) {
    throw InputError("discrete_sac." + key + ": expected " + expected);
  };
  if (hidden.empty()) bad("hidden", "at least one hidden layer size");
  if (!(optimizer.lr > 0.0f)) bad("lr", "a positive learning rate");
  if (!(temperature >= 0.0f)) bad("temperature", "a non-negative value");
  if (auto_temperature && !(temperature > 0.0f))
    bad("temperature", "a positive initial value with auto_temperature");
  if (!(target_entropy_scale >= 0.0f && target_entropy_scale <= 1.0f))
    bad("target_entropy_scale", "a value in [0, 1]");
}

DiscreteSacActor::DiscreteSacActor(int obs_dim, int num_actions, const DiscreteSacConfig& config,
                                   Rng& init_rng)
    : num_actions_(num_actions), config_(config), delta_(config.temperature) {
  config_.validate();
  std::vector<int> sizes{obs_dim};
  sizes.insert(sizes.end(), config_.hidden.begin(), config_.hidden.end());
  sizes.push_back(num_actions);
  policy_ = nn::Mlp(sizes, config_.activation, nn::Activation::Identity, init_rng);
  optimizer_ = nn::Optimizer(config_.optimizer, policy_.params().size());
  log_delta_ = nn::Vector::Constant(1, config_.auto_temperature ? std::log(delta_) : 0.0f);
  log_delta_grad_ = nn::Vector::Zero(1);
  temperature_optimizer_ = nn::Optimizer(nn::OptimizerConfig::adam(config_.temperature_lr), 1);
  one_probs_.resize(1, num_actions);
  one_mask_.resize(1, num_actions);
}

int DiscreteSacActor::sample_action(const float* obs, const std::uint8_t* mask, Rng& rng) {
  const nn::Matrix& logits = policy_.forward_one(obs);
  for (int a = 0; a < num_actions_; ++a) one_mask_(0, a) = mask ? mask[a] : 1;
  nn::masked_softmax(logits, one_mask_, one_probs_);
  // Inverse CDF over the valid actions; the last valid action absorbs rounding.
  const double u = rng.uniform();
  double cum = 0.0;
  int last = -1;
  for (int a = 0; a < num_actions_; ++a) {
    if (!one_mask_(0, a)) continue;
    last = a;
    cum += one_probs_(0, a);
    if (u < cum) return a;
  }
  if (last < 0) throw std::invalid_argument("DiscreteSacActor: the action mask allows no action");
  return last;
}

int DiscreteSacActor::greedy_action(const float* obs, const std::uint8_t* mask) {
  // argmax pi = argmax of the logits over the valid actions (softmax is monotone).
  const nn::Matrix& logits = policy_.forward_one(obs);
  int best = -1;
  for (int a = 0; a < num_actions_; ++a) {
    if (mask && !mask[a]) continue;
    if (best < 0 || logits(0, a) > logits(0, best)) best = a;
  }
  if (best < 0) throw std::invalid_argument("DiscreteSacActor: the action mask allows no action");
  return best;
}

void DiscreteSacActor::distribution(const Eigen::Ref<const nn::Matrix>& obs,
                                    const nn::MaskMatrix& mask, nn::Matrix& probs,
                                    nn::Matrix& log_probs) {
  const nn::Matrix& logits = policy_.forward(obs);
  probs.resize(logits.rows(), logits.cols());
  log_probs.resize(logits.rows(), logits.cols());
  nn::masked_softmax(logits, mask, probs);
  nn::masked_log_softmax(logits, mask, log_probs);
}

double DiscreteSacActor::update(const Eigen::Ref<const nn::Matrix>& obs, const nn::MaskMatrix& mask,
                                const Eigen::Ref<const nn::Matrix>& q) {
  // Policy step on eq. (17) (eq. 18: phi <- phi - lambda grad J_pi).
  const nn::Matrix& logits = policy_.forward(obs);
  const double loss = max_entropy_policy_loss(logits, mask, q, delta_, probs_, log_probs_,
                                              grad_logits_, &last_entropy_);
  policy_.backward(grad_logits_);
  if (config_.grad_clip > 0.0f) nn::clip_grad_norm(policy_.grads(), config_.grad_clip);
  optimizer_.step(policy_.params(), policy_.grads());

  if (config_.auto_temperature) {
    // dJ/dlog(delta) = E[H(pi) - H_target]: with p, log p held constant (CleanRL's discrete SAC).
    double grad = 0.0;
    const Eigen::Index n = obs.rows();
    for (Eigen::Index i = 0; i < n; ++i) {
      int valid = 0;
      double h = 0.0;
      for (Eigen::Index a = 0; a < mask.cols(); ++a)
        if (mask(i, a)) {
          ++valid;
          h -= probs_(i, a) * log_probs_(i, a);
        }
      const double target = config_.target_entropy_scale * std::log(static_cast<double>(valid));
      grad += h - target;
    }
    log_delta_grad_[0] = static_cast<float>(grad / static_cast<double>(n));
    temperature_optimizer_.step(log_delta_, log_delta_grad_);
    delta_ = std::exp(log_delta_[0]);
  }
  return loss;
}

void DiscreteSacActor::save_state(StateWriter& w) const {
  w.tag("discrete-sac");
  w.saved(policy_);
  w.saved(optimizer_);
  w.f32(delta_);
  w.f32(log_delta_[0]);
  w.saved(temperature_optimizer_);
  w.f64(last_entropy_);
}

void DiscreteSacActor::load_state(StateReader& r) {
  r.expect_tag("discrete-sac");
  r.load_into(policy_);
  r.load_into(optimizer_);
  delta_ = r.f32();
  log_delta_[0] = r.f32();
  r.load_into(temperature_optimizer_);
  last_entropy_ = r.f64();
}

}  // namespace semra::rl
