#include "semra/scenarios/vderl/multi_agent.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "semra/core/error.hpp"
#include "semra/core/vector_env.hpp"

namespace semra::vderl {

namespace {

std::vector<AgentSpec> agent_specs(const Config& cfg) {
  std::vector<AgentSpec> specs;
  for (int v = 0; v < cfg.servers; ++v)
    specs.push_back(AgentSpec{"server_" + std::to_string(v),
                              cfg.rbs + cfg.max_users_per_server * Environment::kSlotFeatures,
                              cfg.max_users_per_server + 1, 0, "server"});
  return specs;
}

}  // namespace

MultiAgentEnvironment::MultiAgentEnvironment(const Config& cfg)
    : cfg_(cfg), agents_(agent_specs(cfg)) {}

MultiAgentEnvironment::MultiAgentEnvironment(const Config& cfg, std::shared_ptr<const World> world,
                                             Rng frames)
    : cfg_(cfg), agents_(agent_specs(cfg)), world_(std::move(world)), frames_(frames) {
  env_.emplace(cfg_, world_);
}

int MultiAgentEnvironment::state_dim() const {
  return cfg_.rbs + cfg_.users * Environment::kStateUserFeatures;
}

const std::vector<std::string>& MultiAgentEnvironment::info_names() const {
  static const std::vector<std::string> names = {"total_reward",  "users",         "served",
                                                 "multi",         "iss_ok_served", "latency_sum_ms",
                                                 "latency_max_ms"};
  return names;
}

void MultiAgentEnvironment::reset(std::uint64_t seed) {
  // The world depends only on (config, seed): keep it when the seed repeats.
  if (!world_ || world_seed_ != seed) {
    world_ = make_world(cfg_, seed);
    world_seed_ = seed;
    env_.emplace(cfg_, world_);
  }
  frames_ = Rng(seed, kFrameStream);
  worlds_ = Rng(seed, "worlds");
  env_->start_frames(FrameSet::train);
  env_->reset(frames_);
}

void MultiAgentEnvironment::start_frames(const Rng& frames, FrameSet set) {
  if (!env_) throw std::logic_error("vderl::MultiAgentEnvironment::start_frames without a world");
  frames_ = frames;
  env_->start_frames(set);
}

void MultiAgentEnvironment::set_frames_drawn(std::uint64_t frames) {
  if (!env_)
    throw std::logic_error("vderl::MultiAgentEnvironment::set_frames_drawn without a world");
  env_->set_frames_drawn(frames);
}

void MultiAgentEnvironment::reset_new_world() {
  if (!env_) reset(0);
  // Worlds of other seeds' topologies: the image pool (and its Algorithm-1 selections, the costly
  // part of make_world) is a property of the images, not of where the users stand.
  std::string refused;
  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::uint64_t topology_seed = worlds_.next_u64();
    try {
      auto world = std::make_shared<World>(
          World{draw_topology(cfg_, topology_seed), world_->images, world_->channels});
      world_ = std::move(world);
      world_seed_.reset();  // no longer the world of a seed: a later reset(seed) rebuilds it
      // The frame stream goes on: so does the frame count (a trace's row).
      const FrameSet set = env_->frame_set();
      const std::uint64_t drawn = env_->frames_drawn();
      env_.emplace(cfg_, world_);
      env_->start_frames(set);
      env_->set_frames_drawn(drawn);
      env_->reset(frames_);
      return;
    } catch (const InputError& e) {
      refused = e.what();
    }
  }
  throw InputError("vderl: 100 new topologies in a row were refused; the last: " + refused);
}

void MultiAgentEnvironment::reset() {
  if (!env_) {
    reset(0);
    return;
  }
  env_->reset(frames_);
}

void MultiAgentEnvironment::step(const int* actions, float* rewards) {
  if (!env_) throw std::logic_error("vderl::MultiAgentEnvironment::step before reset");
  env_->step(actions);
  std::copy_n(env_->rewards(), agents_.size(), rewards);
}

bool MultiAgentEnvironment::rewarded(int /*agent*/) const {
  return env_ && env_->step_index() > 0 && (cfg_.timing == "per_rb" || env_->done());
}

