#include "semra/scenarios/dhdrl/learned.hpp"

#include <algorithm>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "semra/core/error.hpp"
#include "semra/nn/loss.hpp"
#include "semra/nn/optim.hpp"
#include "semra/rl/ppo.hpp"

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
  d.double_q = c.double_dqn;
  d.loss = nn::parse_loss(c.loss);
  const float lr = static_cast<float>(c.lr);
  const float decay = static_cast<float>(c.lr_decay);
  // Plain "rmsprop" is Keras 2's here, the reference's optimiser (docs/decisions.md).
  d.optimizer = nn::OptimizerConfig::named(c.optimizer == "rmsprop" ? "rmsprop_keras" : c.optimizer,
                                           lr, "learning.optimizer");
  d.optimizer.lr_decay = decay;
  d.epsilon = {rl::EpsilonKind::Inverse, c.epsilon_start, c.epsilon_min, c.epsilon_decay, 1e4};
  return d;
}

void save_agents(const std::vector<rl::DqnAgent>& agents, const std::string& dir,
                 const std::string& prefix) {
  for (std::size_t i = 0; i < agents.size(); ++i) {
    agents[i].online().save(dir + "/" + prefix + "_" + std::to_string(i) + ".semrann");
  }
}

// How many networks `dir` holds under `prefix`_0.semrann, _1, ...: they must be numbered without
// a gap, else a missing cell's network would silently be replaced by another's.
std::size_t saved_networks(const std::string& dir, const std::string& prefix) {
  namespace fs = std::filesystem;
  std::set<std::size_t> found;
  std::error_code ec;
  const std::string head = prefix + "_", tail = ".semrann";
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string n = e.path().filename().string();
    if (n.size() <= head.size() + tail.size() || n.compare(0, head.size(), head) != 0 ||
        n.compare(n.size() - tail.size(), tail.size(), tail) != 0)
      continue;
    const std::string digits = n.substr(head.size(), n.size() - head.size() - tail.size());
    if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 6) continue;
    found.insert(static_cast<std::size_t>(std::stoul(digits)));
  }
  for (std::size_t i = 0; i < found.size(); ++i)
    if (!found.count(i))
      throw InputError("eval.load: '" + dir + "' has " + std::to_string(found.size()) + " " +
                       prefix + " networks but no " + prefix + "_" + std::to_string(i) +
                       ".semrann (networks are numbered 0, 1, ... without gaps; save them "
                       "again with --save-models)");
  return found.size();
}

void load_agents(std::vector<rl::DqnAgent>& agents, const std::string& dir,
                 const std::string& prefix) {
  const std::size_t saved = saved_networks(dir, prefix);
  if (saved == 0) {
    throw InputError("eval.load: no " + prefix + "_0.semrann in '" + dir +
                     "' (a directory written by --save-models for this scheme)");
  }
  for (std::size_t i = 0; i < agents.size(); ++i) {
    agents[i].online().load(dir + "/" + prefix + "_" + std::to_string(i % saved) + ".semrann");
    agents[i].target().copy_from(agents[i].online());
  }
}

ResetActions reset_actions(const MultiAgentEnvironment& env, std::uint64_t seed) {
  Rng rng(seed, "reset_actions");
  ResetActions r;
  for (int i = 0; i < env.links(); ++i)
    r.codeword.push_back(rng.uniform_int(env.model().codewords()));
  for (int i = 0; i < env.links(); ++i) r.k.push_back(1 + rng.uniform_int(env.model().max_k()));
  return r;
}

