#include "semra/rl/dqn.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "semra/core/error.hpp"
#include "semra/nn/binary_io.hpp"

namespace semra::rl {

DqnConfig::DqnConfig() {
  hidden = {64, 32};
  gamma = 0.5f;
  batch_size = 8;
  target_sync_every = 100;
  tau = 0.0f;
  double_q = false;
  // Keras 2 RMSprop as the reference (rho 0.9, eps 1e-7), lr 5e-4 decayed as lr / (1 + 1e-4 t).
  optimizer = nn::OptimizerConfig::keras_rmsprop(5e-4f, 1e-4f);
  grad_clip = 0.0f;
  epsilon = {EpsilonKind::Inverse, 0.6, 0.01, 1e-4, 1e4};
}

void DqnConfig::validate() const {
  QLearningConfig::validate("dqn");
  if (replay_capacity <= 0) throw InputError("dqn.replay_capacity: expected a positive integer");
  if (learn_start < 0) throw InputError("dqn.learn_start: expected a non-negative integer");
}

namespace {
const DqnConfig& validated(const DqnConfig& c) {
  c.validate();
  return c;
}
}  // namespace

DqnAgent::DqnAgent(int obs_dim, int num_actions, const DqnConfig& config, Rng& init_rng)
    : config_(validated(config)),
      q_(1, obs_dim, num_actions, config_, init_rng, nullptr, QLearner::InitStreams::Given),
      replay_(config.replay_capacity, obs_dim, num_actions) {
  batch_.resize(config_.batch_size, obs_dim, num_actions);
}

bool DqnAgent::learn(Rng& rng) {
  if (replay_.size() == 0 || replay_.size() < config_.learn_start) return false;
  replay_.sample(config_.batch_size, rng, batch_);
  // One step of QLearner::learn without a mixer (q_learner.cpp), bootstrapping only from actions
  // valid in s' (a' ranges over next_mask; a next state with no valid action counts as terminal):
  //   DQN:         y = r + gamma (1 - done) max_a' Q_target(s', a')
  //   double DQN:  y = r + gamma (1 - done) Q_target(s', argmax_a' Q_online(s', a'))
  // then the loss on Q_online(s, a) of the taken actions, a gradient step, the target network
  // (Polyak every step, or a hard copy every target_sync_every learning steps) and epsilon, per
  // learning step as the reference unless the caller schedules it.
  last_loss_ = q_.learn(batch_);
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
  w.u32(static_cast<std::uint32_t>(obs_dim()));
  w.u32(static_cast<std::uint32_t>(num_actions()));
  w.u64(static_cast<std::uint64_t>(learn_steps()));
  w.f64(epsilon().eps());
  w.u64(static_cast<std::uint64_t>(epsilon().t()));
  w.checksum();
  online().save(os);
  target().save(os);
  optimizer().save(os);
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
  if (obs_dim != static_cast<std::uint32_t>(this->obs_dim()) ||
      num_actions != static_cast<std::uint32_t>(this->num_actions()))
    r.fail("agent with " + std::to_string(obs_dim) + " inputs and " + std::to_string(num_actions) +
           " actions does not match the expected " + std::to_string(this->obs_dim()) + " and " +
           std::to_string(this->num_actions()));
  // Load into copies, then commit: a damaged record leaves this agent as it was.
  nn::Mlp online = this->online(), target = this->target();
  nn::Optimizer optimizer = this->optimizer();
  ReplayBuffer replay = replay_;
  online.load(is, name);
  target.load(is, name);
  optimizer.load(is, name);
  replay.load(is, name);
  this->online() = std::move(online);
  this->target() = std::move(target);
  this->optimizer() = std::move(optimizer);
  replay_ = std::move(replay);
  set_learn_steps(learn_steps);
  epsilon().set_state(eps, eps_t);
}

}  // namespace semra::rl
