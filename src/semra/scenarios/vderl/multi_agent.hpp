#pragma once
// vderl as a semra::MultiAgentEnv (core/multi_agent_env.hpp): the frame environment of env.hpp
// with the streams that feed it, so the C++ schemes and the Python face drive one model.
//
// Episode: one frame, Q steps (one per RB, all servers at once). It terminates after step Q (the
// last RB); nothing truncates it. Agents "server_0" .. "server_{V-1}", all acting at every step;
// action 0 (leave the RB unused) is the do-nothing action. Rewards: env.hpp (per RB, summing to
// eq. (12) over the frame). info(): the frame's FrameMetrics, zero until the step that ends the
// frame.
//
// reset(seed): the world (topology, image pool: make_world(cfg, seed)) and the frame stream
// (seed, "train-frames") from `seed`, then the first frame; the same frames a training run of that
// seed collects. reset(): the next frame of the same world, drawn from the continuing stream.
// reset_new_world(): a new topology (users' positions and service areas) drawn from the stream
// (seed, "worlds"), the image pool kept, then the next frame; a topology with more users in a
// service area than network.max_users_per_server is drawn again (up to 100 times, then InputError).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "semra/core/multi_agent_env.hpp"
#include "semra/core/rng.hpp"
#include "semra/scenarios/vderl/config.hpp"
#include "semra/scenarios/vderl/env.hpp"

namespace semra {
class VectorEnv;
}

namespace semra::vderl {

class MultiAgentEnvironment final : public MultiAgentEnv {
 public:
  static constexpr const char* kFrameStream = "train-frames";

  // No world yet: the first reset(seed) (or reset(), as seed 0) makes it.
  explicit MultiAgentEnvironment(const Config& cfg);
  // A given world and frame stream (the schemes: train and evaluation share one world).
  MultiAgentEnvironment(const Config& cfg, std::shared_ptr<const World> world, Rng frames);

  const std::vector<AgentSpec>& agents() const override { return agents_; }
  int state_dim() const override;
  const std::vector<std::string>& info_names() const override;

  void reset(std::uint64_t seed) override;
  void reset() override;
  void reset_new_world() override;

  void observe(int agent, float* out) const override { env_->observe(agent, out); }
  void action_mask(int agent, std::uint8_t* out) const override { env_->action_mask(agent, out); }
  void state(float* out) const override { env_->state(out); }
  bool acts(int /*agent*/) const override { return true; }

  void step(const int* actions, float* rewards) override;
  bool terminated() const override { return env_->done(); }
  bool truncated() const override { return false; }
  void info(double* out) const override;
  // reward.timing = "frame_end": only the frame's last step carries a reward.
  bool rewarded(int agent) const override;
  std::int64_t episode_steps() const override { return cfg_.rbs; }
  std::string render_text() const override;

  // The frame stream reset() draws from (the schemes swap in their evaluation streams).
  Rng& frame_stream() { return frames_; }
  // A new frame stream: the next reset() draws frame 0 of `set` from `frames` (evaluation passes).
  void start_frames(const Rng& frames, FrameSet set);
  // Frames drawn since the stream started (a trace's row: checkpoints of trace-driven runs).
  std::uint64_t frames_drawn() const { return env_ ? env_->frames_drawn() : 0; }
  void set_frames_drawn(std::uint64_t frames);
  const Environment& model() const { return *env_; }

 private:
  Config cfg_;
  std::vector<AgentSpec> agents_;
  std::shared_ptr<const World> world_;
  std::optional<std::uint64_t>
      world_seed_;  // the seed world_ was made from, if reset(seed) made it
  std::optional<Environment> env_;
  Rng frames_;
  Rng worlds_;
};

// The training environments of an on-policy run (ippo, mappo): ppo.envs copies of `world`, each
// drawing its frames from its own stream at every reset, stepped on `threads` threads (results do
// not depend on the count). Copy 0 draws (seed, "train-frames"), the frames every other scheme
// trains on; copy e > 0 its child ("env", e).
std::unique_ptr<VectorEnv> make_training_envs(const Config& cfg,
                                              const std::shared_ptr<const World>& world,
                                              std::uint64_t seed, int threads);
// Copy e's frame stream (checkpoints).
Rng& frame_stream_of(VectorEnv& envs, int e);
MultiAgentEnvironment& training_env_of(VectorEnv& envs, int e);

}  // namespace semra::vderl
