// vderl environment alone, one thread, Table II size (V = 5, U = 50, Q = 8). Items/s = frames/s.
//   BM_VderlEnvFrame: reset (fading + requests), then Q steps of observe + mask + random valid
//   action
//                     for every server + step
#include <benchmark/benchmark.h>

#include <vector>

#include "semra/rl/dqn.hpp"
#include "semra/scenarios/vderl/env.hpp"

using namespace semra::vderl;

static void BM_VderlEnvFrame(benchmark::State& state) {
  Config c;
  const auto world = make_world(c, 1);
  Environment env(c, world);
  semra::Rng frames(1, "frames"), actions_rng(1, "actions");
  std::vector<float> obs(static_cast<std::size_t>(env.obs_dim()));
  std::vector<std::uint8_t> mask(static_cast<std::size_t>(env.num_actions()));
  std::vector<int> actions(static_cast<std::size_t>(env.agents()));
  for (auto _ : state) {
    env.reset(frames);
    while (!env.done()) {
      for (int v = 0; v < env.agents(); ++v) {
        env.observe(v, obs.data());
        env.action_mask(v, mask.data());
        actions[static_cast<std::size_t>(v)] =
            semra::rl::random_valid_action(mask.data(), env.num_actions(), actions_rng);
      }
      env.step(actions.data());
    }
    benchmark::DoNotOptimize(env.metrics().total_reward);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VderlEnvFrame)->Unit(benchmark::kMicrosecond);
