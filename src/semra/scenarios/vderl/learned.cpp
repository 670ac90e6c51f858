#include "semra/scenarios/vderl/learned.hpp"

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <utility>
#include <vector>

#include "semra/core/vector_env.hpp"
#include "semra/rl/dqn.hpp"
#include "semra/rl/joint_replay.hpp"
#include "semra/rl/ppo.hpp"
#include "semra/rl/qmix.hpp"
#include "semra/rl/vd_erl.hpp"
#include "semra/rl/vdn.hpp"

namespace semra::vderl {
namespace {

nn::OptimizerConfig optimizer_config(const std::string& name, double lr) {
  // Plain "rmsprop" is PyTorch's here, the paper's code's framework (docs/decisions.md).
  return nn::OptimizerConfig::named(name == "rmsprop" ? "rmsprop_torch" : name,
                                    static_cast<float>(lr), "training.optimizer");
}

rl::EpsilonConfig epsilon_config(const Config& cfg) {
  // Linear decay over training.epsilon_iterations iterations, stepped once per gradient step.
  rl::EpsilonConfig e;
  e.kind = rl::EpsilonKind::Linear;
  e.start = cfg.epsilon_start;
  e.end = cfg.epsilon_end;
  e.duration = std::max(1.0, cfg.epsilon_iterations * std::max(1, cfg.gradient_steps));
  return e;
}

// The Q-learning settings of every value-based scheme (VD-ERL's critic, VDN, QMIX's agents, IDQN).
rl::QLearningConfig q_learning_config(const Config& cfg) {
  rl::QLearningConfig c;
  c.hidden = cfg.hidden_sizes();
  c.gamma = static_cast<float>(cfg.gamma);
  c.batch_size = cfg.batch_size;
  c.target_sync_every = cfg.target_sync_steps;
  c.tau = static_cast<float>(cfg.tau);
  c.double_q = cfg.double_q;
  c.loss = nn::parse_loss(cfg.loss);
  c.optimizer = optimizer_config(cfg.optimizer, cfg.lr);
  c.grad_clip = static_cast<float>(cfg.grad_clip);
  c.epsilon = epsilon_config(cfg);
  return c;
}

std::filesystem::path model_path(const std::string& dir, const std::string& name, int v) {
  return std::filesystem::path(dir) / (name + std::to_string(v) + ".semrann");
}

template <class Learner>
class JointScheme : public Scheme {
 public:
  template <class... LearnerArgs>
  JointScheme(const Config& cfg, const Environment& env, int state_dim,
              LearnerArgs&&... learner_args)
      : servers_(env.agents()),
        obs_dim_(env.obs_dim()),
        actions_(env.num_actions()),
        batch_size_(cfg.batch_size),
        replay_(cfg.replay_capacity, env.agents(), env.obs_dim(), env.num_actions(), state_dim),
        learner_(std::forward<LearnerArgs>(learner_args)...) {}
  bool learns() const override { return true; }
  // Each server acts on its own slice of the stacked observations and masks.
  void act(const float* obs, const std::uint8_t* masks, int* actions, Rng& rng,
           bool explore) override {
    for (int v = 0; v < servers_; ++v)
      actions[v] = learner_.act(v, obs + static_cast<std::ptrdiff_t>(v) * obs_dim_,
                                masks + static_cast<std::ptrdiff_t>(v) * actions_, rng, explore);
  }
  void observe(const float* obs, const std::uint8_t* masks, const int* actions,
               const float* rewards, float team_reward, const float* next_obs,
               const std::uint8_t* next_masks, bool done, const float* state,
               const float* next_state) override {
    replay_.add(obs, masks, actions, rewards, team_reward, next_obs, next_masks, done, state,
                next_state);
  }
  void learn(int gradient_steps, Rng& rng) override {
    for (int g = 0; g < gradient_steps; ++g) {
      replay_.sample(batch_size_, rng, batch_);
      learner_.learn(batch_);
    }
  }
  void save_state(StateWriter& w) const override {
    replay_.save_state(w);
    learner_.save_state(w);
  }
  void load_state(StateReader& r) override {
    replay_.load_state(r);
    learner_.load_state(r);
  }

