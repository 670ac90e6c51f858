// dhdrl hot paths, one thread. Items/s = slots/s.
//   BM_EnvRandomSlot/rings:   environment only, random actions (issue target: >= 100,000 slots/s at
//                             rings = 1, 7 cells)
//   BM_TrainSlot/scheme/rings: full training slot of a scheme (dhdrl target >= 2,000 slots/s at 7
//                             cells: both levels learning every slot, batch 8)
#include <benchmark/benchmark.h>

#include <memory>

#include "semra/scenarios/dhdrl/env.hpp"
#include "semra/scenarios/dhdrl/schemes.hpp"

using namespace semra::dhdrl;

static void BM_EnvRandomSlot(benchmark::State& state) {
  Config c;
  c.rings = static_cast<int>(state.range(0));
  Environment env(c, std::make_shared<const semra::semantic::AccuracyModel>());
  env.reset(1);
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
BENCHMARK(BM_EnvRandomSlot)->Arg(0)->Arg(1)->Arg(2)->Arg(3);

// The run loop of run.cpp without the metric bookkeeping, after a warm-up past learning_starts.
static void train_slot(benchmark::State& state, const char* scheme_name) {
  Config c;
  c.rings = static_cast<int>(state.range(0));
  Environment env(c, std::make_shared<const semra::semantic::AccuracyModel>());
  env.reset(1);
  auto scheme = make_scheme(scheme_name, env, 1);
  std::int64_t t = 0;
  auto slot = [&] {
    const int tau = static_cast<int>(t % c.epoch_slots);
    if (tau == 0) {
      env.redraw_requirements();
      scheme->epoch_start(env, t);
      env.remeasure();
    }
    scheme->act(env, t, c.epoch_slots - tau);
    env.evaluate();
    env.advance();
    env.begin_slot();
    const bool end = tau + 1 == c.epoch_slots;
    scheme->after_slot(env, t, end ? 0 : c.epoch_slots - tau - 1, end);
    ++t;
  };
  while (t < c.learning_starts_slots + 200) slot();
  for (auto _ : state) slot();
  state.SetItemsProcessed(state.iterations());
  state.counters["cells"] = env.cells();
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
BENCHMARK(BM_TrainSlotDdrl)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SlotGreedy)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SlotOracle)->Arg(1)->Unit(benchmark::kMicrosecond);
