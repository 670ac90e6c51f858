// PPO (rl/ppo.hpp) at the vderl sizes, one thread. Table II: V = 5 servers (agents), observation
// 288 = Q + M x 7 (Q = 8 resource blocks, M = 40 user slots), 41 actions, state 258 = Q + U x 5
// (U = 50 users). Networks: one actor 288-64-64-41 per agent and MAPPO's critic 258-64-64-1 on
// the state (one V(s) per environment step), ReLU, Adam, the MAPPO defaults otherwise.
//   BM_PpoUpdate/<epochs>/<minibatches>/<T>: one PpoLearner::update (bootstrap values, GAE, value
//     and advantage normalisation, shuffles, then epochs x minibatches gradient steps of every
//     network) on a rollout of T steps of E = 16 environments, i.e. minibatches of T E /
//     minibatches samples per network; /1/1/32 is one update with one minibatch of 512, /1/8/32
//     one pass in minibatches of 64 (where per-step overheads weigh more). The
//     rollout (synthetic observations, half of the actions masked) is collected outside the
//     timing. bench/ppo_update_torch.py times the same update in PyTorch (docs/nn.md).
//   BM_PpoVderlTraining/<epochs>: environment plus learning: 16 vderl environments (Table II,
//     the vector env on one thread) act, step and observe for T = 32 steps, then one update with
//     one minibatch of 512; items/s = environment steps per second.
// Run: build/bench/bench_ppo_update --benchmark_repetitions=5
// --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <memory>
#include <stdexcept>
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/core/vector_env.hpp"
#include "semra/experiments/registry.hpp"
#include "semra/rl/ppo.hpp"

namespace {

using semra::Rng;
using namespace semra::rl;

constexpr int kEnvs = 16, kAgents = 5, kObs = 288, kActions = 41, kState = 258;

PpoConfig vderl_size_config(int epochs, int minibatches, int rollout_steps) {
  PpoConfig c = PpoConfig::mappo();
  c.share_parameters = false;  // one actor per server
  c.epochs = epochs;
  c.num_minibatches = minibatches;
  c.rollout_steps = rollout_steps;
  return c;
}

// K synthetic steps, cycled: observations and states U(-1, 1), rewards U(0, 1), action 0 always
// valid and every other action with probability 1/2, no episode end.
struct SyntheticSteps {
  static constexpr int K = 8;
  std::vector<float> obs, states, rewards;
  std::vector<std::uint8_t> masks, done;
  SyntheticSteps() {
    Rng rng(1, "bench-data");
    obs.resize(static_cast<std::size_t>(K) * kEnvs * kAgents * kObs);
    states.resize(static_cast<std::size_t>(K) * kEnvs * kState);
    rewards.resize(static_cast<std::size_t>(K) * kEnvs * kAgents);
    masks.resize(static_cast<std::size_t>(K) * kEnvs * kAgents * kActions);
    done.assign(kEnvs, 0);
    for (float& x : obs) x = static_cast<float>(rng.uniform(-1, 1));
    for (float& x : states) x = static_cast<float>(rng.uniform(-1, 1));
    for (float& x : rewards) x = static_cast<float>(rng.uniform());
    for (std::size_t i = 0; i < masks.size(); ++i)
      masks[i] = i % kActions == 0 || rng.uniform() < 0.5 ? 1 : 0;
  }
  const float* o(int k) const { return &obs[static_cast<std::size_t>(k) * kEnvs * kAgents * kObs]; }
  const float* s(int k) const { return &states[static_cast<std::size_t>(k) * kEnvs * kState]; }
  const float* r(int k) const { return &rewards[static_cast<std::size_t>(k) * kEnvs * kAgents]; }
  const std::uint8_t* m(int k) const {
    return &masks[static_cast<std::size_t>(k) * kEnvs * kAgents * kActions];
  }
};

void BM_PpoUpdate(benchmark::State& state) {
  const int epochs = static_cast<int>(state.range(0)),
            minibatches = static_cast<int>(state.range(1)), T = static_cast<int>(state.range(2));
  static const SyntheticSteps data;
  Rng init(1, "init"), rng(2, "ppo");
  PpoLearner ppo({kEnvs, kAgents, kObs, kActions, kState},
                 vderl_size_config(epochs, minibatches, T), init);
  std::vector<int> actions(kEnvs * kAgents);
  int k = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (int t = 0; t < T; ++t, k = (k + 1) % SyntheticSteps::K) {
      ppo.act(data.o(k), data.m(k), nullptr, data.s(k), rng, actions.data());
      ppo.observe(data.r(k), data.done.data(), data.done.data());
    }
    state.ResumeTiming();
    const PpoStats s = ppo.update(data.o(k), data.s(k), rng);
    benchmark::DoNotOptimize(s.policy_loss);
  }
  state.counters["minibatch_steps/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * epochs * minibatches, benchmark::Counter::kIsRate);
  state.counters["minibatch"] = static_cast<double>(T * kEnvs / minibatches);
}
BENCHMARK(BM_PpoUpdate)
    ->Args({1, 1, 32})
    ->Args({15, 1, 32})
    ->Args({5, 4, 128})
    ->Args({1, 8, 32})
    ->Unit(benchmark::kMillisecond);

void BM_PpoVderlTraining(benchmark::State& state) {
  const auto* sc = semra::find_scenario("vderl");
  if (sc == nullptr || !sc->make_env) {
    state.SkipWithError("no vderl environment in this build");
    return;
  }
  const auto cfg = sc->make_config();  // Table II
  cfg->validate();
  std::vector<std::unique_ptr<semra::MultiAgentEnv>> envs;
  for (int e = 0; e < kEnvs; ++e) envs.push_back(sc->make_env(*cfg, ""));
  semra::VectorEnv venv(std::move(envs), 1, /*ignore_invalid=*/false);
  const PpoDims dims = PpoDims::of(venv);
  if (dims.agents != kAgents || dims.obs_dim != kObs || dims.num_actions != kActions ||
      dims.state_dim != kState)
    throw std::logic_error("bench_ppo_update: vderl's Table II sizes changed; update kObs etc.");
  const int T = 32, epochs = static_cast<int>(state.range(0));
  Rng init(1, "init"), rng(2, "ppo");
  PpoLearner ppo(dims, vderl_size_config(epochs, 1, T), init);
  std::vector<int> actions(kEnvs * kAgents);
  std::vector<float> states(kEnvs * kState);
  venv.reset(1);
  for (auto _ : state) {
    for (int t = 0; t < T; ++t) {
      venv.state(states.data());
      ppo.act(venv.obs(), venv.masks(), venv.acts(), states.data(), rng, actions.data());
      venv.step(actions.data());
      ppo.observe(venv.rewards(), venv.terminations(), venv.truncations());
    }
    venv.state(states.data());
    benchmark::DoNotOptimize(ppo.update(venv.obs(), states.data(), rng).policy_loss);
  }
  state.SetItemsProcessed(state.iterations() * T * kEnvs);
}
BENCHMARK(BM_PpoVderlTraining)->Arg(1)->Arg(5)->Arg(15)->Unit(benchmark::kMillisecond);

}  // namespace