 protected:
  int servers_, obs_dim_, actions_, batch_size_;
  rl::JointReplayBuffer replay_;
  rl::JointBatch batch_;
  Learner learner_;
};

class VdnScheme final : public JointScheme<rl::QLearner> {
 public:
  VdnScheme(const Config& cfg, const Environment& env, Rng& init)
      : JointScheme(cfg, env, 0, env.agents(), env.obs_dim(), env.num_actions(),
                    q_learning_config(cfg), init, std::make_unique<rl::VdnMixer>()) {}
  void save(const std::string& dir) const override {
    for (int v = 0; v < servers_; ++v) learner_.online(v).save(model_path(dir, "q", v).string());
  }
};

class VdErlScheme final : public JointScheme<rl::VdErlLearner> {
 public:
  VdErlScheme(const Config& cfg, const Environment& env, Rng& init)
      : JointScheme(cfg, env, 0, env.agents(), env.obs_dim(), env.num_actions(), config(cfg), init),
        temperature_(cfg.temperature),
        temperature_final_(cfg.temperature_final) {}
  static rl::VdErlConfig config(const Config& cfg) {
    rl::VdErlConfig c;
    c.critic = q_learning_config(cfg);
    c.actor.hidden = cfg.hidden_sizes();
    c.actor.optimizer = optimizer_config(cfg.optimizer, cfg.policy_lr);
    c.actor.grad_clip = static_cast<float>(cfg.grad_clip);
    c.actor.temperature = static_cast<float>(cfg.temperature);
    c.actor.auto_temperature = cfg.auto_temperature;
    c.actor.target_entropy_scale = static_cast<float>(cfg.target_entropy_scale);
    c.actor.temperature_lr = static_cast<float>(cfg.temperature_lr);
    c.critic_target = cfg.critic_target == "soft" ? rl::CriticTarget::Soft : rl::CriticTarget::Max;
    c.greedy_from_critic = cfg.greedy == "critic";
    c.policy_updates = cfg.policy_updates;
    return c;
  }
  // vderl.temperature_final >= 0: delta linear from vderl.temperature to it over the iterations.
  void begin_iteration(int it, int iterations) override {
    if (temperature_final_ < 0.0) return;
    const double f = iterations > 1 ? static_cast<double>(it - 1) / (iterations - 1) : 1.0;
    const double delta = temperature_ + f * (temperature_final_ - temperature_);
    for (int v = 0; v < servers_; ++v) learner_.actor(v).set_temperature(static_cast<float>(delta));
  }
  void save(const std::string& dir) const override {
    const auto& l = learner_;
    for (int v = 0; v < servers_; ++v) {
      l.critic().online(v).save(model_path(dir, "q", v).string());
      l.actor(v).policy().save(model_path(dir, "pi", v).string());
    }
  }

