#include "semra/rl/q_learner.hpp"

#include <cctype>
#include <stdexcept>
#include <string>
#include <utility>

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

QBatch::QBatch(const JointBatch& b)
    : obs(b.obs),
      next_obs(b.next_obs),
      actions(b.actions),
      next_masks(b.next_masks),
      rewards(b.rewards),
      team_rewards(&b.team_rewards),
      dones(&b.dones),
      states(&b.states),
      next_states(&b.next_states) {}

QBatch::QBatch(const ReplayBatch& b)
    : obs(&b.obs, 1),
      next_obs(&b.next_obs, 1),
      actions(&b.actions, 1),
      next_masks(&b.next_masks, 1),
      rewards(&b.rewards, 1),
      dones(&b.dones) {}

QLearner::QLearner(int agents, int obs_dim, int num_actions, const QLearningConfig& config,
                   Rng& init_rng, std::unique_ptr<Mixer> mixer, InitStreams streams)
    : obs_dim_(obs_dim),
      num_actions_(num_actions),
      config_(config),
      mixer_(std::move(mixer)),
      epsilon_(config.epsilon) {
  config_.validate(name());
  if (streams == InitStreams::Given && agents != 1)
    throw std::invalid_argument("QLearner: a given init stream serves one agent only");
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
  if (mixer_) {
    target_mixer_ = mixer_->clone();
    for (const nn::Mlp* net : std::as_const(*mixer_).networks())
      mixer_optimizers_.emplace_back(config_.optimizer, net->params().size());
  }
  const int b = config_.batch_size;
  next_values_.resize(b, agents);
  q_taken_.resize(b, agents);
  grad_q_.resize(b, agents);
  targets_.assign(mixer_ ? 1 : static_cast<std::size_t>(agents), nn::Vector(b));
  grad_q_tot_.resize(b);
  next_actions_.resize(b);
}

int QLearner::greedy_action(int v, const float* obs, const std::uint8_t* mask) {
  const nn::Matrix& q = online(v).forward_one(obs);
  const int a = masked_argmax(q.data(), mask, num_actions_);
  if (a < 0) throw std::invalid_argument("Q agent: the action mask allows no action");
  return a;
}

int QLearner::act(int v, const float* obs, const std::uint8_t* mask, Rng& rng, bool explore) {
  if (explore && rng.uniform() < epsilon_.eps()) {
    const int a = random_valid_action(mask, num_actions_, rng);
    if (a < 0) throw std::invalid_argument("Q agent: the action mask allows no action");
    return a;
  }
  return greedy_action(v, obs, mask);
}

const AgentValues& QLearner::max_next_values(const QBatch& b) {
  // V_v(o'_v) = Q_target_v(o'_v, a*), a* = argmax_{a' valid} Q_target_v(o'_v, a') (DQN), or
  //                                   a* = argmax_{a' valid} Q_online_v(o'_v, a') (double DQN).
  const int n = b.size();
  next_values_.resize(n, agents());
  next_actions_.resize(n);
  for (int v = 0; v < agents(); ++v) {
    const auto& next_obs = b.next_obs[static_cast<std::size_t>(v)];
    const auto& next_mask = b.next_masks[static_cast<std::size_t>(v)];
    if (config_.double_q) {
      const nn::Matrix& qo = online(v).forward(next_obs);
      for (int i = 0; i < n; ++i)
        next_actions_[i] = masked_argmax(qo.row(i).data(), next_mask.row(i).data(), num_actions_);
    }
    const nn::Matrix& qt = target(v).forward(next_obs);
    for (int i = 0; i < n; ++i) {
      const int a = config_.double_q
                        ? next_actions_[i]
                        : masked_argmax(qt.row(i).data(), next_mask.row(i).data(), num_actions_);
      next_values_(i, v) = a >= 0 ? qt(i, a) : 0.0f;  // no valid action: nothing to bootstrap
    }
  }
  return next_values_;
}

double QLearner::learn(const QBatch& b) {
  return learn(b, max_next_values(b));
}

