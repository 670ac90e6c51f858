#include "semra/scenarios/dhdrl/on_policy.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include "semra/core/error.hpp"
#include "semra/rl/ppo.hpp"
#include "semra/scenarios/dhdrl/learned.hpp"

namespace semra::dhdrl {
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
