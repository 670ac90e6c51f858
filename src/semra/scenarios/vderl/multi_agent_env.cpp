#include "semra/scenarios/vderl/multi_agent_env.hpp"

#include <algorithm>
#include <stdexcept>

namespace semra::vderl {

namespace {

std::vector<AgentSpec> agent_specs(const Config& cfg) {
  std::vector<AgentSpec> specs;
  for (int v = 0; v < cfg.servers; ++v)
    specs.push_back(AgentSpec{"server_" + std::to_string(v),
                              cfg.rbs + cfg.max_users_per_server * Env::kSlotFeatures,
                              cfg.max_users_per_server + 1, 0});
  return specs;
}

}  // namespace

FrameEnv::FrameEnv(const Config& cfg) : cfg_(cfg), agents_(agent_specs(cfg)) {}

FrameEnv::FrameEnv(const Config& cfg, std::shared_ptr<const World> world, Rng frames)
    : cfg_(cfg), agents_(agent_specs(cfg)), world_(std::move(world)), frames_(frames) {
  env_.emplace(cfg_, world_);
}

int FrameEnv::state_dim() const {
  return cfg_.rbs + cfg_.users * Env::kStateUserFeatures;
}

const std::vector<std::string>& FrameEnv::info_names() const {
  static const std::vector<std::string> names = {"total_reward",  "users",         "served",
                                                 "multi",         "iss_ok_served", "latency_sum_ms",
                                                 "latency_max_ms"};
  return names;
}

void FrameEnv::reset(std::uint64_t seed) {
  // The world depends only on (config, seed): keep it when the seed repeats.
  if (!world_ || world_seed_ != seed) {
    world_ = make_world(cfg_, seed);
    world_seed_ = seed;
    env_.emplace(cfg_, world_);
  }
  frames_ = Rng(seed, kFrameStream);
  env_->reset(frames_);
}

void FrameEnv::reset() {
  if (!env_) {
    reset(0);
    return;
  }
  env_->reset(frames_);
}

void FrameEnv::step(const int* actions, float* rewards) {
  if (!env_) throw std::logic_error("vderl::FrameEnv::step before reset");
  env_->step(actions);
  std::copy_n(env_->rewards(), agents_.size(), rewards);
}

void FrameEnv::info(double* out) const {
  const FrameMetrics m = env_ ? env_->metrics() : FrameMetrics{};
  out[0] = m.total_reward;
  out[1] = m.users;
  out[2] = m.served;
  out[3] = m.multi;
  out[4] = m.iss_ok_served;
  out[5] = m.latency_sum_ms;
  out[6] = m.latency_max_ms;
}

}  // namespace semra::vderl