 private:
  double temperature_, temperature_final_;
};

class QmixScheme final : public JointScheme<rl::QLearner> {
 public:
  QmixScheme(const Config& cfg, const Environment& env, Rng& init)
      : JointScheme(cfg, env, env.state_dim(), env.agents(), env.obs_dim(), env.num_actions(),
                    q_learning_config(cfg), init,
                    std::make_unique<rl::QmixMixer>(env.agents(), env.state_dim(), cfg.mixing_embed,
                                                    cfg.hypernet_hidden, init.child("mixer"))) {}
  bool needs_state() const override { return true; }
  void save(const std::string& dir) const override {
    const auto& l = learner_;
    for (int v = 0; v < servers_; ++v) l.online(v).save(model_path(dir, "q", v).string());
    int m = 0;
    for (const nn::Mlp* net : l.mixer()->networks())
      net->save(model_path(dir, "mixer", m++).string());
  }
};

// Independent DQN (the DqnAgent of rl/dqn.hpp) per server, each on its own reward r_v.
class IdqnScheme final : public Scheme {
 public:
  IdqnScheme(const Config& cfg, const Environment& env, Rng& init)
      : servers_(env.agents()),
        obs_dim_(env.obs_dim()),
        actions_(env.num_actions()),
        team_reward_(cfg.idqn_reward == "team") {
    rl::DqnConfig c(q_learning_config(cfg));
    c.replay_capacity = cfg.replay_capacity;
    c.learn_start =
        0;  // gated by training.learning_starts_frames in the loop, as the joint learners
    for (int s = 0; s < servers_; ++s) {
      Rng rng = init.child("agent", static_cast<std::uint64_t>(s));
      agents_.emplace_back(obs_dim_, actions_, c, rng);
    }
  }
  bool learns() const override { return true; }
  void act(const float* obs, const std::uint8_t* masks, int* actions, Rng& rng,
           bool explore) override {
    for (int v = 0; v < servers_; ++v)
      actions[v] = agents_[static_cast<std::size_t>(v)].act(
          obs + static_cast<std::ptrdiff_t>(v) * obs_dim_,
          masks + static_cast<std::ptrdiff_t>(v) * actions_, rng, explore);
  }
  void observe(const float* obs, const std::uint8_t*, const int* actions, const float* rewards,
               float team_reward, const float* next_obs, const std::uint8_t* next_masks, bool done,
               const float*, const float*) override {
    for (int v = 0; v < servers_; ++v)
      agents_[static_cast<std::size_t>(v)].remember(
          obs + static_cast<std::ptrdiff_t>(v) * obs_dim_, actions[v],
          team_reward_ ? team_reward : rewards[v],
          next_obs + static_cast<std::ptrdiff_t>(v) * obs_dim_, done,
          next_masks + static_cast<std::ptrdiff_t>(v) * actions_);
  }
  void learn(int gradient_steps, Rng& rng) override {
    for (int g = 0; g < gradient_steps; ++g)
      for (auto& a : agents_) a.learn(rng);
  }
  void save(const std::string& dir) const override {
    for (int v = 0; v < servers_; ++v)
      agents_[static_cast<std::size_t>(v)].online().save(model_path(dir, "q", v).string());
  }
  // DqnAgent::save holds networks, optimiser, replay buffer, epsilon and learning-step count.
  void save_state(StateWriter& w) const override {
    w.tag("idqn");
    for (const auto& a : agents_) w.saved(a);
  }
  void load_state(StateReader& r) override {
    r.expect_tag("idqn");
    for (auto& a : agents_) r.load_into(a);
  }

