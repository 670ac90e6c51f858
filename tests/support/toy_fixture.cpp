#include "toy_fixture.hpp"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

#include "semra/core/error.hpp"
#include "semra/core/rng.hpp"
#include "semra/core/serialize.hpp"

namespace semra {
namespace {

struct ToyConfig : ConfigBase {
  std::int64_t steps = 200;
  double gain = 1.0;
  int users = 3;
  std::string mode = "linear";
  std::int64_t work = 0;
  int record_every = 1;
  std::int64_t fail_at = -1;
  std::string fail_with = "internal";
  std::int64_t memory_mb = 0;
  std::string nan_final = "none";
  void describe(ConfigSchema& s) override {
    s.add("train.steps", steps, IntRange{1, 1000000000}, "steps", "experiment length");
    s.add("model.gain", gain, RealRange{0.0, 10.0}, "", "scale of the target value");
    s.add("model.users", users, IntRange{1, 100}, "", "multiplies the target value");
    s.add("model.mode", mode, Choices{"linear", "square"}, "target ~ users or users^2");
    s.add("toy.work", work, IntRange{0, 1000000000}, "iterations",
          "integer arithmetic per step (makes steps slower)");
    s.add("toy.record_every", record_every, IntRange{1, 1000000}, "steps",
          "one metrics row per this many steps");
    s.add("toy.fail_at", fail_at, IntRange{-1, 1000000000}, "step",
          "throw an error at this step (-1: never); for error-path tests");
    s.add("toy.fail_with", fail_with, Choices{"internal", "memory", "input"},
          "what toy.fail_at throws: an internal error, std::bad_alloc, or a bad-input error");
    s.add("toy.memory_mb", memory_mb, IntRange{0, 1000000000}, "MB",
          "memory an experiment claims to need (its estimate; nothing is allocated)");
    s.add("toy.nan_final", nan_final, Choices{"none", "bad", "all"},
          "schemes whose final_value is NaN (figures of values gnuplot cannot draw)");
  }
  std::unique_ptr<ConfigBase> clone() const override { return std::make_unique<ToyConfig>(*this); }
};

ExperimentResult toy_run(const ConfigBase& base, const std::string& scheme, std::uint64_t seed,
                         RunContext& ctx) {
  const auto& c = dynamic_cast<const ToyConfig&>(base);
  // State built from (config, seed) exactly as for a fresh start...
  Rng noise_rng(seed, "toy.noise");
  Rng explore_rng(seed, "toy.explore");
  const double users = c.mode == "square" ? double(c.users) * c.users : double(c.users);
  const double target = (scheme == "good" ? 1.0 : 0.5) * c.gain * users;
  double estimate = 0.0, sum = 0.0, acc_value = 0.0;
  std::uint64_t hash = 0x9e3779b97f4a7c15ULL;
  std::vector<float> ring(16, 0.0f);
  std::int64_t acc_n = 0;
  ExperimentResult r;
  r.columns = {"value", "estimate", "ring_mean", "checksum"};
  r.values.assign(r.columns.size(), {});
  std::int64_t t0 = 0;
  // ...then, when resuming, everything mutable is replaced by the checkpoint's state.
  if (const std::string* state = ctx.resume_state()) {
    StateReader in(*state, "toy checkpoint");
    in.expect_tag("toy");
    in.rng(noise_rng);
    in.rng(explore_rng);
    estimate = in.f64();
    sum = in.f64();
    acc_value = in.f64();
    acc_n = in.i64();
    hash = in.u64();
    in.vec_into(ring);
    load_result(in, r);
    in.expect_end();
    t0 = ctx.resume_step();
    ctx.release_resume_state();
  }
  const auto start = std::chrono::steady_clock::now();
  for (std::int64_t t = t0; t < c.steps; ++t) {
    ctx.step_boundary(t, [&](StateWriter& out) {
      out.tag("toy");
      out.rng(noise_rng);
      out.rng(explore_rng);
      out.f64(estimate);
      out.f64(sum);
      out.f64(acc_value);
      out.i64(acc_n);
      out.u64(hash);
      out.vec(ring);
      save_result(out, r);
    });
    if (t == c.fail_at) {
      if (c.fail_with == "memory") throw std::bad_alloc();
      if (c.fail_with == "input")
        throw InputError("toy: bad input found at step " + std::to_string(t));
      throw std::runtime_error("toy: failing at step " + std::to_string(t));
    }
    const double noise = noise_rng.normal();
    const double x = target + 0.1 * noise;
    estimate += 0.05 * (x - estimate) + 0.01 * (explore_rng.uniform() - 0.5);
    ring[static_cast<std::size_t>(t % 16)] = static_cast<float>(x);
    for (std::int64_t i = 0; i < c.work; ++i)
      hash = hash * 6364136223846793005ULL + 1442695040888963407ULL;
    sum += x;
    acc_value += x;
    ++acc_n;
    r.samples["noise"].push_back(static_cast<float>(noise));
    if (acc_n == c.record_every || t == c.steps - 1) {
      double ring_mean = 0;
      for (float v : ring) ring_mean += v;
      r.add_row(t, {acc_value / static_cast<double>(acc_n), estimate, ring_mean / 16.0,
                    static_cast<double>(hash % 1000003)});
      ctx.row_recorded(r);
      acc_value = 0;
      acc_n = 0;
    }
    ctx.add_steps(1);
    ctx.report_metric(estimate);
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const bool nan = c.nan_final == "all" || (c.nan_final == "bad" && scheme == "bad");
  r.scalars["final_value"] =
      nan ? std::numeric_limits<double>::quiet_NaN() : sum / static_cast<double>(c.steps);
  r.scalars["final_estimate"] = estimate;
  r.scalars["steps_per_second"] = wall > 0 ? static_cast<double>(c.steps - t0) / wall : 0.0;
  return r;
}

}  // namespace

const ScenarioEntry& toy_scenario_entry() {
  static const ScenarioEntry e = [] {
    ScenarioEntry s;
    s.name = "toy";
    s.description = "test fixture: noisy values, checkpointable (SEMRA_TEST_FIXTURES=1)";
    s.step_unit = "steps";
    s.schemes = {{"good", true, 1.0, "converges to 3"}, {"bad", true, 1.0, "converges to 1.5"}};
    s.primary_metric = "final_value";
    s.proposed_scheme = "good";
    s.steps_key = "train.steps";
    s.make_config = [] { return std::make_unique<ToyConfig>(); };
    s.run = toy_run;
    s.estimate_memory = [](const ConfigBase& base, const std::string&) {
      const auto& c = dynamic_cast<const ToyConfig&>(base);
      return MemoryEstimate{static_cast<double>(c.memory_mb) * 1e6,
                            static_cast<double>(c.steps) * 4 * (8 + 4 * 8), "toy.memory_mb"};
    };
    s.metric_columns = {"value", "estimate", "ring_mean", "checksum"};
    s.summary_scalars = {"final_value", "final_estimate", "steps_per_second"};
    return s;
  }();
  return e;
}

const FigureEntry& toy_figure_entry() {
  static const FigureEntry f = [] {
    FigureEntry x;
    x.name = "toy-users";
    x.scenario = "toy";
    x.description = "test fixture: final value vs users (SEMRA_TEST_FIXTURES=1)";
    x.schemes = {"good", "bad"};
    x.seeds = 2;
    x.sets = {"train.steps=300"};
    x.quick_sets = {"train.steps=100"};
    x.x_key = "model.users";
    x.x_name = "users";
    x.x_values = {1, 2, 4};
    x.y_metric = "final_value";
    x.x_label = "users";
    x.y_label = "final value";
    return x;
  }();
  return f;
}

}  // namespace semra