// Servers with the users of their service area, then the allocation so far, RB by RB: which user
// (by index) each server gave the RB, "-" for none, "." for RBs still to come.
std::string MultiAgentEnvironment::render_text() const {
  if (!env_) return "vderl: not reset\n";
  const Environment& env = *env_;
  const int V = env.agents(), Q = env.rbs();
  std::string out = "vderl frame: RB step " + std::to_string(env.step_index()) + " of " +
                    std::to_string(Q) + ", " + std::to_string(env.users()) + " users, " +
                    std::to_string(V) + " servers\n";
  char buf[96];
  for (int v = 0; v < V; ++v) {
    const auto& p = env.world().topology.servers[static_cast<std::size_t>(v)];
    std::snprintf(buf, sizeof buf, "server_%d at (%.0f, %.0f) m, %zu users in area:", v, p.x_m,
                  p.y_m, env.area(v).size());
    out += buf;
    for (const int k : env.area(v)) {
      std::snprintf(buf, sizeof buf, " %d", k);
      out += buf;
    }
    out += "\n";
  }
  out += "RB  ";
  for (int v = 0; v < V; ++v) {
    std::snprintf(buf, sizeof buf, " server_%-3d", v);
    out += buf;
  }
  out += "\n";
  for (int q = 0; q < Q; ++q) {
    std::snprintf(buf, sizeof buf, "%-4d", q);
    out += buf;
    for (int v = 0; v < V; ++v) {
      char cell[24] = ".";
      if (q < env.step_index()) {
        const int k = env.allocation()[q * V + v];  // the user, or radio::kNoUser
        if (k == radio::kNoUser)
          std::snprintf(cell, sizeof cell, "-");
        else
          std::snprintf(cell, sizeof cell, "user %d", k);
      }
      std::snprintf(buf, sizeof buf, " %-10s", cell);
      out += buf;
    }
    out += "\n";
  }
  if (env.done()) {
    const FrameMetrics& m = env.metrics();
    std::snprintf(buf, sizeof buf, "frame: reward %.3f, served %d of %d, multi %d, ISS ok %d\n",
                  m.total_reward, m.served, m.users, m.multi, m.iss_ok_served);
    out += buf;
  }
  return out;
}

void MultiAgentEnvironment::info(double* out) const {
  const FrameMetrics m = env_ ? env_->metrics() : FrameMetrics{};
  out[0] = m.total_reward;
  out[1] = m.users;
  out[2] = m.served;
  out[3] = m.multi;
  out[4] = m.iss_ok_served;
  out[5] = m.latency_sum_ms;
  out[6] = m.latency_max_ms;
}

namespace {

// One of an on-policy run's training environments: a MultiAgentEnvironment on the run's world whose
// every reset, seeded or not, draws the next frame from its own stream (the vector env seeds its
// first reset; MultiAgentEnvironment::reset(seed) would make that seed's world).
class TrainingCopy final : public MultiAgentEnv {
 public:
  TrainingCopy(const Config& cfg, std::shared_ptr<const World> world, Rng frames)
      : env_(cfg, std::move(world), frames) {}
  MultiAgentEnvironment& model() { return env_; }
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
  MultiAgentEnvironment env_;
};

// Environment e's frames: (seed, "train-frames") for e = 0, the frames every other scheme trains
// on; its children ("env", e) for the others.
Rng training_frames(std::uint64_t seed, int e) {
  const Rng base(seed, MultiAgentEnvironment::kFrameStream);
  return e == 0 ? base : base.child("env", static_cast<std::uint64_t>(e));
}

}  // namespace

std::unique_ptr<VectorEnv> make_training_envs(const Config& cfg,
                                              const std::shared_ptr<const World>& world,
                                              std::uint64_t seed, int threads) {
  std::vector<std::unique_ptr<MultiAgentEnv>> envs;
  for (int e = 0; e < cfg.ppo.envs; ++e)
    envs.push_back(std::make_unique<TrainingCopy>(cfg, world, training_frames(seed, e)));
  return std::make_unique<VectorEnv>(std::move(envs), std::max(1, threads), false);
}

Rng& frame_stream_of(VectorEnv& envs, int e) {
  return static_cast<TrainingCopy&>(envs.env(e)).model().frame_stream();
}

MultiAgentEnvironment& training_env_of(VectorEnv& envs, int e) {
  return static_cast<TrainingCopy&>(envs.env(e)).model();
}

}  // namespace semra::vderl