 private:
  int servers_, obs_dim_, actions_;
  bool team_reward_;
  std::vector<rl::DqnAgent> agents_;
};

// IPPO / MAPPO (rl/ppo.hpp) over the servers: one rollout of Q steps per frame, frames of
// ppo.envs environments at a time, one PPO update per iteration. Acting: a ~ pi when exploring,
// argmax pi when evaluating (decentralised: each server on its own observation and mask).
class PpoScheme final : public Scheme {
 public:
  PpoScheme(const Config& cfg, const Environment& env, Rng& init, bool mappo)
      : servers_(env.agents()),
        obs_dim_(env.obs_dim()),
        actions_(env.num_actions()),
        rbs_(cfg.rbs),
        mappo_(mappo),
        learner_(rl::PpoDims{cfg.ppo.envs, env.agents(), env.obs_dim(), env.num_actions(),
                             env.state_dim()},
                 cfg.ppo.config(
                     mappo, cfg.rbs * std::max(1, cfg.frames_per_iteration / cfg.ppo.envs), "ppo"),
                 init) {}
  bool learns() const override { return true; }
  bool on_policy() const override { return true; }
  void act(const float* obs, const std::uint8_t* masks, int* actions, Rng& rng,
           bool explore) override {
    for (int v = 0; v < servers_; ++v) {
      const float* o = obs + static_cast<std::ptrdiff_t>(v) * obs_dim_;
      const std::uint8_t* m = masks + static_cast<std::ptrdiff_t>(v) * actions_;
      actions[v] = explore ? learner_.sample_action(v, o, m, rng) : learner_.greedy_action(v, o, m);
    }
  }
  void learn_on_policy(VectorEnv& envs, int frames, Rng& explore, Rng& shuffle) override {
    const rl::PpoDims d = rl::PpoDims::of(envs);
    const rl::PpoDims& want = learner_.dims();
    if (d.envs != want.envs || d.agents != want.agents || d.obs_dim != want.obs_dim ||
        d.num_actions != want.num_actions || d.state_dim != want.state_dim ||
        frames != want.envs * (learner_.config().rollout_steps / rbs_))
      throw std::logic_error("vderl::PpoScheme: environments or frames differ from the learner's");
    const float* states = nullptr;
    if (mappo_) {
      states_.resize(static_cast<std::size_t>(d.envs) * static_cast<std::size_t>(d.state_dim));
      states = states_.data();
    }
    actions_buf_.resize(static_cast<std::size_t>(d.envs) * static_cast<std::size_t>(d.agents));
    // Every frame has Q steps and ends (terminates) at its last RB in every environment at
    // once: frame by frame, an explicit reset of all, then Q steps (no autoreset steps).
    for (int round = 0; round < frames / d.envs; ++round) {
      envs.reset();
      learner_.environments_reset();
      for (int q = 0; q < rbs_; ++q) {
        if (mappo_) envs.state(states_.data());
        learner_.act(envs.obs(), envs.masks(), envs.acts(), states, explore, actions_buf_.data());
        envs.step(actions_buf_.data());
        learner_.observe(envs.rewards(), envs.terminations(), envs.truncations());
      }
    }
    if (!learner_.rollout_full())
      throw std::logic_error("vderl::PpoScheme: the rollout did not fill");
    if (mappo_) envs.state(states_.data());
    learner_.update(envs.obs(), states, shuffle);
  }
  void save(const std::string& dir) const override {
    const rl::PpoLearner& l = learner_;
    for (int k = 0; k < l.num_actors(); ++k) l.actor(k).save(model_path(dir, "pi", k).string());
    for (int k = 0; k < l.num_critics(); ++k) l.critic(k).save(model_path(dir, "v", k).string());
  }
  void save_state(StateWriter& w) const override { learner_.save_state(w); }
  void load_state(StateReader& r) override { learner_.load_state(r); }

 private:
  int servers_, obs_dim_, actions_, rbs_;
  bool mappo_;
  rl::PpoLearner learner_;
  std::vector<float> states_;
  std::vector<int> actions_buf_;
};

}  // namespace

std::unique_ptr<Scheme> make_vderl_scheme(const Config& cfg, const Environment& env, Rng& init) {
  return std::make_unique<VdErlScheme>(cfg, env, init);
}
std::unique_ptr<Scheme> make_vdn_scheme(const Config& cfg, const Environment& env, Rng& init) {
  return std::make_unique<VdnScheme>(cfg, env, init);
}
std::unique_ptr<Scheme> make_qmix_scheme(const Config& cfg, const Environment& env, Rng& init) {
  return std::make_unique<QmixScheme>(cfg, env, init);
}
std::unique_ptr<Scheme> make_idqn_scheme(const Config& cfg, const Environment& env, Rng& init) {
  return std::make_unique<IdqnScheme>(cfg, env, init);
}
std::unique_ptr<Scheme> make_ippo_scheme(const Config& cfg, const Environment& env, Rng& init) {
  return std::make_unique<PpoScheme>(cfg, env, init, false);
}
std::unique_ptr<Scheme> make_mappo_scheme(const Config& cfg, const Environment& env, Rng& init) {
  return std::make_unique<PpoScheme>(cfg, env, init, true);
}

}  // namespace semra::vderl
