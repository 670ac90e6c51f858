#include "semra/scenarios/vderl/schemes.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <utility>

#include "semra/core/error.hpp"
#include "semra/core/io.hpp"
#include "semra/core/vector_env.hpp"
#include "semra/rl/dqn.hpp"
#include "semra/rl/joint_replay.hpp"
#include "semra/rl/ppo.hpp"
#include "semra/rl/qmix.hpp"
#include "semra/rl/vd_erl.hpp"
#include "semra/rl/vdn.hpp"

namespace semra::vderl {

const std::vector<std::string>& metric_columns() {
  static const std::vector<std::string> cols = {
      "total_reward", "avg_latency_ms", "multi_rb_probability", "reliability", "served_share"};
  return cols;
}

int convergence_iteration(const std::vector<double>& total_reward, int window, double tolerance) {
  if (total_reward.empty()) return 0;
  const std::size_t n = total_reward.size();
  std::vector<double> ma(n);
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    sum += total_reward[i];
    if (i >= static_cast<std::size_t>(window))
      sum -= total_reward[i - static_cast<std::size_t>(window)];
    ma[i] =
        sum / static_cast<double>(std::min<std::size_t>(i + 1, static_cast<std::size_t>(window)));
  }
  const double final_value = ma.back();
  const double band = tolerance * std::max(std::abs(final_value), 1e-12);
  std::size_t first = n - 1;
  for (std::size_t i = n; i-- > 0;) {
    if (std::abs(ma[i] - final_value) > band) break;
    first = i;
  }
  return static_cast<int>(first + 1);
}

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

// ---------------------------------------------------------------------------------------------------

class RandomAgents final : public Agents {
 public:
  RandomAgents(int servers, int actions) : servers_(servers), actions_(actions) {}
  void act(const float*, const std::uint8_t* masks, int* actions, Rng& rng, bool) override {
    for (int v = 0; v < servers_; ++v)
      actions[v] =
          rl::random_valid_action(masks + static_cast<std::ptrdiff_t>(v) * actions_, actions_, rng);
  }

 private:
  int servers_, actions_;
};