double QLearner::learn(const QBatch& b, const AgentValues& next_values) {
  const QLearningConfig& c = config_;
  const int n = b.size();
  if (n != c.batch_size || static_cast<int>(b.obs.size()) != agents() || next_values.rows() != n ||
      next_values.cols() != agents())
    throw std::invalid_argument("QLearner::learn: batch of another size than the learner's");
  if (mixer_ && (!b.team_rewards || !b.states))
    throw std::invalid_argument("QLearner::learn: a mixer learns from a joint batch");
  const auto agent = [](int v) { return static_cast<std::size_t>(v); };
  const auto not_done = 1.0f - b.dones->array();

  // 1. TD targets, bootstrapping from the next values V_v(o'_v) (targets are constants: no
  //    gradient flows through them):
  //      no mixer:  y_v = r_v + gamma (1 - done) V_v(o'_v)
  //      mixer:     y   = r   + gamma (1 - done) Q_tot_target(V_1..V_N; s')
  //    (VDN, eq. 14: the sum of the per-agent maxima is the max of the sum.)
  if (mixer_) {
    const nn::Vector& next_tot = target_mixer_->forward(next_values, *b.next_states);
    targets_[0] = b.team_rewards->array() + c.gamma * not_done * next_tot.array();
  } else {
    for (int v = 0; v < agents(); ++v)
      targets_[agent(v)] =
          b.rewards[agent(v)].array() + c.gamma * not_done * next_values.col(v).array();
  }

  // 2. Q_theta_v(o_v, a_v) of the taken actions (forward_selected evaluates the output layer only
  //    at (i, a_i)), mixed into Q_tot (eq. 13 for VDN), and the TD loss with dL/dQ.
  for (int v = 0; v < agents(); ++v)
    online(v).forward_selected(b.obs[agent(v)], b.actions[agent(v)], q_taken_.col(v));
  double loss = 0.0;
  if (mixer_) {
    const nn::Vector& q_tot = mixer_->forward(q_taken_, *b.states);
    loss = nn::vector_loss(c.loss, q_tot, targets_[0], grad_q_tot_, c.huber_delta);
  } else {
    for (int v = 0; v < agents(); ++v)
      loss += nn::vector_loss(c.loss, q_taken_.col(v), targets_[agent(v)], grad_q_.col(v),
                              c.huber_delta);
    loss /= agents();
  }

  // 3. Gradient steps, each network clipped to grad_clip (when > 0) with its own optimiser: the
  //    mixer's networks, then every agent with dL/dQ_v (VDN, eq. 16: dL/dQ_tot for every v; each
  //    agent steps on its own, eq. 15).
  const AgentValues& grad_q = mixer_ ? mixer_->backward(grad_q_tot_) : grad_q_;
  if (mixer_) {
    const std::vector<nn::Mlp*> nets = mixer_->networks();
    for (std::size_t m = 0; m < nets.size(); ++m) {
      if (c.grad_clip > 0.0f) nn::clip_grad_norm(nets[m]->grads(), c.grad_clip);
      mixer_optimizers_[m].step(nets[m]->params(), nets[m]->grads());
    }
  }
  for (int v = 0; v < agents(); ++v) {
    nn::Mlp& net = online(v);
    net.backward_selected(grad_q.col(v));
    if (c.grad_clip > 0.0f) nn::clip_grad_norm(net.grads(), c.grad_clip);
    optimizer(v).step(net.params(), net.grads());
  }

  // 4. Target networks, the agents' and the mixer's alike: Polyak every step when tau > 0, else a
  //    hard copy every target_sync_every learning steps. Then epsilon (unless the caller steps it).
  ++learn_steps_;
  const bool polyak = c.tau > 0.0f, copy = !polyak && learn_steps_ % c.target_sync_every == 0;
  auto update_target = [&](nn::Mlp& target, const nn::Mlp& online) {
    if (polyak)
      target.polyak_update(online, c.tau);
    else if (copy)
      target.copy_from(online);
  };
  for (int v = 0; v < agents(); ++v) update_target(target(v), online(v));
  if (mixer_) {
    const std::vector<nn::Mlp*> targets = target_mixer_->networks(), onlines = mixer_->networks();
    for (std::size_t m = 0; m < targets.size(); ++m) update_target(*targets[m], *onlines[m]);
  }
  if (c.epsilon_per_learn_step) epsilon_.step();
  return loss;
}

void QLearner::save_state(StateWriter& w) const {
  w.tag(name());
  w.u64(online_.size());
  for (std::size_t v = 0; v < online_.size(); ++v) {
    w.saved(online_[v]);
    w.saved(target_[v]);
    w.saved(optimizers_[v]);
  }
  if (!mixer_optimizers_.empty()) {
    for (const Mixer* m : {mixer_.get(), target_mixer_.get()})
      for (const nn::Mlp* net : m->networks()) w.saved(*net);
    w.u64(mixer_optimizers_.size());
    for (const auto& opt : mixer_optimizers_) w.saved(opt);
  }
  epsilon_.save_state(w);
  w.i64(learn_steps_);
}

void QLearner::load_state(StateReader& r) {
  r.expect_tag(name());
  std::string learner(name());
  for (char& ch : learner) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (r.u64() != online_.size()) r.fail(learner + " checkpoint with another number of agents");
  for (std::size_t v = 0; v < online_.size(); ++v) {
    r.load_into(online_[v]);
    r.load_into(target_[v]);
    r.load_into(optimizers_[v]);
  }
  if (!mixer_optimizers_.empty()) {
    for (Mixer* m : {mixer_.get(), target_mixer_.get()})
      for (nn::Mlp* net : m->networks()) r.load_into(*net);
    if (r.u64() != mixer_optimizers_.size()) r.fail(learner + " checkpoint with another mixer");
    for (auto& opt : mixer_optimizers_) r.load_into(opt);
  }
  epsilon_.load_state(r);
  learn_steps_ = r.i64();
}

}  // namespace semra::rl
