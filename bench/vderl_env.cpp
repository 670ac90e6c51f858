// vderl hot paths, one thread, Table II size (V = 5, U = 50, Q = 8). Items/s = frames/s.
//   BM_VderlEnvFrame:      environment only: reset (fading + requests), Q steps of observe + mask +
//                          random valid actions + step for every server
//   BM_VderlTrainIteration/scheme: one training iteration of a scheme at the default config
//                          (collect training.frames_per_iteration frames, training.gradient_steps
//                          gradient steps, training.eval_frames greedy evaluation frames); items =
//                          frames simulated (collected + evaluated)
//   BM_VderlGradientStep/scheme: one gradient step of all agents on a sampled batch
#include <benchmark/benchmark.h>

#include <vector>

#include "semra/core/experiment.hpp"
#include "semra/rl/dqn.hpp"
#include "semra/scenarios/vderl/env.hpp"
#include "semra/scenarios/vderl/schemes.hpp"

using namespace semra::vderl;

static void BM_VderlEnvFrame(benchmark::State& state) {
  Config c;
  const auto world = make_world(c, 1);
  Env env(c, world);
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

// A whole experiment of `iterations` iterations timed per iteration: the same code path as
// `semra run vderl` (run_experiment), minus nothing.
static void BM_VderlTrainIteration(benchmark::State& state, const char* scheme) {
  Config c;
  c.iterations = 10;
  c.final_eval_frames = 1;
  semra::RunContext ctx;
  std::uint64_t seed = 1;
  for (auto _ : state) {
    auto r = run_experiment(c, scheme, seed++, ctx);
    benchmark::DoNotOptimize(r.scalars.size());
  }
  state.SetItemsProcessed(state.iterations() * c.iterations *
                          (c.frames_per_iteration + c.eval_frames));
  state.counters["iterations/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * c.iterations), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_VderlTrainIteration, vderl, "vderl")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_VderlTrainIteration, vdn, "vdn")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_VderlTrainIteration, idqn, "idqn")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_VderlTrainIteration, qmix, "qmix")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_VderlTrainIteration, random, "random")->Unit(benchmark::kMillisecond);
