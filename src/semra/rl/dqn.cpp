#include "semra/rl/dqn.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "semra/core/error.hpp"
#include "semra/nn/binary_io.hpp"

namespace semra::rl {

void DqnConfig::validate() const {
  auto bad = [](const std::string& key, const std::string& expected) {
    throw InputError("dqn." + key + ": expected " + expected);
  };
  if (hidden.empty()) bad("hidden", "at least one hidden layer size");
  for (int h : hidden)
    if (h <= 0) bad("hidden", "positive layer sizes");
  if (!(gamma >= 0.0f && gamma <= 1.0f)) bad("gamma", "a value in [0, 1]");
  if (replay_capacity <= 0) bad("replay_capacity", "a positive integer");
  if (batch_size <= 0) bad("batch_size", "a positive integer");
  if (learn_start < 0) bad("learn_start", "a non-negative integer");
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

DqnAgent::DqnAgent(int obs_dim, int num_actions, const DqnConfig& config, Rng& init_rng)
    : obs_dim_(obs_dim),
      num_actions_(num_actions),
      config_(config),
      replay_(config.replay_capacity, obs_dim, num_actions),
      epsilon_(config.epsilon) {
  config_.validate();
  std::vector<int> sizes{obs_dim};
  sizes.insert(sizes.end(), config_.hidden.begin(), config_.hidden.end());
  sizes.push_back(num_actions);
  online_ = nn::Mlp(sizes, config_.activation, nn::Activation::Identity, init_rng);
  target_ = online_;
  optimizer_ = nn::Optimizer(config_.optimizer, online_.params().size());
  const int b = config_.batch_size;
  batch_.resize(b, obs_dim, num_actions);
  targets_.resize(b);
  q_taken_.resize(b);
  grad_q_.resize(b);
  next_actions_.resize(b);
}

int DqnAgent::greedy_action(const float* obs, const std::uint8_t* mask) {
  const nn::Matrix& q = online_.forward_one(obs);
  const int a = masked_argmax(q.data(), mask, num_actions_);
  if (a < 0) throw std::invalid_argument("DqnAgent::act: the action mask allows no action");
  return a;
}

int DqnAgent::act(const float* obs, const std::uint8_t* mask, Rng& rng, bool explore) {
  if (explore && rng.uniform() < epsilon_.eps()) {
    const int a = random_valid_action(mask, num_actions_, rng);
    if (a < 0) throw std::invalid_argument("DqnAgent::act: the action mask allows no action");
    return a;
  }
  return greedy_action(obs, mask);
}

bool DqnAgent::learn(Rng& rng) {
  if (replay_.size() == 0 || replay_.size() < config_.learn_start) return false;
  const DqnConfig& c = config_;
  replay_.sample(c.batch_size, rng, batch_);
  const int n = batch_.size();
  const int na = num_actions_;

  // 1. TD targets, bootstrapping only from actions valid in s' (a' ranges over next_mask):
  //      DQN:         y = r + gamma (1 - done) max_a' Q_target(s', a')
  //      double DQN:  y = r + gamma (1 - done) Q_target(s', argmax_a' Q_online(s', a'))
  //    A next state with no valid action has nothing to bootstrap from: treated as terminal.
  if (c.double_dqn) {
    const nn::Matrix& q_next_online = online_.forward(batch_.next_obs);
    for (int i = 0; i < n; ++i)
      next_actions_[i] =
          masked_argmax(q_next_online.row(i).data(), batch_.next_masks.row(i).data(), na);
  }
  const nn::Matrix& q_next = target_.forward(batch_.next_obs);
  for (int i = 0; i < n; ++i) {
    const int a = c.double_dqn
                      ? next_actions_[i]
                      : masked_argmax(q_next.row(i).data(), batch_.next_masks.row(i).data(), na);
    const float next_value = a >= 0 ? q_next(i, a) : 0.0f;
    targets_[i] = batch_.rewards[i] + c.gamma * (1.0f - batch_.dones[i]) * next_value;
  }

  // 2. Loss on Q_online(s, a) of the taken actions only (targets are constants: no gradient through
  //    the target network). forward_selected evaluates the output layer only at (i, a_i).
  online_.forward_selected(batch_.obs, batch_.actions, q_taken_);
  last_loss_ = nn::vector_loss(c.loss, q_taken_, targets_, grad_q_, c.huber_delta);

  // 3. Gradient step.
  online_.backward_selected(grad_q_);
  if (c.grad_clip > 0.0f) nn::clip_grad_norm(online_.grads(), c.grad_clip);
  optimizer_.step(online_.params(), online_.grads());

  // 4. Target network: Polyak every step, or a hard copy every target_sync_every learning steps.
  ++learn_steps_;
  if (c.tau > 0.0f)
    target_.polyak_update(online_, c.tau);
  else if (learn_steps_ % c.target_sync_every == 0)
    target_.copy_from(online_);

  // 5. Exploration decays per learning step (as the reference), unless the caller schedules it.
  if (c.epsilon_per_learn_step) epsilon_.step();
  return true;
}

// magic[8] "SEMRADQ1" | u32 version | u32 obs_dim, num_actions | i64 learn_steps | f64 eps | i64
// eps_t | u64 FNV-1a 64, then the online network, target network, optimiser and replay-buffer
// records.
namespace {
constexpr char kAgentMagic[9] = "SEMRADQ1";
constexpr std::uint32_t kAgentVersion = 1;
}  // namespace

void DqnAgent::save(std::ostream& os) const {
  nn::BinaryWriter w(os);
  w.bytes(kAgentMagic, 8);
  w.u32(kAgentVersion);
  w.u32(static_cast<std::uint32_t>(obs_dim_));
  w.u32(static_cast<std::uint32_t>(num_actions_));
  w.u64(static_cast<std::uint64_t>(learn_steps_));
  w.f64(epsilon_.eps());
  w.u64(static_cast<std::uint64_t>(epsilon_.t()));
  w.checksum();
  online_.save(os);
  target_.save(os);
  optimizer_.save(os);
  replay_.save(os);
}

void DqnAgent::load(std::istream& is, std::string_view name) {
  nn::BinaryReader r(is, name);
  r.magic(kAgentMagic, "semra DQN agent record");
  r.version(kAgentVersion);
  const std::uint32_t obs_dim = r.u32();
  const std::uint32_t num_actions = r.u32();
  const auto learn_steps = static_cast<std::int64_t>(r.u64());
  const double eps = r.f64();
  const auto eps_t = static_cast<std::int64_t>(r.u64());
  r.checksum();
  if (obs_dim != static_cast<std::uint32_t>(obs_dim_) ||
      num_actions != static_cast<std::uint32_t>(num_actions_))
    r.fail("agent with " + std::to_string(obs_dim) + " inputs and " + std::to_string(num_actions) +
           " actions does not match the expected " + std::to_string(obs_dim_) + " and " +
           std::to_string(num_actions_));
  // Load into copies, then commit: a damaged record leaves this agent as it was.
  nn::Mlp online = online_, target = target_;
  nn::Optimizer optimizer = optimizer_;
  ReplayBuffer replay = replay_;
  online.load(is, name);
  target.load(is, name);
  optimizer.load(is, name);
  replay.load(is, name);
  online_ = std::move(online);
  target_ = std::move(target);
  optimizer_ = std::move(optimizer);
  replay_ = std::move(replay);
  learn_steps_ = learn_steps;
  epsilon_.set_state(eps, eps_t);
}

}  // namespace semra::rl
