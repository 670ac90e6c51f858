// dhdrl hot paths, one thread (BM_TrainSlotDhdrlThreads: one experiment on several). Items/s =
// slots/s.
//   BM_EnvRandomSlot/rings:   environment only, random actions (issue target: >= 100,000 slots/s at
//                             rings = 1, 7 cells): the physics of a slot (Environment)
//   BM_EnvRandomSlotTrace/rings: the same with channel.source = "trace", beam gains G exported
//                             from the model (1000 slots, wrapping): docs/channels.md "Speed"
//   BM_MultiAgentRandomSlot/rings: the same through the multi-agent environment (random actions,
//                             every agent observed, rewards and metrics: what Python's step costs)
//   BM_TrainSlot/scheme/rings: full training slot of a scheme (dhdrl target >= 2,000 slots/s at 7
//                             cells: both levels learning every slot, batch 8)
//   BM_TrainSlotDhdrlThreads/rings/threads: dhdrl's training slot on a WorkTeam of `threads`
//                             (wall time; issue 10: 37 cells, 2 threads >= 1.7x one)
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "semra/core/work_team.hpp"
#include "semra/scenarios/dhdrl/env.hpp"
#include "semra/scenarios/dhdrl/multi_agent.hpp"
#include "semra/scenarios/dhdrl/schemes.hpp"

using namespace semra::dhdrl;

// One slot per iteration: random codeword, power and k for every link, then the slot's physics.
static void random_slots(benchmark::State& state, Environment& env) {
  semra::Rng rng(1, "actions");
  for (auto _ : state) {
    for (int i = 0; i < env.links(); ++i) {
      env.set_beam(i, rng.uniform_int(env.codewords()), rng.uniform_int(env.power_levels()));
      env.set_k(i, 1 + rng.uniform_int(env.max_k()));
    }
    env.evaluate();
    env.advance();
    env.begin_slot();
    benchmark::DoNotOptimize(env.qoe(0));
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["cells"] = env.cells();
}

static void BM_EnvRandomSlot(benchmark::State& state) {
  Config c;
  c.rings = static_cast<int>(state.range(0));
  Environment env(c, std::make_shared<const semra::semantic::AccuracyModel>());
  env.reset(1);
  random_slots(state, env);
}
BENCHMARK(BM_EnvRandomSlot)->Arg(0)->Arg(1)->Arg(2)->Arg(3);

static void BM_EnvRandomSlotTrace(benchmark::State& state) {
  Config c;
  c.rings = static_cast<int>(state.range(0));
  auto accuracy = std::make_shared<const semra::semantic::AccuracyModel>();
  semra::radio::ChannelTrace g;
  {
    Environment model(c, accuracy);
    g = semra::radio::empty_trace(semra::radio::TraceQuantity::beam_power, model.cells(),
                                  model.links(), model.codewords());
    model.record_channels(&g);
    model.reset(1);
    for (int t = 0; t < 999; ++t) model.advance();
  }
  c.set_trace(std::make_shared<const semra::radio::ChannelTrace>(std::move(g)));
  Environment env(c, accuracy);
  env.reset(1);
  random_slots(state, env);
}
BENCHMARK(BM_EnvRandomSlotTrace)->Arg(1)->Arg(2);

static void BM_MultiAgentRandomSlot(benchmark::State& state) {
  Config c;
  c.rings = static_cast<int>(state.range(0));
  c.train_slots = 1000000000;  // no truncation inside the benchmark
  MultiAgentEnvironment env(c, std::make_shared<const semra::semantic::AccuracyModel>());
  env.reset(1);
  semra::Rng rng(1, "actions");
  const auto& agents = env.agents();
  std::vector<float> obs(static_cast<std::size_t>(env.model().low_obs_dim()));
  std::vector<int> actions(agents.size());
  std::vector<float> rewards(agents.size());
  std::int64_t steps = 0;
  for (auto _ : state) {
    do {
      for (std::size_t a = 0; a < agents.size(); ++a) {
        env.observe(static_cast<int>(a), obs.data());
        actions[a] = rng.uniform_int(agents[a].num_actions);
      }
      env.step(actions.data(), rewards.data());
      ++steps;
    } while (!env.slot_stepped());
    benchmark::DoNotOptimize(rewards[0]);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["cells"] = env.model().cells();
  state.counters["steps_per_slot"] =
      static_cast<double>(steps) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_MultiAgentRandomSlot)->Arg(1);

// The run loop of run.cpp (run_slot) without the metric bookkeeping, after a warm-up past
// learning_starts; on `threads` threads of one experiment (a WorkTeam, as run.cpp gives it).
static void train_slot(benchmark::State& state, const char* scheme_name, int threads = 1) {
  Config c;
  c.rings = static_cast<int>(state.range(0));
  c.train_slots = 1000000000;  // no truncation inside the benchmark
  MultiAgentEnvironment env(c, std::make_shared<const semra::semantic::AccuracyModel>(),
                            scheme_env_options(scheme_name));
  env.reset(1);
  auto scheme = make_scheme(scheme_name, env, 1);
  std::unique_ptr<semra::WorkTeam> team;
  if (threads > 1) team = std::make_unique<semra::WorkTeam>(threads);
  env.set_team(team.get());
  scheme->set_team(team.get());
  while (env.slot() < c.learning_starts_slots + 200) run_slot(*scheme, env);
  for (auto _ : state) run_slot(*scheme, env);
  state.SetItemsProcessed(state.iterations());
  state.counters["cells"] = env.model().cells();
}
static void BM_TrainSlotDhdrl(benchmark::State& s) {
  train_slot(s, "dhdrl");
}
static void BM_TrainSlotDdrl(benchmark::State& s) {
  train_slot(s, "ddrl");
}
static void BM_SlotGreedy(benchmark::State& s) {
  train_slot(s, "greedy");
}
static void BM_SlotOracle(benchmark::State& s) {
  train_slot(s, "oracle");
}
BENCHMARK(BM_TrainSlotDhdrl)->Arg(0)->Arg(1)->Arg(2)->Arg(3)->Unit(benchmark::kMicrosecond);
// One experiment on several threads (issue 10: 37 cells, 2 threads vs 1 >= 1.7x in wall time, so
// real time: CPU time counts only the calling thread). Args: rings, threads.
static void BM_TrainSlotDhdrlThreads(benchmark::State& s) {
  train_slot(s, "dhdrl", static_cast<int>(s.range(1)));
  s.counters["threads"] = static_cast<double>(s.range(1));
}
BENCHMARK(BM_TrainSlotDhdrlThreads)
    ->ArgsProduct({{1, 3}, {1, 2}})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TrainSlotDdrl)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SlotGreedy)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SlotOracle)->Arg(1)->Unit(benchmark::kMicrosecond);