// Shared by the joint learners (VDN, VD-ERL, QMIX): the joint replay, its sampling, per-server
// acting and the checkpoint of both; a learner only adds how its networks are saved.
template <class Learner>
class JointAgents : public Agents {
 public:
  template <class... LearnerArgs>
  JointAgents(const Config& cfg, const Env& env, int state_dim, LearnerArgs&&... learner_args)
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

class VdnAgents final : public JointAgents<rl::QLearner> {
 public:
  VdnAgents(const Config& cfg, const Env& env, Rng& init)
      : JointAgents(cfg, env, 0, env.agents(), env.obs_dim(), env.num_actions(),
                    q_learning_config(cfg), init, std::make_unique<rl::VdnMixer>()) {}
  void save(const std::string& dir) const override {
    for (int v = 0; v < servers_; ++v) learner_.online(v).save(model_path(dir, "q", v).string());
  }
};

class VdErlAgents final : public JointAgents<rl::VdErlLearner> {
 public:
  VdErlAgents(const Config& cfg, const Env& env, Rng& init)
      : JointAgents(cfg, env, 0, env.agents(), env.obs_dim(), env.num_actions(), config(cfg), init),
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

class QmixAgents final : public JointAgents<rl::QLearner> {
 public:
  QmixAgents(const Config& cfg, const Env& env, Rng& init)
      : JointAgents(cfg, env, env.state_dim(), env.agents(), env.obs_dim(), env.num_actions(),
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
class IdqnAgents final : public Agents {
 public:
  IdqnAgents(const Config& cfg, const Env& env, Rng& init)
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

// Joint observation buffers of one environment, filled through the MultiAgentEnv interface.
struct JointView {
  int obs_dim, num_actions;
  std::vector<float> obs, state;
  std::vector<std::uint8_t> masks;
  JointView(const MultiAgentEnv& env, bool with_state)
      : obs_dim(env.agents().front().obs_dim),
        num_actions(env.agents().front().num_actions),
        obs(env.agents().size() * static_cast<std::size_t>(obs_dim)),
        state(with_state ? static_cast<std::size_t>(env.state_dim()) : 0),
        masks(env.agents().size() * static_cast<std::size_t>(num_actions)) {}
  void gather(const MultiAgentEnv& env) {
    for (int v = 0; v < static_cast<int>(env.agents().size()); ++v) {
      env.observe(v, obs.data() + static_cast<std::ptrdiff_t>(v) * obs_dim);
      env.action_mask(v, masks.data() + static_cast<std::ptrdiff_t>(v) * num_actions);
    }
    if (!state.empty()) env.state(state.data());
  }
};

struct EvalAccumulator {
  double reward = 0.0, latency = 0.0;
  long served = 0, multi = 0, ok = 0, user_frames = 0;
  int frames = 0;
  void add(const FrameMetrics& m) {
    reward += m.total_reward;
    latency += m.latency_sum_ms;
    served += m.served;
    multi += m.multi;
    ok += m.iss_ok_served;
    user_frames += m.users;
    ++frames;
  }
  EvalMetrics result() const {
    EvalMetrics e;
    e.total_reward = frames ? reward / frames : 0.0;
    e.avg_latency_ms = served ? latency / static_cast<double>(served) : 0.0;
    e.multi_rb_probability =
        served ? static_cast<double>(multi) / static_cast<double>(served) : 0.0;
    e.reliability = served ? static_cast<double>(ok) / static_cast<double>(served) : 0.0;
    e.served_share =
        user_frames ? static_cast<double>(served) / static_cast<double>(user_frames) : 0.0;
    return e;
  }
};

// ---------------------------------------------------------------------------------------------------

// One of an on-policy run's training environments: a FrameEnv on the run's world whose every
// reset, seeded or not, draws the next frame from its own stream (the vector env seeds its first
// reset; FrameEnv::reset(seed) would make that seed's world).
class TrainingCopy final : public MultiAgentEnv {
 public:
  TrainingCopy(const Config& cfg, std::shared_ptr<const World> world, Rng frames)
      : env_(cfg, std::move(world), frames) {}
  FrameEnv& frame_env() { return env_; }
  const std::vector<AgentSpec>& agents() const override { return env_.agents(); }
  int state_dim() const override { return env_.state_dim(); }
  const std::vector<std::string>& info_names() const override { return env_.info_names(); }
  void reset(std::uint64_t /*seed*/) override { env_.reset(); }
  void reset() override { env_.reset(); }
  void observe(int agent, float* out) const override { env_.observe(agent, out); }
  void action_mask(int agent, std::uint8_t* out) const override { env_.action_mask(agent, out); }
  void state(float* out) const override { env_.state(out); }
  bool acts(int agent) const override { return env_.acts(agent); }
  void step(const int* actions, float* rewards) override { env_.step(actions, rewards); }
  bool terminated() const override { return env_.terminated(); }
  bool truncated() const override { return env_.truncated(); }
  void info(double* out) const override { env_.info(out); }
  bool rewarded(int agent) const override { return env_.rewarded(agent); }
  std::int64_t episode_steps() const override { return env_.episode_steps(); }

 private:
  FrameEnv env_;
};

// Environment e's frames: (seed, "train-frames") for e = 0, the frames every other scheme trains
// on; its children ("env", e) for the others.
Rng training_frames(std::uint64_t seed, int e) {
  const Rng base(seed, FrameEnv::kFrameStream);
  return e == 0 ? base : base.child("env", static_cast<std::uint64_t>(e));
}

// IPPO / MAPPO (rl/ppo.hpp) over the servers: one rollout of Q steps per frame, frames of
// ppo.envs environments at a time, one PPO update per iteration. Acting: a ~ pi when exploring,
// argmax pi when evaluating (decentralised: each server on its own observation and mask).
class PpoAgents final : public Agents {
 public:
  PpoAgents(const Config& cfg, const Env& env, Rng& init, bool mappo)
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
      throw std::logic_error("vderl::PpoAgents: environments or frames differ from the learner's");
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
      throw std::logic_error("vderl::PpoAgents: the rollout did not fill");
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

// The training environments of an on-policy run: ppo.envs copies of the run's world, stepped on
// `threads` threads (results do not depend on the count).
std::unique_ptr<VectorEnv> make_training_envs(const Config& cfg,
                                              const std::shared_ptr<const World>& world,
                                              std::uint64_t seed, int threads) {
  std::vector<std::unique_ptr<MultiAgentEnv>> envs;
  for (int e = 0; e < cfg.ppo.envs; ++e)
    envs.push_back(std::make_unique<TrainingCopy>(cfg, world, training_frames(seed, e)));
  return std::make_unique<VectorEnv>(std::move(envs), std::max(1, threads), false);
}

Rng& frame_stream_of(VectorEnv& envs, int e) {
  return static_cast<TrainingCopy&>(envs.env(e)).frame_env().frame_stream();
}

}  // namespace

namespace {

struct SchemeRow {
  SchemeInfo info;  // name, in the default set, step cost (per iteration relative to vdn), help
  std::unique_ptr<Agents> (*make)(const Config&, const Env&, Rng& init);
};

template <class A>
std::unique_ptr<Agents> learned(const Config& cfg, const Env& env, Rng& init) {
  return std::make_unique<A>(cfg, env, init);
}

// The one table of vderl's schemes (adding a scheme: one row here; docs/architecture.md). Step
// costs: per iteration relative to vdn (bench_vderl_train, Table II size; ippo and mappo:
// iterations/s of `semra run vderl --seeds 5 --threads 2`, docs/model-vderl.md 2.5).
const std::vector<SchemeRow>& table() {
  static const std::vector<SchemeRow> t = {
      {{"vderl", true, 2.1, "the paper's VD-ERL: VDN critic, entropy-regularised actors"},
       learned<VdErlAgents>},
      {{"vdn", true, 1.0, "VDN: Q_tot = sum of the servers' Q"}, learned<VdnAgents>},
      {{"idqn", true, 1.1, "independent DQN per server on its own reward"}, learned<IdqnAgents>},
      {{"qmix", false, 1.7, "QMIX: monotonic mixing network of the servers' Q"},
       learned<QmixAgents>},
      {{"ippo", false, 0.55, "IPPO: PPO per server, critic on the server's observation"},
       [](const Config& cfg, const Env& env, Rng& init) -> std::unique_ptr<Agents> {
         return std::make_unique<PpoAgents>(cfg, env, init, false);
       }},
      {{"mappo", false, 0.45, "MAPPO: PPO per server, centralised critic on the global state"},
       [](const Config& cfg, const Env& env, Rng& init) -> std::unique_ptr<Agents> {
         return std::make_unique<PpoAgents>(cfg, env, init, true);
       }},
      {{"random", true, 0.02, "uniformly random unmasked action per server"},
       [](const Config&, const Env& env, Rng&) -> std::unique_ptr<Agents> {
         return std::make_unique<RandomAgents>(env.agents(), env.num_actions());
       }},
  };
  return t;
}

}  // namespace

const std::vector<SchemeInfo>& scheme_table() {
  static const std::vector<SchemeInfo> infos = scheme_infos(table());
  return infos;
}

const std::vector<std::string>& scheme_names() {
  static const std::vector<std::string> names = scheme_names_of(scheme_table());
  return names;
}

std::unique_ptr<Agents> make_agents(const std::string& scheme, const Config& cfg, const Env& env,
                                    std::uint64_t seed) {
  Rng init(seed, "network-init");
  for (const auto& r : table())
    if (r.info.name == scheme) return r.make(cfg, env, init);
  std::string valid;
  for (const auto& s : scheme_names()) valid += (valid.empty() ? "" : ", ") + s;
  throw InputError("unknown vderl scheme '" + scheme + "' (valid: " + valid + ")");
}

EvalMetrics evaluate(FrameEnv& env, Agents& agents, int frames, Rng& frame_rng, Rng& action_rng,
                     std::vector<float>* latencies) {
  JointView view(env, false);
  const std::size_t servers = env.agents().size();
  std::vector<int> actions(servers);
  std::vector<float> rewards(servers);
  EvalAccumulator acc;
  env.frame_stream() = frame_rng;
  for (int f = 0; f < frames; ++f) {
    env.reset();
    while (!env.terminated()) {
      view.gather(env);
      agents.act(view.obs.data(), view.masks.data(), actions.data(), action_rng, false);
      env.step(actions.data(), rewards.data());
    }
    const Env& frame = env.frame_env();
    acc.add(frame.metrics());
    if (latencies != nullptr)
      for (int k = 0; k < frame.users(); ++k)
        if (frame.user_latency_ms(k) >= 0.0)
          latencies->push_back(static_cast<float>(frame.user_latency_ms(k)));
  }
  frame_rng = env.frame_stream();
  return acc.result();
}

void check_scheme_config(const Config& cfg, const std::string& scheme) {
  if ((scheme == "ippo" || scheme == "mappo") && cfg.frames_per_iteration % cfg.ppo.envs != 0)
    throw InputError("ppo.envs (" + std::to_string(cfg.ppo.envs) +
                     "): expected a divisor of training.frames_per_iteration (" +
                     std::to_string(cfg.frames_per_iteration) +
                     "): each environment collects the same number of frames per iteration");
}

namespace {

// An outside policy (semra.evaluate) as the agents of an experiment: it never learns, so the loop
// below only evaluates it, exactly as it evaluates `random`.
class PolicyAgents final : public Agents {
 public:
  PolicyAgents(const MultiAgentEnv& env, ExternalPolicy& policy)
      : agents_(env.agents()),
        obs_dim_(agents_.front().obs_dim),
        actions_(agents_.front().num_actions),
        acts_(agents_.size(), 1),
        policy_(policy) {}
  void act(const float* obs, const std::uint8_t* masks, int* actions, Rng&, bool) override {
    policy_.act(agents_, obs, obs_dim_, masks, actions_, acts_.data(), actions);
  }

 private:
  std::vector<AgentSpec> agents_;
  int obs_dim_, actions_;
  std::vector<std::uint8_t> acts_;  // every server acts at every step
  ExternalPolicy& policy_;
};

using AgentsFactory = std::function<std::unique_ptr<Agents>(const FrameEnv&)>;

ExperimentResult run_with(const Config& cfg, const std::string& scheme, std::uint64_t seed,
                          RunContext& ctx, const AgentsFactory& make);

}  // namespace

ExperimentResult run_experiment(const Config& cfg, const std::string& scheme, std::uint64_t seed,
                                RunContext& ctx) {
  return run_with(cfg, scheme, seed, ctx, [&](const FrameEnv& env) {
    return make_agents(scheme, cfg, env.frame_env(), seed);
  });
}

ExperimentResult run_policy_experiment(const Config& cfg, const std::string& name,
                                       std::uint64_t seed, RunContext& ctx,
                                       ExternalPolicy& policy) {
  return run_with(cfg, name, seed, ctx, [&](const FrameEnv& env) -> std::unique_ptr<Agents> {
    policy.begin(seed);
    return std::make_unique<PolicyAgents>(env, policy);
  });
}

namespace {

ExperimentResult run_with(const Config& cfg, const std::string& scheme, std::uint64_t seed,
                          RunContext& ctx, const AgentsFactory& make) {
  cfg.validate();
  check_scheme_config(cfg, scheme);
  const auto t0 = std::chrono::steady_clock::now();
  const auto world = make_world(cfg, seed);
  // Streams: every random component draws from its own (seed, name) stream. The training frames
  // are those of FrameEnv::reset(seed) (the Python environment's episodes for that seed).
  FrameEnv train_env(cfg, world, Rng(seed, FrameEnv::kFrameStream));
  FrameEnv eval_env(cfg, world, Rng(seed, "eval-frames"));
  auto agents = make(train_env);
  Rng& train_frames = train_env.frame_stream();
  Rng explore(seed, "exploration"), replay(seed, "replay-sampling");
  Rng eval_actions(seed, "eval-actions");
  const Rng eval_frames_start(seed, "eval-frames");  // the same evaluation frames every iteration
  // On-policy learners: their training environments (the frames of each are its stream's).
  std::unique_ptr<VectorEnv> envs;
  if (agents->on_policy()) envs = make_training_envs(cfg, world, seed, ctx.threads());

  ExperimentResult result;
  result.scheme = scheme;
  result.seed = seed;
  result.columns = metric_columns();

  const bool with_state = agents->needs_state();
  JointView now(train_env, with_state), next(train_env, with_state);
  std::vector<int> actions(train_env.agents().size());
  std::vector<float> rewards(train_env.agents().size());
  std::vector<double> reward_curve;
  std::int64_t frames_stored = 0;

  // Checkpoints (core/experiment.hpp) at the top of an iteration. The environments need nothing:
  // every frame starts with reset(frame stream), which redraws all of their mutable state.
  auto save_state = [&](StateWriter& out) {
    out.tag("vderl");
    agents->save_state(out);
    for (const Rng* g : {&train_frames, &explore, &replay, &eval_actions}) out.rng(*g);
    out.vec(reward_curve);
    out.i64(frames_stored);
    if (envs)
      for (int e = 0; e < envs->num_envs(); ++e) out.rng(frame_stream_of(*envs, e));
    save_result(out, result);
  };
  int it_start = 1;
  if (const std::string* state = ctx.resume_state()) {
    StateReader in(*state, "vderl checkpoint of " + scheme + " seed " + std::to_string(seed));
    in.expect_tag("vderl");
    agents->load_state(in);
    for (Rng* g : {&train_frames, &explore, &replay, &eval_actions}) in.rng(*g);
    in.vec_into(reward_curve);
    frames_stored = in.i64();
    if (envs)
      for (int e = 0; e < envs->num_envs(); ++e) in.rng(frame_stream_of(*envs, e));
    load_result(in, result);
    in.expect_end();
    it_start = static_cast<int>(ctx.resume_step()) + 1;
    ctx.release_resume_state();
  }

  for (int it = it_start; it <= cfg.iterations; ++it) {
    ctx.step_boundary(it - 1, save_state);  // it - 1 iterations done
    agents->begin_iteration(it, cfg.iterations);
    if (envs) {
      agents->learn_on_policy(*envs, cfg.frames_per_iteration, explore, replay);
      frames_stored += cfg.frames_per_iteration;
    } else if (agents->learns()) {
      for (int f = 0; f < cfg.frames_per_iteration; ++f) {
        train_env.reset();
        now.gather(train_env);
        while (!train_env.terminated()) {
          agents->act(now.obs.data(), now.masks.data(), actions.data(), explore, true);
          train_env.step(actions.data(), rewards.data());
          next.gather(train_env);
          float team_reward = 0.0f;  // the sum over servers, in server order (as Env sums it)
          for (const float r : rewards) team_reward += r;
          agents->observe(now.obs.data(), now.masks.data(), actions.data(), rewards.data(),
                          team_reward, next.obs.data(), next.masks.data(), train_env.terminated(),
                          with_state ? now.state.data() : nullptr,
                          with_state ? next.state.data() : nullptr);
          std::swap(now, next);
        }
        ++frames_stored;
      }
      if (frames_stored >= cfg.learning_starts_frames) agents->learn(cfg.gradient_steps, replay);
    }
    Rng eval_frames = eval_frames_start;
    const EvalMetrics m = evaluate(eval_env, *agents, cfg.eval_frames, eval_frames, eval_actions);
    result.add_row(it - 1, {m.total_reward, m.avg_latency_ms, m.multi_rb_probability, m.reliability,
                            m.served_share});
    ctx.row_recorded(result);
    reward_curve.push_back(m.total_reward);
    ctx.add_steps(1);
    ctx.report_metric(m.avg_latency_ms);
  }

  // Final evaluation on fresh frames: the summary scalars.
  Rng final_frames(seed, "final-eval-frames");
  std::vector<float> latencies;
  const EvalMetrics fin =
      evaluate(eval_env, *agents, cfg.final_eval_frames, final_frames, eval_actions, &latencies);
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  result.scalars["final_reward"] = fin.total_reward;
  result.scalars["avg_latency_ms"] = fin.avg_latency_ms;
  result.scalars["multi_rb_probability"] = fin.multi_rb_probability;
  result.scalars["reliability"] = fin.reliability;
  result.scalars["served_share"] = fin.served_share;
  result.scalars["reliability_met"] = fin.reliability >= cfg.epsilon ? 1.0 : 0.0;
  result.scalars["convergence_iteration"] = convergence_iteration(reward_curve);
  result.scalars["steps_per_second"] =
      wall_s > 0.0 ? (cfg.iterations - it_start + 1) / wall_s : 0.0;
  result.samples["latency_ms"] = std::move(latencies);

  const std::string dir = ctx.models_root.empty() ? std::string() : ctx.model_dir_for(scheme, seed);
  if (!dir.empty()) {
    create_directories_or_throw(dir);
    agents->save(dir);
  }
  return result;
}

}  // namespace

}  // namespace semra::vderl
