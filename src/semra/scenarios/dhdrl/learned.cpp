#include "semra/scenarios/dhdrl/learned.hpp"

#include <filesystem>

#include "semra/core/error.hpp"
#include "semra/nn/loss.hpp"
#include "semra/nn/optim.hpp"

namespace semra::dhdrl {

rl::DqnConfig dqn_config(const Config& c, double gamma) {
  rl::DqnConfig d;
  d.hidden.clear();
  for (double h : c.hidden) d.hidden.push_back(static_cast<int>(h));
  d.gamma = static_cast<float>(gamma);
  d.replay_capacity = c.replay_capacity;
  d.batch_size = c.batch_size;
  d.learn_start = c.batch_size;
  d.target_sync_every = c.target_sync_steps;
  d.double_dqn = c.double_dqn;
  d.loss = nn::parse_loss(c.loss);
  const float lr = static_cast<float>(c.lr);
  const float decay = static_cast<float>(c.lr_decay);
  if (c.optimizer == "rmsprop") {
    d.optimizer = nn::OptimizerConfig::keras_rmsprop(lr, decay);
  } else if (c.optimizer == "adam") {
    d.optimizer = nn::OptimizerConfig::adam(lr);
    d.optimizer.lr_decay = decay;
  } else {
    d.optimizer = nn::OptimizerConfig::sgd(lr);
    d.optimizer.lr_decay = decay;
  }
  d.epsilon = {rl::EpsilonKind::Inverse, c.epsilon_start, c.epsilon_min, c.epsilon_decay, 1e4};
  return d;
}

void save_agents(const std::vector<rl::DqnAgent>& agents, const std::string& dir,
                 const std::string& prefix) {
  for (std::size_t i = 0; i < agents.size(); ++i) {
    agents[i].online().save(dir + "/" + prefix + "_" + std::to_string(i) + ".semrann");
  }
}

void load_agents(std::vector<rl::DqnAgent>& agents, const std::string& dir,
                 const std::string& prefix) {
  namespace fs = std::filesystem;
  std::size_t saved = 0;
  while (fs::exists(dir + "/" + prefix + "_" + std::to_string(saved) + ".semrann")) ++saved;
  if (saved == 0) {
    throw InputError("eval.load: no " + prefix + "_0.semrann in '" + dir +
                     "' (a directory written by --save-models for this scheme)");
  }
  for (std::size_t i = 0; i < agents.size(); ++i) {
    agents[i].online().load(dir + "/" + prefix + "_" + std::to_string(i % saved) + ".semrann");
    agents[i].target().copy_from(agents[i].online());
  }
}

namespace {

// A sequence of objects with save(std::ostream&) / load(std::istream&, name) (DqnAgent), or of
// Rng streams, or of vectors of plain values: one helper per kind, sizes checked on load.
void save_all(StateWriter& w, const std::vector<rl::DqnAgent>& agents) {
  w.u64(agents.size());
  for (const auto& a : agents) w.saved(a);
}
void load_all(StateReader& r, std::vector<rl::DqnAgent>& agents) {
  if (r.u64() != agents.size()) r.fail("checkpoint with another number of DQN agents");
  for (auto& a : agents) r.load_into(a);
}
void save_all(StateWriter& w, const std::vector<Rng>& rngs) {
  w.u64(rngs.size());
  for (const auto& g : rngs) w.rng(g);
}
void load_all(StateReader& r, std::vector<Rng>& rngs) {
  if (r.u64() != rngs.size()) r.fail("checkpoint with another number of Rng streams");
  for (auto& g : rngs) r.rng(g);
}
template <class T>
void load_same_size(StateReader& r, std::vector<T>& v) {
  const std::size_t n = v.size();
  r.vec_into(v);
  if (v.size() != n) r.fail("checkpoint of another network size");
}

}  // namespace

RewardScope parse_scope(const std::string& s) {
  if (s == "local") return RewardScope::Local;
  if (s == "network") return RewardScope::Network;
  return RewardScope::Neighbourhood;
}

namespace {
double part_of(const Environment& env, int link, RewardPart part) {
  switch (part) {
    case RewardPart::AccuracyOnly:
      return env.g_a(link);
    case RewardPart::RateOnly:
      return env.g_r(link);
    case RewardPart::Qoe:
      break;
  }
  return env.qoe(link);
}
}  // namespace

double slot_reward(const Environment& env, int link, RewardPart part, RewardScope scope) {
  if (scope == RewardScope::Local) return part_of(env, link, part);
  if (scope == RewardScope::Network) {
    double s = 0.0;
    for (int i = 0; i < env.links(); ++i) s += part_of(env, i, part);
    return s / env.links();
  }
  // Neighbourhood: the link's UT and the U UTs its BS interfered with most in this slot.
  int idx[64];
  env.most_interfered_now(link, idx);
  double s = part_of(env, link, part);
  for (int n = 0; n < env.neighbours(); ++n) s += part_of(env, idx[n], part);
  return s / (1 + env.neighbours());
}

// ------------------------------------------------------------------ hierarchical (dhdrl)

HierarchicalScheme::HierarchicalScheme(const Environment& env, std::uint64_t seed,
                                       HierarchyOptions options)
    : config_(env.config()),
      options_(options),
      scope_(parse_scope(env.config().high_reward)),
      paper_split_(env.config().split == "paper"),
      train_(env.config().train_enabled),
      links_(env.links()),
      high_dim_(env.high_obs_dim()),
      low_dim_(env.low_obs_dim()) {
  const int nc = env.codewords(), np = env.power_levels(), nk = env.max_k();
  high_actions_ = paper_split_ ? nc * np : nc;
  low_actions_ = paper_split_ ? nk : np * nk;
  const rl::DqnConfig hc = dqn_config(config_, config_.gamma_high);
  const rl::DqnConfig lc = dqn_config(config_, config_.gamma_low);
  Rng init(seed, "network_init");
  Rng explore(seed, "exploration");
  Rng replay(seed, "replay_sampling");
  high_.reserve(links_);
  low_.reserve(links_);
  rl::Td3Config tc;
  tc.hidden = lc.hidden;
  tc.gamma = static_cast<float>(config_.gamma_low);
  tc.replay_capacity = config_.replay_capacity;
  tc.batch_size = config_.batch_size;
  tc.learn_start = std::max(config_.batch_size, config_.learning_starts_slots);
  tc.actor_lr = static_cast<float>(config_.actor_lr);
  tc.critic_lr = static_cast<float>(config_.critic_lr);
  tc.tau = static_cast<float>(config_.tau);
  tc.exploration_noise = static_cast<float>(config_.exploration_noise);
  tc.target_noise = static_cast<float>(config_.target_noise);
  tc.target_noise_clip = static_cast<float>(config_.target_noise_clip);
  tc.policy_delay = config_.policy_delay;
  if (options_.continuous_low && !paper_split_) {
    throw InputError(
        "dhdrl-continuous needs hierarchy.split = \"paper\" (the low level is k only)");
  }
  for (int i = 0; i < links_; ++i) {
    Rng hi = init.child("high", i), lo = init.child("low", i);
    high_.emplace_back(high_dim_, high_actions_, hc, hi);
    if (options_.continuous_low) {
      low_td3_.emplace_back(low_dim_, 1, tc, lo);
    } else {
      low_.emplace_back(low_dim_, low_actions_, lc, lo);
    }
    high_explore_.push_back(explore.child("high", i));
    low_explore_.push_back(explore.child("low", i));
    high_replay_.push_back(replay.child("high", i));
    low_replay_.push_back(replay.child("low", i));
  }
  high_obs_.assign(static_cast<std::size_t>(links_) * high_dim_, 0.0f);
  high_next_ = high_obs_;
  low_obs_.assign(static_cast<std::size_t>(links_) * low_dim_, 0.0f);
  low_next_ = low_obs_;
  high_action_.assign(links_, 0);
  low_action_.assign(links_, 0);
  high_return_.assign(links_, 0.0);
  low_cont_action_.assign(links_, 0.0f);
  epoch_old_ = env.now();
}

void HierarchicalScheme::epoch_start(Environment& env, std::int64_t) {
  // o_H(e) with the measurements of now (one epoch old part: epoch_old_); store the transition of
  // the previous epoch, whose reward is the mean of the per-slot high reward over that epoch.
  for (int i = 0; i < links_; ++i) {
    float* next = high_next_.data() + static_cast<std::size_t>(i) * high_dim_;
    env.observe(i, epoch_old_, -1, options_.neighbours, next);
    if (have_epoch_ && train_) {
      const float r = static_cast<float>(high_return_[i] / std::max(1, epoch_len_));
      high_[i].remember(high_obs_.data() + static_cast<std::size_t>(i) * high_dim_, high_action_[i],
                        r, next, false);
    }
  }
  std::swap(high_obs_, high_next_);
  for (int i = 0; i < links_; ++i) {
    const int a = high_[i].act(high_obs_.data() + static_cast<std::size_t>(i) * high_dim_, nullptr,
                               high_explore_[i], train_);
    high_action_[i] = a;
    if (paper_split_) {
      env.set_beam(i, a / env.power_levels(), a % env.power_levels());
    } else {
      env.set_beam(i, a, env.power_level(i));
    }
    high_return_[i] = 0.0;
  }
  epoch_len_ = 0;
  have_epoch_ = true;
  epoch_old_ = env.now();
}

void HierarchicalScheme::act(Environment& env, std::int64_t, int slots_left) {
  for (int i = 0; i < links_; ++i) {
    float* o = low_obs_.data() + static_cast<std::size_t>(i) * low_dim_;
    env.observe(i, env.prev(), slots_left, options_.neighbours, o);
    if (options_.continuous_low) {
      // k = 1 + (a + 1) / 2 (K - 1), a in [-1, 1]: continuous in [1, K].
      low_td3_[i].act(o, &low_cont_action_[i], low_explore_[i], train_);
      env.set_k(i, 1.0 + 0.5 * (low_cont_action_[i] + 1.0) * (env.max_k() - 1));
      continue;
    }
    const int a = low_[i].act(o, nullptr, low_explore_[i], train_);
    low_action_[i] = a;
    if (paper_split_) {
      env.set_k(i, 1 + a);
    } else {
      env.set_beam(i, env.codeword(i), a / env.max_k());
      env.set_k(i, 1 + a % env.max_k());
    }
  }
}

void HierarchicalScheme::after_slot(Environment& env, std::int64_t slot, int slots_left_next,
                                    bool epoch_end) {
  ++epoch_len_;
  for (int i = 0; i < links_; ++i) {
    high_return_[i] += slot_reward(env, i, options_.part, scope_);
  }
  if (!train_) return;
  for (int i = 0; i < links_; ++i) {
    // Low level: reward = own UT's QoE (or its part) this slot; the episode ends with the epoch.
    const float r = static_cast<float>(slot_reward(env, i, options_.part, RewardScope::Local));
    float* next = low_next_.data() + static_cast<std::size_t>(i) * low_dim_;
    env.observe(i, env.prev(), slots_left_next, options_.neighbours, next);
    const float* o = low_obs_.data() + static_cast<std::size_t>(i) * low_dim_;
    if (options_.continuous_low) {
      low_td3_[i].remember(o, &low_cont_action_[i], r, next, epoch_end);
    } else {
      low_[i].remember(o, low_action_[i], r, next, epoch_end);
    }
  }
  if (slot >= config_.learning_starts_slots) {
    for (int i = 0; i < links_; ++i) {
      if (options_.continuous_low) {
        low_td3_[i].learn(low_replay_[i]);
      } else {
        low_[i].learn(low_replay_[i]);
      }
      high_[i].learn(high_replay_[i]);
    }
  }
}

void HierarchicalScheme::save(const std::string& dir) const {
  save_agents(high_, dir, "high");
  if (!options_.continuous_low) {
    save_agents(low_, dir, "low");
    return;
  }
  for (std::size_t i = 0; i < low_td3_.size(); ++i) {
    const std::string n = std::to_string(i) + ".semrann";
    low_td3_[i].actor().save(dir + "/low_actor_" + n);
    low_td3_[i].critic1().save(dir + "/low_critic1_" + n);
    low_td3_[i].critic2().save(dir + "/low_critic2_" + n);
  }
}

void HierarchicalScheme::load(const std::string& dir) {
  load_agents(high_, dir, "high");
  if (!options_.continuous_low) {
    load_agents(low_, dir, "low");
    return;
  }
  std::size_t saved = 0;
  while (std::filesystem::exists(dir + "/low_actor_" + std::to_string(saved) + ".semrann")) ++saved;
  if (saved == 0) throw InputError("eval.load: no low_actor_0.semrann in '" + dir + "'");
  for (std::size_t i = 0; i < low_td3_.size(); ++i) {
    const std::string n = std::to_string(i % saved) + ".semrann";
    low_td3_[i].actor().load(dir + "/low_actor_" + n);
    low_td3_[i].critic1().load(dir + "/low_critic1_" + n);
    low_td3_[i].critic2().load(dir + "/low_critic2_" + n);
    low_td3_[i].sync_targets();
  }
}

void HierarchicalScheme::save_state(StateWriter& w) const {
  w.tag("dhdrl-hierarchy");
  save_all(w, high_);
  save_all(w, low_);
  w.u64(low_td3_.size());
  for (const auto& a : low_td3_) a.save_state(w);
  w.vec(low_cont_action_);
  for (const auto* rngs : {&high_explore_, &low_explore_, &high_replay_, &low_replay_})
    save_all(w, *rngs);
  for (const auto* v : {&high_obs_, &high_next_, &low_obs_, &low_next_}) w.vec(*v);
  w.vec(high_action_);
  w.vec(low_action_);
  w.vec(high_return_);
  w.i64(epoch_len_);
  w.boolean(have_epoch_);
  epoch_old_.save(w);
}

void HierarchicalScheme::load_state(StateReader& r) {
  r.expect_tag("dhdrl-hierarchy");
  load_all(r, high_);
  load_all(r, low_);
  if (r.u64() != low_td3_.size()) r.fail("checkpoint with another number of TD3 agents");
  for (auto& a : low_td3_) a.load_state(r);
  load_same_size(r, low_cont_action_);
  for (auto* rngs : {&high_explore_, &low_explore_, &high_replay_, &low_replay_})
    load_all(r, *rngs);
  for (auto* v : {&high_obs_, &high_next_, &low_obs_, &low_next_}) load_same_size(r, *v);
  load_same_size(r, high_action_);
  load_same_size(r, low_action_);
  load_same_size(r, high_return_);
  epoch_len_ = static_cast<int>(r.i64());
  have_epoch_ = r.boolean();
  epoch_old_.load(r);
}

// ------------------------------------------------------------------ single layer (ddrl)

SingleLayerScheme::SingleLayerScheme(const Environment& env, std::uint64_t seed)
    : config_(env.config()),
      scope_(parse_scope(env.config().high_reward)),
      train_(env.config().train_enabled),
      links_(env.links()),
      dim_(env.high_obs_dim()),
      actions_(env.codewords() * env.power_levels() * env.max_k()) {
  const rl::DqnConfig dc = dqn_config(config_, config_.gamma_low);
  Rng init(seed, "network_init");
  Rng explore(seed, "exploration");
  Rng replay(seed, "replay_sampling");
  agents_.reserve(links_);
  for (int i = 0; i < links_; ++i) {
    Rng r = init.child("ddrl", i);
    agents_.emplace_back(dim_, actions_, dc, r);
    explore_.push_back(explore.child("ddrl", i));
    replay_.push_back(replay.child("ddrl", i));
  }
  obs_.assign(static_cast<std::size_t>(links_) * dim_, 0.0f);
  next_ = obs_;
  action_.assign(links_, 0);
}

void SingleLayerScheme::act(Environment& env, std::int64_t, int) {
  const int np = env.power_levels(), nk = env.max_k();
  for (int i = 0; i < links_; ++i) {
    float* o = obs_.data() + static_cast<std::size_t>(i) * dim_;
    env.observe(i, env.prev(), -1, true, o);
    const int a = agents_[i].act(o, nullptr, explore_[i], train_);
    action_[i] = a;
    env.set_beam(i, a / (np * nk), (a / nk) % np);
    env.set_k(i, 1 + a % nk);
  }
}

void SingleLayerScheme::after_slot(Environment& env, std::int64_t slot, int, bool) {
  if (!train_) return;
  for (int i = 0; i < links_; ++i) {
    const float r = static_cast<float>(slot_reward(env, i, RewardPart::Qoe, scope_));
    float* next = next_.data() + static_cast<std::size_t>(i) * dim_;
    env.observe(i, env.prev(), -1, true, next);
    agents_[i].remember(obs_.data() + static_cast<std::size_t>(i) * dim_, action_[i], r, next,
                        false);
  }
  if (slot >= config_.learning_starts_slots) {
    for (int i = 0; i < links_; ++i) agents_[i].learn(replay_[i]);
  }
}

void SingleLayerScheme::save(const std::string& dir) const {
  save_agents(agents_, dir, "ddrl");
}
void SingleLayerScheme::load(const std::string& dir) {
  load_agents(agents_, dir, "ddrl");
}

void SingleLayerScheme::save_state(StateWriter& w) const {
  w.tag("dhdrl-single-layer");
  save_all(w, agents_);
  save_all(w, explore_);
  save_all(w, replay_);
  w.vec(obs_);
  w.vec(next_);
  w.vec(action_);
}

void SingleLayerScheme::load_state(StateReader& r) {
  r.expect_tag("dhdrl-single-layer");
  load_all(r, agents_);
  load_all(r, explore_);
  load_all(r, replay_);
  load_same_size(r, obs_);
  load_same_size(r, next_);
  load_same_size(r, action_);
}

}  // namespace semra::dhdrl