int act_low(rl::DqnAgent& agent, const float* obs, Rng& rng, bool explore, int explore_actions,
            bool power_x_k, int power_levels, int max_k) {
  if (explore_actions <= 0) return agent.act(obs, nullptr, rng, explore);
  if (explore && rng.uniform() < agent.epsilon().eps()) {
    const int a = rng.uniform_int(std::min(explore_actions, agent.num_actions()));
    return power_x_k ? (a % power_levels) * max_k + a / power_levels : a;
  }
  return agent.greedy_action(obs, nullptr);
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

// ------------------------------------------------------------------ hierarchical (dhdrl)

HierarchicalScheme::HierarchicalScheme(const MultiAgentEnvironment& env, std::uint64_t seed,
                                       bool continuous_low)
    : config_(env.config()),
      continuous_low_(continuous_low),
      train_(env.config().train_enabled),
      links_(env.links()),
      high_dim_(env.agents()[env.high_agent(0)].obs_dim),
      low_dim_(env.agents()[env.low_agent(0)].obs_dim) {
  if (!env.hierarchical())
    throw std::invalid_argument("HierarchicalScheme needs the hierarchical layout");
  const int high_actions = env.agents()[env.high_agent(0)].num_actions;
  const int low_actions = env.agents()[env.low_agent(0)].num_actions;
  rl::DqnConfig hc = dqn_config(config_, config_.gamma_high);
  // hierarchy.high_epsilon_decay = "epoch": one epsilon step per high-level decision (decide_high).
  high_epsilon_per_epoch_ = config_.high_epsilon_decay == "epoch";
  low_continuing_ = config_.low_episode == "continuing";
  low_power_x_k_ = config_.split != "paper";
  hc.epsilon_per_learn_step = !high_epsilon_per_epoch_;
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
  if (continuous_low_ && config_.split != "paper") {
    throw InputError(
        "dhdrl-continuous needs hierarchy.split = \"paper\" (the low level is k only)");
  }
  for (int i = 0; i < links_; ++i) {
    Rng hi = init.child("high", i), lo = init.child("low", i);
    high_.emplace_back(high_dim_, high_actions, hc, hi);
    if (continuous_low_) {
      low_td3_.emplace_back(low_dim_, 1, tc, lo);
    } else {
      low_.emplace_back(low_dim_, low_actions, lc, lo);
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
  high_reward_.assign(links_, 0.0f);
  low_cont_action_.assign(links_, 0.0f);
  low_k_.assign(links_, 1.0);
  actions_.resize(env.agents().size());
  for (std::size_t a = 0; a < actions_.size(); ++a) actions_[a] = env.agents()[a].noop_action;
  rewards_.assign(env.agents().size(), 0.0f);
}

void HierarchicalScheme::step(MultiAgentEnvironment& env) {
  switch (env.next_step()) {
    case StepKind::Decision:
      decide_high(env);
      return;
    case StepKind::Redraw:
      env.step(actions_.data(), rewards_.data());  // nobody acts
      return;
    case StepKind::Slot:
      slot(env);
      return;
  }
}

// The agents' phases of a step run link by link on the experiment's team (run_on): a link's task
// touches only that link's agents, Rng streams and slices of the observation, action and reward
// arrays, so any team size gives the serial loop's results.

void HierarchicalScheme::decide_high(MultiAgentEnvironment& env) {
  // o_H(e) (one epoch old part: the previous epoch start's measurements); store the transition of
  // the previous epoch with the reward the environment delivered when it closed; act on o_H(e).
  const bool epsilon_step =
      train_ && high_epsilon_per_epoch_ && env.slot() >= config_.learning_starts_slots;
  run_on(team_, links_, [&](int i) {
    float* next = high_next_.data() + static_cast<std::size_t>(i) * high_dim_;
    env.observe(env.high_agent(i), next);
    if (have_epoch_ && train_) {
      high_[i].remember(high_obs_.data() + static_cast<std::size_t>(i) * high_dim_, high_action_[i],
                        high_reward_[i], next, false);
    }
    const int a = high_[i].act(next, nullptr, high_explore_[i], train_);
    high_action_[i] = a;
    actions_[env.high_agent(i)] = a;
    if (epsilon_step) high_[i].epsilon().step();
  });
  std::swap(high_obs_, high_next_);
  env.step(actions_.data(), rewards_.data());
  have_epoch_ = true;
}

void HierarchicalScheme::slot(MultiAgentEnvironment& env) {
  const int max_k = env.model().max_k();
  run_on(team_, links_, [&](int i) {
    float* o = low_obs_.data() + static_cast<std::size_t>(i) * low_dim_;
    env.observe(env.low_agent(i), o);
    if (continuous_low_) {
      // k = 1 + (a + 1) / 2 (K - 1), a in [-1, 1]: continuous in [1, K].
      low_td3_[i].act(o, &low_cont_action_[i], low_explore_[i], train_);
      low_k_[i] = 1.0 + 0.5 * (low_cont_action_[i] + 1.0) * (max_k - 1);
      return;
    }
    low_action_[i] = act_low(low_[i], o, low_explore_[i], train_, config_.low_explore_actions,
                             low_power_x_k_, env.model().power_levels(), max_k);
    actions_[env.low_agent(i)] = low_action_[i];
  });
  env.step(actions_.data(), continuous_low_ ? low_k_.data() : nullptr, rewards_.data());
  const std::int64_t slot = env.slot() - 1;
  const bool epoch_end = env.epoch_closed();
  if (epoch_end)
    for (int i = 0; i < links_; ++i) high_reward_[i] = rewards_[env.high_agent(i)];
  if (!train_) return;
  const bool learn = slot >= config_.learning_starts_slots;
  // hierarchy.high_learn_every_slots = N: the high level learns on one slot in N.
  const bool learn_high = learn && slot % config_.high_learn_every_slots == 0;
  run_on(team_, links_, [&](int i) {
    // Low level: the episode ends with the epoch, unless hierarchy.low_episode = "continuing".
    const float r = rewards_[env.low_agent(i)];
    const bool done = epoch_end && !low_continuing_;
    float* next = low_next_.data() + static_cast<std::size_t>(i) * low_dim_;
    env.observe(env.low_agent(i), next);
    const float* o = low_obs_.data() + static_cast<std::size_t>(i) * low_dim_;
    if (continuous_low_) {
      low_td3_[i].remember(o, &low_cont_action_[i], r, next, done);
      if (learn) low_td3_[i].learn(low_replay_[i]);
    } else {
      low_[i].remember(o, low_action_[i], r, next, done);
      if (learn) low_[i].learn(low_replay_[i]);
    }
    if (learn_high) high_[i].learn(high_replay_[i]);
  });
}

void HierarchicalScheme::save(const std::string& dir) const {
  save_agents(high_, dir, "high");
  if (!continuous_low_) {
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
  // One high and one low network per saved link: unequal counts mean a network is missing.
  const char* low = continuous_low_ ? "low_actor" : "low";
  const std::size_t highs = saved_networks(dir, "high"), lows = saved_networks(dir, low);
  if (highs != lows && highs > 0 && lows > 0)
    throw InputError("eval.load: '" + dir + "' has " + std::to_string(highs) +
                     " high networks and " + std::to_string(lows) + " " + low +
                     " networks; a directory written by --save-models has one of each per link");
  load_agents(high_, dir, "high");
  if (!continuous_low_) {
    load_agents(low_, dir, "low");
    return;
  }
  const std::size_t saved = saved_networks(dir, "low_actor");
  if (saved == 0) throw InputError("eval.load: no low_actor_0.semrann in '" + dir + "'");
  for (const char* part : {"low_critic1", "low_critic2"})
    if (saved_networks(dir, part) != saved)
      throw InputError("eval.load: '" + dir + "' has " + std::to_string(saved) +
                       " low_actor networks but not as many " + part + " networks");
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
  w.vec(high_reward_);
  w.boolean(have_epoch_);
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
  load_same_size(r, high_reward_);
  have_epoch_ = r.boolean();
}

// ------------------------------------------------------------------ single layer (ddrl)

SingleLayerScheme::SingleLayerScheme(const MultiAgentEnvironment& env, std::uint64_t seed)
    : config_(env.config()),
      train_(env.config().train_enabled),
      links_(env.links()),
      dim_(env.agents()[0].obs_dim) {
  if (env.hierarchical())
    throw std::invalid_argument("SingleLayerScheme needs the single-layer layout");
  // ddrl.beam = "fixed": the network chooses power x k (index power x K + k - 1) and each link
  // keeps the codeword drawn at the start.
  fixed_beam_ = config_.ddrl_beam == "fixed";
  const int actions =
      fixed_beam_ ? env.model().power_levels() * env.model().max_k() : env.agents()[0].num_actions;
  if (fixed_beam_) codeword_ = reset_actions(env, seed).codeword;
  agent_action_.assign(links_, 0);
  const rl::DqnConfig dc = dqn_config(config_, config_.gamma_low);
  Rng init(seed, "network_init");
  Rng explore(seed, "exploration");
  Rng replay(seed, "replay_sampling");
  agents_.reserve(links_);
  for (int i = 0; i < links_; ++i) {
    Rng r = init.child("ddrl", i);
    agents_.emplace_back(dim_, actions, dc, r);
    explore_.push_back(explore.child("ddrl", i));
    replay_.push_back(replay.child("ddrl", i));
  }
  obs_.assign(static_cast<std::size_t>(links_) * dim_, 0.0f);
  next_ = obs_;
  actions_.resize(env.agents().size());
  for (std::size_t a = 0; a < actions_.size(); ++a) actions_[a] = env.agents()[a].noop_action;
  rewards_.assign(env.agents().size(), 0.0f);
}

void SingleLayerScheme::step(MultiAgentEnvironment& env) {
  if (env.next_step() != StepKind::Slot) {
    env.step(actions_.data(), rewards_.data());  // a Redraw step: nobody acts
    return;
  }
  run_on(team_, links_, [&](int i) {
    float* o = obs_.data() + static_cast<std::size_t>(i) * dim_;
    env.observe(env.single_agent(i), o);
    if (!fixed_beam_) {
      agent_action_[i] = agents_[i].act(o, nullptr, explore_[i], train_);
      actions_[env.single_agent(i)] = agent_action_[i];
      return;
    }
    const int pk = env.model().power_levels() * env.model().max_k();
    agent_action_[i] = act_low(agents_[i], o, explore_[i], train_, config_.low_explore_actions,
                               true, env.model().power_levels(), env.model().max_k());
    actions_[env.single_agent(i)] = codeword_[i] * pk + agent_action_[i];
  });
  env.step(actions_.data(), rewards_.data());
  const std::int64_t slot = env.slot() - 1;
  if (!train_) return;
  const bool learn = slot >= config_.learning_starts_slots;
  run_on(team_, links_, [&](int i) {
    float* next = next_.data() + static_cast<std::size_t>(i) * dim_;
    env.observe(env.single_agent(i), next);
    agents_[i].remember(obs_.data() + static_cast<std::size_t>(i) * dim_, agent_action_[i],
                        rewards_[env.single_agent(i)], next, false);
    if (learn) agents_[i].learn(replay_[i]);
  });
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
  w.vec(actions_);
}

void SingleLayerScheme::load_state(StateReader& r) {
  r.expect_tag("dhdrl-single-layer");
  load_all(r, agents_);
  load_all(r, explore_);
  load_all(r, replay_);
  load_same_size(r, obs_);
  load_same_size(r, next_);
  load_same_size(r, actions_);
}

// ------------------------------------------------------------------ on-policy (ippo, mappo)
namespace {

// One level's agents, one per link (agent first + stride x link of the environment: the high or
// the low agents of the hierarchy, or the single-layer ones), and their PPO learner (rl/ppo.hpp)
// with its own streams. The experiment is one deployment, one environment (E = 1), a continuing
// task: no step is terminal; the run ends at train.slots.
class Level {
 public:
  Level(const MultiAgentEnvironment& env, int first, int stride, const rl::PpoConfig& config,
        bool mappo, std::uint64_t seed, const std::string& name)
      : first_(first),
        stride_(stride),
        links_(env.links()),
        obs_dim_(env.agents()[static_cast<std::size_t>(first)].obs_dim),
        num_actions_(env.agents()[static_cast<std::size_t>(first)].num_actions),
        mappo_(mappo),
        name_(name),
        learner_(make_learner(env, obs_dim_, num_actions_, config, seed, name)),
        explore_(Rng(seed, "exploration").child(name)),
        shuffle_(Rng(seed, "minibatch_shuffle").child(name)) {
    obs_.assign(static_cast<std::size_t>(links_) * obs_dim_, 0.0f);
    masks_.assign(static_cast<std::size_t>(links_) * num_actions_, 1);
    state_.assign(static_cast<std::size_t>(env.state_dim()), 0.0f);
    actions_.assign(static_cast<std::size_t>(links_), 0);
    rewards_.assign(static_cast<std::size_t>(links_), 0.0f);
  }

  int agent(int link) const { return first_ + stride_ * link; }
  bool pending() const { return pending_; }

  // The level's agents act on their observations and masks (the environment's; all ones today):
  // training, a ~ pi(.|o) recorded in the rollout (after the PPO update when the rollout is full:
  // these observations bootstrap its last step); evaluating, argmax pi, each on its own.
  void act(const MultiAgentEnvironment& env, bool train, int* env_actions) {
    for (int i = 0; i < links_; ++i) {
      env.observe(agent(i), obs(i));
      env.action_mask(agent(i), mask(i));
    }
    const float* s = nullptr;
    if (mappo_) {
      env.state(state_.data());
      s = state_.data();
    }
    if (!train) {
      for (int i = 0; i < links_; ++i)
        env_actions[agent(i)] = learner_.greedy_action(i, obs(i), mask(i));
      return;
    }
    if (learner_.rollout_full()) learner_.update(obs_.data(), s, shuffle_);
    learner_.act(obs_.data(), masks_.data(), nullptr, s, explore_, actions_.data());
    for (int i = 0; i < links_; ++i) env_actions[agent(i)] = actions_[static_cast<std::size_t>(i)];
    pending_ = true;
  }

  // The rewards of the step that closes the level's decision (env_rewards: per agent).
  void observe(const float* env_rewards, bool truncated) {
    for (int i = 0; i < links_; ++i) rewards_[static_cast<std::size_t>(i)] = env_rewards[agent(i)];
    const std::uint8_t terminated = 0, trunc = truncated ? 1 : 0;
    learner_.observe(rewards_.data(), &terminated, &trunc);
    pending_ = false;
  }

  // <name>_pi_<k>.semrann and <name>_v_<k>.semrann: one of each per network (one with shared
  // parameters, else one per link).
  void save(const std::string& dir) const {
    for (int k = 0; k < learner_.num_actors(); ++k) learner_.actor(k).save(path(dir, "pi", k));
    for (int k = 0; k < learner_.num_critics(); ++k) learner_.critic(k).save(path(dir, "v", k));
  }
  // The actors (all evaluation needs); network k takes the file of k mod saved.
  void load(const std::string& dir) {
    const std::size_t saved = saved_networks(dir, name_ + "_pi");
    if (saved == 0)
      throw InputError("eval.load: no " + name_ + "_pi_0.semrann in '" + dir +
                       "' (a directory written by --save-models for this scheme)");
    for (int k = 0; k < learner_.num_actors(); ++k)
      learner_.actor(k).load(path(dir, "pi", static_cast<int>(k % static_cast<int>(saved))));
    learner_.networks_loaded();
  }

  void save_state(StateWriter& w) const {
    w.tag("dhdrl-ppo-" + name_);
    learner_.save_state(w);
    w.rng(explore_);
    w.rng(shuffle_);
    w.boolean(pending_);
  }
  void load_state(StateReader& r) {
    r.expect_tag("dhdrl-ppo-" + name_);
    learner_.load_state(r);
    r.rng(explore_);
    r.rng(shuffle_);
    pending_ = r.boolean();
  }

 private:
  static rl::PpoLearner make_learner(const MultiAgentEnvironment& env, int obs_dim, int num_actions,
                                     const rl::PpoConfig& config, std::uint64_t seed,
                                     const std::string& name) {
    Rng init = Rng(seed, "network_init").child("ppo-" + name);
    return rl::PpoLearner(rl::PpoDims{1, env.links(), obs_dim, num_actions, env.state_dim()},
                          config, init);
  }
  float* obs(int i) { return obs_.data() + static_cast<std::size_t>(i) * obs_dim_; }
  std::uint8_t* mask(int i) { return masks_.data() + static_cast<std::size_t>(i) * num_actions_; }
  std::string path(const std::string& dir, const char* kind, int k) const {
    return dir + "/" + name_ + "_" + kind + "_" + std::to_string(k) + ".semrann";
  }

  int first_, stride_, links_, obs_dim_, num_actions_;
  bool mappo_;
  std::string name_;
  rl::PpoLearner learner_;
  Rng explore_, shuffle_;
  bool pending_ = false;  // acted, its reward still to come (the high level within an epoch)
  std::vector<float> obs_, state_, rewards_;
  std::vector<std::uint8_t> masks_;
  std::vector<int> actions_;
};

// ippo / mappo (hierarchical layout): a high level acting at Decision steps and rewarded on the
// Slot step that closes its epoch (one PPO step per epoch), and a low level acting and rewarded at
// every Slot step. ippo-flat / mappo-flat (single-layer layout): one level at every Slot step.
class PpoScheme final : public Scheme {
 public:
  PpoScheme(const MultiAgentEnvironment& env, std::uint64_t seed, bool mappo)
      : train_(env.config().train_enabled), hierarchical_(env.hierarchical()) {
    const Config& c = env.config();
    levels_.reserve(2);
    if (hierarchical_) {
      levels_.emplace_back(env, env.high_agent(0), 2,
                           c.ppo.config(mappo, c.ppo_high_rollout_epochs, "ppo"), mappo, seed,
                           "high");
      levels_.emplace_back(env, env.low_agent(0), 2,
                           c.ppo.config(mappo, c.ppo_rollout_slots, "ppo"), mappo, seed, "low");
    } else {
      levels_.emplace_back(env, env.single_agent(0), 1,
                           c.ppo.config(mappo, c.ppo_rollout_slots, "ppo"), mappo, seed, "single");
    }
    actions_.resize(env.agents().size());
    for (std::size_t a = 0; a < actions_.size(); ++a) actions_[a] = env.agents()[a].noop_action;
    rewards_.assign(env.agents().size(), 0.0f);
  }
  bool learns() const override { return true; }

  void step(MultiAgentEnvironment& env) override {
    switch (env.next_step()) {
      case StepKind::Decision:
        levels_.front().act(env, train_, actions_.data());
        env.step(actions_.data(), rewards_.data());
        return;
      case StepKind::Redraw:
        env.step(actions_.data(), rewards_.data());  // nobody acts
        return;
      case StepKind::Slot:
        break;
    }
    Level& slot_level = levels_.back();
    slot_level.act(env, train_, actions_.data());
    env.step(actions_.data(), rewards_.data());
    if (!train_) return;
    slot_level.observe(rewards_.data(), env.truncated());
    Level& high = levels_.front();
    if (hierarchical_ && env.epoch_closed() && high.pending())
      high.observe(rewards_.data(), env.truncated());
  }

  void save(const std::string& dir) const override {
    for (const Level& l : levels_) l.save(dir);
  }
  void load(const std::string& dir) override {
    for (Level& l : levels_) l.load(dir);
  }
  // The levels in order (high, low; or single), each tagged with its name.
  void save_state(StateWriter& w) const override {
    w.tag("dhdrl-ppo");
    w.u64(levels_.size());
    for (const Level& l : levels_) l.save_state(w);
  }
  void load_state(StateReader& r) override {
    r.expect_tag("dhdrl-ppo");
    if (r.u64() != levels_.size()) r.fail("checkpoint of another number of PPO levels");
    for (Level& l : levels_) l.load_state(r);
  }

 private:
  bool train_, hierarchical_;
  std::vector<Level> levels_;  // hierarchical: high, low; else the single level
  std::vector<int> actions_;   // [agent]
  std::vector<float> rewards_;
};

}  // namespace

std::unique_ptr<Scheme> make_ppo_scheme(const MultiAgentEnvironment& env, std::uint64_t seed,
                                        bool mappo) {
  return std::make_unique<PpoScheme>(env, seed, mappo);
}

}  // namespace semra::dhdrl
