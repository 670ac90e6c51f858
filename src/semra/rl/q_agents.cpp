#include "semra/rl/q_agents.hpp"

#include <stdexcept>
#include <string>

#include "semra/core/error.hpp"

namespace semra::rl {

void QLearningConfig::validate(std::string_view section) const {
  auto bad = [section](const std::string& key, const std::string& expected) {
    throw InputError(std::string(section) + "." + key + ": expected " + expected);
  };
  if (hidden.empty()) bad("hidden", "at least one hidden layer size");
  for (const int h : hidden)
    if (h <= 0) bad("hidden", "positive layer sizes");
  if (!(gamma >= 0.0f && gamma <= 1.0f)) bad("gamma", "a value in [0, 1]");
  if (batch_size <= 0) bad("batch_size", "a positive integer");
  if (target_sync_every <= 0) bad("target_sync_every", "a positive integer");
  if (!(tau >= 0.0f && tau <= 1.0f)) bad("tau", "a value in [0, 1] (0 = hard sync)");
  if (!(huber_delta > 0.0f)) bad("huber_delta", "a positive value");
  if (!(optimizer.lr > 0.0f)) bad("lr", "a positive learning rate");
  if (!(optimizer.lr_decay >= 0.0f)) bad("lr_decay", "a non-negative value");
  if (!(grad_clip >= 0.0f)) bad("grad_clip", "a non-negative value (0 = off)");
  if (!(epsilon.start >= 0.0 && epsilon.start <= 1.0)) bad("eps_start", "a value in [0, 1]");
  if (!(epsilon.end >= 0.0 && epsilon.end <= 1.0)) bad("eps_min", "a value in [0, 1]");
  if (!(epsilon.decay >= 0.0)) bad("eps_decay", "a non-negative value");
  if (!(epsilon.duration > 0.0)) bad("eps_duration", "a positive number of steps");
}

int masked_argmax(const float* q, const std::uint8_t* mask, int n) {
  int best = -1;
  for (int i = 0; i < n; ++i) {
    if (mask && !mask[i]) continue;
    if (best < 0 || q[i] > q[best]) best = i;  // strict >: ties keep the lowest index
  }
  return best;
}

int random_valid_action(const std::uint8_t* mask, int n, Rng& rng) {
  if (!mask) return rng.uniform_int(n);
  int valid = 0;
  for (int i = 0; i < n; ++i) valid += mask[i] ? 1 : 0;
  if (valid == 0) return -1;
  int k = rng.uniform_int(valid);
  for (int i = 0; i < n; ++i)
    if (mask[i] && k-- == 0) return i;
  return -1;  // unreachable
}

QAgentSet::QAgentSet(int agents, int obs_dim, int num_actions, const QLearningConfig& config,
                     Rng& init_rng, InitStreams streams)
    : obs_dim_(obs_dim), num_actions_(num_actions), config_(config), epsilon_(config.epsilon) {
  if (streams == InitStreams::Given && agents != 1)
    throw std::invalid_argument("QAgentSet: a given init stream serves one agent only");
  std::vector<int> sizes{obs_dim};
  sizes.insert(sizes.end(), config_.hidden.begin(), config_.hidden.end());
  sizes.push_back(num_actions);
  for (int v = 0; v < agents; ++v) {
    if (streams == InitStreams::Given) {
      online_.emplace_back(sizes, config_.activation, nn::Activation::Identity, init_rng);
    } else {
      Rng rng = init_rng.child("agent", static_cast<std::uint64_t>(v));
      online_.emplace_back(sizes, config_.activation, nn::Activation::Identity, rng);
    }
    target_.push_back(online_.back());
    optimizers_.emplace_back(config_.optimizer, online_.back().params().size());
  }
  next_value_.resize(config_.batch_size);
  next_actions_.resize(config_.batch_size);
}

int QAgentSet::greedy_action(int v, const float* obs, const std::uint8_t* mask) {
  const nn::Matrix& q = online(v).forward_one(obs);
  const int a = masked_argmax(q.data(), mask, num_actions_);
  if (a < 0) throw std::invalid_argument("Q agent: the action mask allows no action");
  return a;
}

int QAgentSet::act(int v, const float* obs, const std::uint8_t* mask, Rng& rng, bool explore) {
  if (explore && rng.uniform() < epsilon_.eps()) {
    const int a = random_valid_action(mask, num_actions_, rng);
    if (a < 0) throw std::invalid_argument("Q agent: the action mask allows no action");
    return a;
  }
  return greedy_action(v, obs, mask);
}

const nn::Vector& QAgentSet::bootstrap(int v, const nn::Matrix& next_obs,
                                       const nn::MaskMatrix& next_mask) {
  const Eigen::Index n = next_obs.rows();
  next_value_.resize(n);
  next_actions_.resize(n);
  if (config_.double_q) {
    const nn::Matrix& qo = online(v).forward(next_obs);
    for (Eigen::Index i = 0; i < n; ++i)
      next_actions_[i] = masked_argmax(qo.row(i).data(), next_mask.row(i).data(), num_actions_);
  }
  const nn::Matrix& qt = target(v).forward(next_obs);
  for (Eigen::Index i = 0; i < n; ++i) {
    const int a = config_.double_q
                      ? next_actions_[i]
                      : masked_argmax(qt.row(i).data(), next_mask.row(i).data(), num_actions_);
    next_value_[i] = a >= 0 ? qt(i, a) : 0.0f;
  }
  return next_value_;
}

void QAgentSet::taken_q(int v, const nn::Matrix& obs, const Eigen::VectorXi& actions,
                        nn::Vector& q) {
  online(v).forward_selected(obs, actions, q);
}

void QAgentSet::step(int v, const nn::Vector& grad_q) {
  nn::Mlp& net = online(v);
  net.backward_selected(grad_q);
  if (config_.grad_clip > 0.0f) nn::clip_grad_norm(net.grads(), config_.grad_clip);
  optimizer(v).step(net.params(), net.grads());
}

TargetUpdate QAgentSet::end_learning_step(bool step_epsilon) {
  ++learn_steps_;
  TargetUpdate update = TargetUpdate::None;
  if (config_.tau > 0.0f)
    update = TargetUpdate::Polyak;
  else if (learn_steps_ % config_.target_sync_every == 0)
    update = TargetUpdate::Copy;
  for (int v = 0; v < agents(); ++v) {
    if (update == TargetUpdate::Polyak)
      target(v).polyak_update(online(v), config_.tau);
    else if (update == TargetUpdate::Copy)
      target(v).copy_from(online(v));
  }
  if (step_epsilon) epsilon_.step();
  return update;
}

void QAgentSet::save_networks(StateWriter& w) const {
  w.u64(online_.size());
  for (std::size_t v = 0; v < online_.size(); ++v) {
    w.saved(online_[v]);
    w.saved(target_[v]);
    w.saved(optimizers_[v]);
  }
}

void QAgentSet::load_networks(StateReader& r, std::string_view learner) {
  if (r.u64() != online_.size())
    r.fail(std::string(learner) + " checkpoint with another number of agents");
  for (std::size_t v = 0; v < online_.size(); ++v) {
    r.load_into(online_[v]);
    r.load_into(target_[v]);
    r.load_into(optimizers_[v]);
  }
}

void QAgentSet::save_progress(StateWriter& w) const {
  epsilon_.save_state(w);
  w.i64(learn_steps_);
}

void QAgentSet::load_progress(StateReader& r) {
  epsilon_.load_state(r);
  learn_steps_ = r.i64();
}

}  // namespace semra::rl
