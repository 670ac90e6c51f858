// vderl training, one thread, Table II size (V = 5, U = 50, Q = 8), default training preset.
//   BM_VderlTrainIteration/scheme: run_experiment (the code path of `semra run vderl`) with 10
//     iterations, timed per experiment; counters: iterations/s and items/s = frames simulated per
//     second (training.frames_per_iteration collected + training.eval_frames evaluated, per
//     iteration). Includes building the world (topology, 256 synthetic images) once per experiment.
#include <benchmark/benchmark.h>

#include "semra/core/experiment.hpp"
#include "semra/scenarios/vderl/run.hpp"

using namespace semra::vderl;

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
