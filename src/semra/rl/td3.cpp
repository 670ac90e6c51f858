#include "semra/rl/td3.hpp"

#include <algorithm>
#include <cmath>

#include "semra/nn/loss.hpp"

namespace semra::rl {

ContinuousReplay::ContinuousReplay(int capacity, int obs_dim, int action_dim)
    : capacity_(capacity),
      obs_dim_(obs_dim),
      action_dim_(action_dim),
      obs_(static_cast<std::size_t>(capacity) * obs_dim),
      actions_(static_cast<std::size_t>(capacity) * action_dim),
      rewards_(capacity),
      next_obs_(static_cast<std::size_t>(capacity) * obs_dim),
      dones_(capacity) {}

void ContinuousReplay::add(const float* obs, const float* action, float reward,
                           const float* next_obs, bool done) {
  const std::size_t i = static_cast<std::size_t>(head_);
  std::copy(obs, obs + obs_dim_, obs_.begin() + i * obs_dim_);
  std::copy(action, action + action_dim_, actions_.begin() + i * action_dim_);
  rewards_[i] = reward;
  std::copy(next_obs, next_obs + obs_dim_, next_obs_.begin() + i * obs_dim_);
  dones_[i] = done ? 1.0f : 0.0f;
  head_ = (head_ + 1) % capacity_;
  size_ = std::min(size_ + 1, capacity_);
}

void ContinuousReplay::sample(Rng& rng, nn::Matrix& obs, nn::Matrix& actions, nn::Vector& rewards,
                              nn::Matrix& next_obs, nn::Vector& dones) const {
  for (Eigen::Index b = 0; b < obs.rows(); ++b) {
    const std::size_t i = static_cast<std::size_t>(rng.uniform_int(size_));
    for (int j = 0; j < obs_dim_; ++j) {
      obs(b, j) = obs_[i * obs_dim_ + j];
      next_obs(b, j) = next_obs_[i * obs_dim_ + j];
    }
    for (int j = 0; j < action_dim_; ++j) actions(b, j) = actions_[i * action_dim_ + j];
    rewards[b] = rewards_[i];
    dones[b] = dones_[i];
  }
}

void ContinuousReplay::save_state(StateWriter& w) const {
  w.tag("continuous-replay");
  for (int v : {capacity_, obs_dim_, action_dim_, head_, size_}) w.i64(v);
  // Slots fill in order before the ring wraps, so the stored transitions are [0, size).
  const auto n = static_cast<std::size_t>(size_);
  auto prefix = [&](const std::vector<float>& v, int per) {
    w.raw(v.data(), n * static_cast<std::size_t>(per) * sizeof(float));
  };
  prefix(obs_, obs_dim_);
  prefix(actions_, action_dim_);
  prefix(rewards_, 1);
  prefix(next_obs_, obs_dim_);
  prefix(dones_, 1);
}

void ContinuousReplay::load_state(StateReader& r) {
  r.expect_tag("continuous-replay");
  std::int64_t d[5];
  for (auto& v : d) v = r.i64();
  if (d[0] != capacity_ || d[1] != obs_dim_ || d[2] != action_dim_)
    r.fail("continuous replay buffer of another capacity or dimensions");
  if (d[3] < 0 || d[3] >= capacity_ || d[4] < 0 || d[4] > capacity_)
    r.fail("corrupt continuous replay buffer (head/size)");
  const auto n = static_cast<std::size_t>(d[4]);
  auto prefix = [&](std::vector<float>& v, int per) {
    r.raw(v.data(), n * static_cast<std::size_t>(per) * sizeof(float));
  };
  prefix(obs_, obs_dim_);
  prefix(actions_, action_dim_);
  prefix(rewards_, 1);
  prefix(next_obs_, obs_dim_);
  prefix(dones_, 1);
  head_ = static_cast<int>(d[3]);
  size_ = static_cast<int>(d[4]);
}

namespace {
std::vector<int> sizes(int in, const std::vector<int>& hidden, int out) {
  std::vector<int> s{in};
  s.insert(s.end(), hidden.begin(), hidden.end());
  s.push_back(out);
  return s;
}
}  // namespace

Td3Agent::Td3Agent(int obs_dim, int action_dim, const Td3Config& config, Rng& init_rng)
    : obs_dim_(obs_dim),
      action_dim_(action_dim),
      config_(config),
      actor_(sizes(obs_dim, config.hidden, action_dim), nn::Activation::Relu, nn::Activation::Tanh,
             init_rng),
      q1_(sizes(obs_dim + action_dim, config.hidden, 1), nn::Activation::Relu,
          nn::Activation::Identity, init_rng),
      q2_(sizes(obs_dim + action_dim, config.hidden, 1), nn::Activation::Relu,
          nn::Activation::Identity, init_rng),
      actor_opt_(nn::OptimizerConfig::adam(config.actor_lr), actor_.params().size()),
      q1_opt_(nn::OptimizerConfig::adam(config.critic_lr), q1_.params().size()),
      q2_opt_(nn::OptimizerConfig::adam(config.critic_lr), q2_.params().size()),
      replay_(config.replay_capacity, obs_dim, action_dim) {
  sync_targets();
  const int b = config_.batch_size;
  obs_.resize(b, obs_dim);
  next_obs_.resize(b, obs_dim);
  actions_.resize(b, action_dim);
  sa_.resize(b, obs_dim + action_dim);
  next_sa_.resize(b, obs_dim + action_dim);
  y_.resize(b, 1);
  grad_.resize(b, 1);
  actor_grad_.resize(b, action_dim);
  rewards_.resize(b);
  dones_.resize(b);
}

void Td3Agent::sync_targets() {
  actor_target_ = actor_;
  q1_target_ = q1_;
  q2_target_ = q2_;
}

void Td3Agent::save_state(StateWriter& w) const {
  w.tag("td3");
  for (const nn::Mlp* net : {&actor_, &actor_target_, &q1_, &q2_, &q1_target_, &q2_target_})
    w.saved(*net);
  for (const nn::Optimizer* opt : {&actor_opt_, &q1_opt_, &q2_opt_}) w.saved(*opt);
  replay_.save_state(w);
  w.i64(learn_steps_);
  w.f64(last_critic_loss_);
}

void Td3Agent::load_state(StateReader& r) {
  r.expect_tag("td3");
  for (nn::Mlp* net : {&actor_, &actor_target_, &q1_, &q2_, &q1_target_, &q2_target_})
    r.load_into(*net);
  for (nn::Optimizer* opt : {&actor_opt_, &q1_opt_, &q2_opt_}) r.load_into(*opt);
  replay_.load_state(r);
  learn_steps_ = r.i64();
  last_critic_loss_ = r.f64();
}

void Td3Agent::act(const float* obs, float* action, Rng& rng, bool explore) {
  const nn::Matrix& a = actor_.forward_one(obs);
  for (int j = 0; j < action_dim_; ++j) {
    float v = a(0, j);
    if (explore) {
      v = replay_.size() < config_.learn_start
              ? static_cast<float>(rng.uniform(-1.0, 1.0))
              : v + static_cast<float>(rng.normal(0.0, config_.exploration_noise));
    }
    action[j] = std::clamp(v, -1.0f, 1.0f);
  }
}

bool Td3Agent::learn(Rng& rng) {
  if (replay_.size() == 0 || replay_.size() < config_.learn_start) return false;
  const Td3Config& c = config_;
  replay_.sample(rng, obs_, actions_, rewards_, next_obs_, dones_);
  const int n = static_cast<int>(obs_.rows());

  // 1. Targets with policy smoothing and the smaller of the two target critics.
  const nn::Matrix& a_next = actor_target_.forward(next_obs_);
  next_sa_.leftCols(obs_dim_) = next_obs_;
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < action_dim_; ++j) {
      const float noise = std::clamp(static_cast<float>(rng.normal(0.0, c.target_noise)),
                                     -c.target_noise_clip, c.target_noise_clip);
      next_sa_(i, obs_dim_ + j) = std::clamp(a_next(i, j) + noise, -1.0f, 1.0f);
    }
  }
  const nn::Matrix& q1n = q1_target_.forward(next_sa_);
  for (int i = 0; i < n; ++i) y_(i, 0) = q1n(i, 0);
  const nn::Matrix& q2n = q2_target_.forward(next_sa_);
  for (int i = 0; i < n; ++i) {
    y_(i, 0) = rewards_[i] + c.gamma * (1.0f - dones_[i]) * std::min(y_(i, 0), q2n(i, 0));
  }

  // 2. Critics regress on y.
  sa_.leftCols(obs_dim_) = obs_;
  sa_.rightCols(action_dim_) = actions_;
  const nn::Matrix& q1 = q1_.forward(sa_);
  last_critic_loss_ = nn::mse_loss(q1, y_, grad_);
  q1_.backward(grad_);
  q1_opt_.step(q1_.params(), q1_.grads());
  const nn::Matrix& q2 = q2_.forward(sa_);
  last_critic_loss_ += nn::mse_loss(q2, y_, grad_);
  q2_.backward(grad_);
  q2_opt_.step(q2_.params(), q2_.grads());

  // 3. Delayed actor update: ascend Q1(s, pi(s)); dL/da = -dQ1/da / n, back through the actor.
  ++learn_steps_;
  if (learn_steps_ % c.policy_delay == 0) {
    const nn::Matrix& a = actor_.forward(obs_);
    sa_.rightCols(action_dim_) = a;
    q1_.forward(sa_);
    grad_.setConstant(-1.0f / static_cast<float>(n));
    nn::BackwardOptions opt;
    opt.input_grad = true;
    opt.param_grads = false;
    const nn::Matrix& dsa = q1_.backward(grad_, opt);
    actor_grad_ = dsa.rightCols(action_dim_);
    actor_.backward(actor_grad_);
    actor_opt_.step(actor_.params(), actor_.grads());
    actor_target_.polyak_update(actor_, c.tau);
    q1_target_.polyak_update(q1_, c.tau);
    q2_target_.polyak_update(q2_, c.tau);
  }
  return true;
}

}  // namespace semra::rl
