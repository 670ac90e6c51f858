#include "semra/rl/vdn.hpp"

#include <stdexcept>
#include <string>

#include "semra/core/error.hpp"
#include "semra/rl/dqn.hpp"  // masked_argmax, random_valid_action

namespace semra::rl {

void VdnConfig::validate() const {
  auto bad = [](const std::string& key, const std::string& expected) {
    throw InputError("vdn." + key + ": expected " + expected);
  };
  if (hidden.empty()) bad("hidden", "at least one hidden layer size");
  for (const int h : hidden)
    if (h <= 0) bad("hidden", "positive layer sizes");
  if (!(gamma >= 0.0f && gamma <= 1.0f)) bad("gamma", "a value in [0, 1]");
  if (batch_size <= 0) bad("batch_size", "a positive integer");
  if (target_sync_every <= 0) bad("target_sync_every", "a positive integer");
  if (!(tau >= 0.0f && tau <= 1.0f)) bad("tau", "a value in [0, 1]");
  if (!(optimizer.lr > 0.0f)) bad("lr", "a positive learning rate");
  if (!(grad_clip >= 0.0f)) bad("grad_clip", "a non-negative value");
}

VdnLearner::VdnLearner(int agents, int obs_dim, int num_actions, const VdnConfig& config,
                       Rng& init_rng)
    : obs_dim_(obs_dim), num_actions_(num_actions), config_(config), epsilon_(config.epsilon) {
  config_.validate();
  std::vector<int> sizes{obs_dim};
  sizes.insert(sizes.end(), config_.hidden.begin(), config_.hidden.end());
  sizes.push_back(num_actions);
  for (int v = 0; v < agents; ++v) {
    Rng rng = init_rng.child("agent", static_cast<std::uint64_t>(v));
    online_.emplace_back(sizes, config_.activation, nn::Activation::Identity, rng);
    target_.push_back(online_.back());
    optimizers_.emplace_back(config_.optimizer, online_.back().params().size());
  }
  const int b = config_.batch_size;
  targets_.resize(b);
  next_sum_.resize(b);
  q_tot_.resize(b);
  grad_q_tot_.resize(b);
  q_taken_.assign(static_cast<std::size_t>(agents), nn::Vector(b));
  next_actions_.resize(b);
}

int VdnLearner::greedy_action(int agent, const float* obs, const std::uint8_t* mask) {
  const nn::Matrix& q = online(agent).forward_one(obs);
  const int a = masked_argmax(q.data(), mask, num_actions_);
  if (a < 0) throw std::invalid_argument("VdnLearner: the action mask allows no action");
  return a;
}

int VdnLearner::act(int agent, const float* obs, const std::uint8_t* mask, Rng& rng, bool explore) {
  if (explore && rng.uniform() < epsilon_.eps()) {
    const int a = random_valid_action(mask, num_actions_, rng);
    if (a < 0) throw std::invalid_argument("VdnLearner: the action mask allows no action");
    return a;
  }
  return greedy_action(agent, obs, mask);
}

const nn::Matrix& VdnLearner::target_q(int agent, const Eigen::Ref<const nn::Matrix>& obs) {
  return target(agent).forward(obs);
}

const nn::Matrix& VdnLearner::online_q(int agent, const Eigen::Ref<const nn::Matrix>& obs) {
  return online(agent).forward(obs);
}

double VdnLearner::learn(const JointBatch& batch, const nn::Vector* next_value) {
  const VdnConfig& c = config_;
  const int n = batch.size();
  if (n != c.batch_size)
    throw std::invalid_argument("VdnLearner::learn: batch size differs from config");
  const int agents = this->agents();

  // 1. Bootstrap value of s': sum_v max_{a' valid} Q_target_v(o'_v, a') (eq. 14), or the caller's.
  if (next_value != nullptr) {
    next_sum_ = *next_value;
  } else {
    next_sum_.setZero();
    for (int v = 0; v < agents; ++v) {
      const auto& next_obs = batch.next_obs[static_cast<std::size_t>(v)];
      const auto& next_mask = batch.next_masks[static_cast<std::size_t>(v)];
      if (c.double_q) {
        const nn::Matrix& qo = online(v).forward(next_obs);
        for (int i = 0; i < n; ++i)
          next_actions_[i] = masked_argmax(qo.row(i).data(), next_mask.row(i).data(), num_actions_);
      }
      const nn::Matrix& qt = target(v).forward(next_obs);
      for (int i = 0; i < n; ++i) {
        const int a = c.double_q
                          ? next_actions_[i]
                          : masked_argmax(qt.row(i).data(), next_mask.row(i).data(), num_actions_);
        next_sum_[i] += a >= 0 ? qt(i, a) : 0.0f;
      }
    }
  }
  // y = r + gamma (1 - done) V(s')
  targets_ =
      batch.team_rewards.array() + c.gamma * (1.0f - batch.dones.array()) * next_sum_.array();

  // 2. Q_tot(s, a) = sum_v Q_v(o_v, a_v) (eq. 13), and dJ/dQ_tot.
  q_tot_.setZero();
  for (int v = 0; v < agents; ++v) {
    auto& qv = q_taken_[static_cast<std::size_t>(v)];
    online(v).forward_selected(batch.obs[static_cast<std::size_t>(v)],
                               batch.actions[static_cast<std::size_t>(v)], qv);
    q_tot_ += qv;
  }
  const double loss = nn::vector_loss(c.loss, q_tot_, targets_, grad_q_tot_, c.huber_delta);

  // 3. dJ/dtheta_v = dJ/dQ_tot dQ_v/dtheta_v (eq. 16): the same output gradient for every agent;
  //    each agent steps its own optimiser (eq. 15).
  for (int v = 0; v < agents; ++v) {
    nn::Mlp& net = online(v);
    net.backward_selected(grad_q_tot_);
    if (c.grad_clip > 0.0f) nn::clip_grad_norm(net.grads(), c.grad_clip);
    optimizers_[static_cast<std::size_t>(v)].step(net.params(), net.grads());
  }

  // 4. Targets: Polyak every step or a hard copy every target_sync_every steps.
  ++learn_steps_;
  for (int v = 0; v < agents; ++v) {
    if (c.tau > 0.0f)
      target(v).polyak_update(online(v), c.tau);
    else if (learn_steps_ % c.target_sync_every == 0)
      target(v).copy_from(online(v));
  }
  epsilon_.step();
  return loss;
}

void VdnLearner::save_state(StateWriter& w) const {
  w.tag("vdn");
  w.u64(online_.size());
  for (std::size_t v = 0; v < online_.size(); ++v) {
    w.saved(online_[v]);
    w.saved(target_[v]);
    w.saved(optimizers_[v]);
  }
  epsilon_.save_state(w);
  w.i64(learn_steps_);
}

void VdnLearner::load_state(StateReader& r) {
  r.expect_tag("vdn");
  if (r.u64() != online_.size()) r.fail("VDN checkpoint with another number of agents");
  for (std::size_t v = 0; v < online_.size(); ++v) {
    r.load_into(online_[v]);
    r.load_into(target_[v]);
    r.load_into(optimizers_[v]);
  }
  epsilon_.load_state(r);
  learn_steps_ = r.i64();
}

}  // namespace semra::rl
