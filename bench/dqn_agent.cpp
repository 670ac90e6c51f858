// DqnAgent end to end on the DHDRL reference configuration (74 inputs, 64-32 hidden, 100 actions,
// batch 8): learn() = replay sampling + the update measured in nn_update; act() = epsilon-greedy.
// Run: build/bench/bench_dqn_agent --benchmark_repetitions=5
// --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <vector>

#include "semra/core/rng.hpp"
#include "semra/rl/dqn.hpp"

namespace {

using semra::Rng;
using semra::rl::DqnAgent;
using semra::rl::DqnConfig;

constexpr int kObs = 74, kActions = 100;

void fill(DqnAgent& agent, Rng& rng) {
  std::vector<float> obs(kObs), next(kObs);
  std::vector<std::uint8_t> mask(kActions, 1);
  for (int t = 0; t < agent.replay().capacity(); ++t) {
    for (auto& x : obs) x = static_cast<float>(rng.uniform(-1, 1));
    for (auto& x : next) x = static_cast<float>(rng.uniform(-1, 1));
    mask[static_cast<std::size_t>(rng.uniform_int(kActions))] ^= 1;
    agent.remember(obs.data(), rng.uniform_int(kActions), static_cast<float>(rng.uniform()),
                   next.data(), false, mask.data());
  }
}

void BM_DqnAgentLearn(benchmark::State& state) {
  DqnConfig c;
  c.double_q = state.range(0) != 0;
  Rng init(1, "init"), rng(2, "run");
  DqnAgent agent(kObs, kActions, c, init);
  fill(agent, rng);
  for (auto _ : state) benchmark::DoNotOptimize(agent.learn(rng));
}
BENCHMARK(BM_DqnAgentLearn)->Arg(0)->Arg(1)->ArgName("double_dqn");

void BM_DqnAgentActGreedy(benchmark::State& state) {
  Rng init(3, "init"), rng(4, "run");
  DqnAgent agent(kObs, kActions, DqnConfig{}, init);
  std::vector<float> obs(kObs);
  for (auto& x : obs) x = static_cast<float>(rng.uniform(-1, 1));
  std::vector<std::uint8_t> mask(kActions, 1);
  mask[5] = 0;
  for (auto _ : state) benchmark::DoNotOptimize(agent.act(obs.data(), mask.data(), rng, false));
}
BENCHMARK(BM_DqnAgentActGreedy);

}  // namespace
