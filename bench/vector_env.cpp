// The vector-env loop (core/vector_env.hpp) that semra.vector_env drives from Python, here from
// C++: reset(seed), then step() with K = 16 fixed random action arrays in turn (masked actions
// become the do-nothing action: invalid actions ignored), autoreset included. Items/s = environment
// steps/s. bench/vector_env.py runs the same loop from Python and through this C++ loop in one
// process and reports the binding's cost; docs/python.md has the numbers and commands.
//   BM_VectorEnv/<scenario 0 = vderl Table II, 1 = dhdrl 7 cells>/<num_envs>/<threads>
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/core/vector_env.hpp"
#include "semra/experiments/registry.hpp"

static void BM_VectorEnv(benchmark::State& state) {
  const char* name = state.range(0) == 0 ? "vderl" : "dhdrl";
  const auto* sc = semra::find_scenario(name);
  if (sc == nullptr || !sc->make_env) {
    state.SkipWithError("scenario has no multi-agent environment in this build");
    return;
  }
  const auto cfg = sc->make_config();  // paper defaults: vderl Table II, dhdrl 7 cells
  cfg->validate();
  const int E = static_cast<int>(state.range(1)), threads = static_cast<int>(state.range(2));
  std::vector<std::unique_ptr<semra::MultiAgentEnv>> envs;
  for (int e = 0; e < E; ++e) envs.push_back(sc->make_env(*cfg, ""));
  semra::VectorEnv venv(std::move(envs), threads, /*ignore_invalid=*/true);
  constexpr int K = 16;
  const int A = venv.num_agents();
  std::vector<int> actions(static_cast<std::size_t>(K) * E * A);
  semra::Rng rng(1, "bench-actions");
  for (std::size_t i = 0; i < actions.size(); ++i)
    actions[i] = rng.uniform_int(venv.agents()[i % static_cast<std::size_t>(A)].num_actions);
  venv.reset(1);
  std::size_t t = 0;
  for (auto _ : state) {
    venv.step(&actions[(t++ % K) * static_cast<std::size_t>(E) * A]);
    benchmark::DoNotOptimize(venv.rewards()[0]);
  }
  state.SetItemsProcessed(state.iterations() * E);
}
BENCHMARK(BM_VectorEnv)
    ->ArgsProduct({{0, 1}, {1, 64, 256}, {1}})
    ->ArgsProduct({{0, 1}, {64, 256}, {2}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
