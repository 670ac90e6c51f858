// What a sweep costs besides its experiments: per experiment, building and validating its config,
// storing its record (MessagePack, atomic write), reading it back (--resume, or rank 0 receiving it
// under MPI), and its share of the final outputs (metrics.csv, summary.json, results.mat,
// figure). Measured with results the size of a paper-length dhdrl experiment: 100,000 slots
// recorded every 50 (2,000 rows x 6 metrics) and 700,000 pooled SINR samples (7 UTs x 100,000).
//
// Target (issue 5): bookkeeping < 1% of wall time for experiments of >= 10 s, i.e. < 100 ms per
// experiment. BM_SweepBookkeeping reports the whole execute() time of a 20-experiment sweep whose
// scenario returns a precomputed result at once, so everything it measures is bookkeeping; its
// per_experiment_ms (wall) and per_experiment_cpu_ms (CPU of all threads) counters are the
// numbers to compare with 100 ms.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <time.h>

#include <chrono>
#include <filesystem>

#include "semra/core/rng.hpp"
#include "semra/experiments/jobs.hpp"
#include "semra/experiments/runner.hpp"
#include "semra/experiments/store.hpp"
#include "toy_fixture.hpp"

namespace fs = std::filesystem;

namespace {

semra::ExperimentResult paper_sized_result(std::uint64_t seed) {
  semra::Rng rng(seed, "bench");
  semra::ExperimentResult r;
  r.columns = {"qoe", "sinr_db", "k", "power", "g_r", "g_a"};
  for (std::int64_t t = 49; t < 100000; t += 50) {
    std::vector<double> row;
    for (std::size_t c = 0; c < r.columns.size(); ++c) row.push_back(rng.uniform());
    r.add_row(t, row);
  }
  auto& s = r.samples["sinr_db"];
  s.reserve(700000);
  for (int i = 0; i < 700000; ++i) s.push_back(static_cast<float>(rng.normal(10, 8)));
  r.scalars["final_qoe"] = rng.uniform();
  r.scalars["steps_per_second"] = 3000;
  return r;
}

// The toy fixture's config and schemes, with a run function that returns at once.
semra::ScenarioEntry instant_scenario() {
  semra::ScenarioEntry e = semra::toy_scenario_entry();
  e.primary_metric = "final_qoe";
  e.run = [](const semra::ConfigBase&, const std::string&, std::uint64_t seed, semra::RunContext&) {
    return paper_sized_result(seed);
  };
  return e;
}

semra::RunPlan sweep_plan(const semra::ScenarioEntry& sc, const fs::path& out) {
  semra::RunPlan p;
  p.scenario = &sc;
  p.command = "sweep";
  p.sweep = "bench";
  p.config = sc.make_config();
  p.schemes = {"good", "bad"};
  p.seeds = {1, 2};
  p.add_axis("model.users", "users", {1, 2, 3, 4, 5});  // 5 points x 2 schemes x 2 seeds = 20
  p.y_metric = "final_qoe";
  p.x_label = "users";
  p.y_label = "final_qoe";
  p.threads = 1;
  p.out_dir = out;
  p.quiet = true;
  return p;
}

// CPU time of every thread of this process.
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

fs::path scratch() {
  return fs::temp_directory_path() / ("semra-bench-sweep-" + std::to_string(::getpid()));
}

void BM_SweepBookkeeping(benchmark::State& state) {
  const auto sc = instant_scenario();
  const auto dir = scratch();
  std::size_t n = 0;
  double seconds = 0, cpu_seconds = 0;
  for (auto _ : state) {
    state.PauseTiming();
    fs::remove_all(dir);
    auto plan = sweep_plan(sc, dir);
    state.ResumeTiming();
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = process_cpu_seconds();
    const auto out = semra::execute(plan);
    cpu_seconds += process_cpu_seconds() - c0;
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    n = out.results.size();
  }
  fs::remove_all(dir);
  const double per = 1e3 / static_cast<double>(state.iterations()) / static_cast<double>(n);
  state.counters["experiments"] = static_cast<double>(n);
  // Wall time depends on what else runs on the machine; CPU time (all threads) does not.
  state.counters["per_experiment_ms"] = seconds * per;
  state.counters["per_experiment_cpu_ms"] = cpu_seconds * per;
}
BENCHMARK(BM_SweepBookkeeping)->Unit(benchmark::kMillisecond)->UseRealTime();

// The pieces: one record encoded + stored, and decoded (what --resume and MPI's rank 0 do).
void BM_StoreRecord(benchmark::State& state) {
  const auto sc = instant_scenario();
  const auto dir = scratch();
  fs::remove_all(dir);
  auto plan = sweep_plan(sc, dir);
  const auto jobs = semra::detail::make_jobs(plan);
  semra::detail::RunStore store(dir, semra::detail::make_manifest(plan), false, jobs);
  const auto r = paper_sized_result(1);
  for (auto _ : state)
    store.store_record(jobs[0], semra::detail::RunStore::encode_record(jobs[0], r));
  fs::remove_all(dir);
}
BENCHMARK(BM_StoreRecord)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_DecodeRecord(benchmark::State& state) {
  const auto sc = instant_scenario();
  auto plan = sweep_plan(sc, scratch());
  const auto jobs = semra::detail::make_jobs(plan);
  const auto bytes = semra::detail::RunStore::encode_record(jobs[0], paper_sized_result(1));
  for (auto _ : state)
    benchmark::DoNotOptimize(semra::detail::RunStore::decode_record(bytes, jobs[0], "bench"));
  state.counters["record_MB"] = static_cast<double>(bytes.size()) / 1e6;
}
BENCHMARK(BM_DecodeRecord)->Unit(benchmark::kMillisecond);

// Checkpoint of a replay-buffer-sized state (64 MB) written atomically.
void BM_StoreCheckpoint64MB(benchmark::State& state) {
  const auto sc = instant_scenario();
  const auto dir = scratch();
  fs::remove_all(dir);
  auto plan = sweep_plan(sc, dir);
  const auto jobs = semra::detail::make_jobs(plan);
  semra::detail::RunStore store(dir, semra::detail::make_manifest(plan), false, jobs);
  const std::string blob(64u << 20, '\x5a');
  for (auto _ : state) store.store_checkpoint(jobs[0], 1000, blob);
  fs::remove_all(dir);
}
BENCHMARK(BM_StoreCheckpoint64MB)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
