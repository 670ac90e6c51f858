#include "semra/experiments/runner.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "../support/temp_dir.hpp"
#include "semra/core/error.hpp"
#include "semra/core/io.hpp"
#include "semra/core/isa.hpp"
#include "semra/core/rng.hpp"

namespace fs = std::filesystem;

namespace {

// A toy scenario: each step draws a noisy value whose mean depends on the scheme.
struct ToyConfig : semra::ConfigBase {
  std::int64_t steps = 50;
  double gain = 1.0;
  int users = 3;
  void describe(semra::ConfigSchema& s) override {
    s.add("train.steps", steps, semra::IntRange{1}, "steps", "length");
    s.add("model.gain", gain, semra::RealRange{0, 10}, "", "gain");
    s.add("model.users", users, semra::IntRange{1, 100}, "", "users");
  }
  std::unique_ptr<ConfigBase> clone() const override { return std::make_unique<ToyConfig>(*this); }
};

semra::ExperimentResult toy_run(const semra::ConfigBase& base, const std::string& scheme,
                                std::uint64_t seed, semra::RunContext& ctx) {
  const auto& c = dynamic_cast<const ToyConfig&>(base);
  semra::Rng rng(seed, "toy");
  semra::ExperimentResult r;
  r.columns = {"value", "noise"};
  const double mean = (scheme == "good" ? 1.0 : 0.5) * c.gain * c.users;
  double sum = 0;
  for (std::int64_t t = 0; t < c.steps; ++t) {
    const double noise = rng.normal();
    r.add_row(t, {mean + 0.1 * noise, noise});
    sum += mean + 0.1 * noise;
    r.samples["noise"].push_back(static_cast<float>(noise));
    ctx.add_steps(1);
  }
  r.scalars["final_value"] = sum / static_cast<double>(c.steps);
  r.scalars["steps_per_second"] = 1000.0;
  return r;
}

const semra::ScenarioEntry& toy_entry() {
  static const semra::ScenarioEntry e = [] {
    semra::ScenarioEntry s;
    s.name = "toy";
    s.step_unit = "steps";
    s.schemes = {{"good", true, 1.0, "converges to 3"}, {"bad", true, 1.0, "converges to 1.5"}};
    s.primary_metric = "final_value";
    s.proposed_scheme = "good";
    s.steps_key = "train.steps";
    s.make_config = [] { return std::make_unique<ToyConfig>(); };
    s.run = toy_run;
    return s;
  }();
  return e;
}

semra::RunPlan toy_plan(const fs::path& out, int threads) {
  semra::RunPlan p;
  p.scenario = &toy_entry();
  p.config = toy_entry().make_config();
  p.schemes = {"good", "bad"};
  p.seeds = {1, 2, 3};
  p.y_metric = "value";
  p.x_label = "step";
  p.y_label = "value";
  p.smooth = 5;
  p.threads = threads;
  p.out_dir = out;
  p.quiet = true;
  return p;
}

fs::path fresh(const std::string& name) {
  return semra_test::temp_path("runner-" + name);
}

}  // namespace

TEST(Runner, WritesContractFilesAndSummaryShape) {
  const auto d = fresh("contract");
  semra::execute(toy_plan(d, 2));
  for (const char* f :
       {"config.toml", "metrics.csv", "summary.json", "results.mat", "figure.gp", "figure.dat"})
    EXPECT_TRUE(fs::exists(d / f)) << f;
  const auto j = nlohmann::json::parse(semra::read_file(d / "summary.json"));
  EXPECT_EQ(j["scenario"], "toy");
  EXPECT_EQ(j["isa"], std::string(semra::to_string(semra::active_isa())));
  EXPECT_EQ(j["seeds"].size(), 3u);
  EXPECT_EQ(j["steps"], 50);
  const auto& good = j["schemes"]["good"];
  EXPECT_EQ(good["final_value"]["per_seed"].size(), 3u);
  EXPECT_NEAR(good["final_value"]["mean"].get<double>(), 3.0, 0.1);
  EXPECT_GT(good["final_value"]["ci95"].get<double>(), 0.0);
  EXPECT_TRUE(good["noise"].contains("p50"));
  EXPECT_EQ(good["steps_per_second"], 1000.0);
  const auto& cmp = j["comparisons"]["good vs bad"];
  EXPECT_NEAR(cmp["relative_difference"].get<double>(), 1.0, 0.1);
  EXPECT_LT(cmp["p_value"].get<double>(), 1e-3);
  const auto csv = semra::read_file(d / "metrics.csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "scheme,seed,step,value,noise");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 2 * 3 * 50);
  fs::remove_all(d);
}

TEST(Runner, ResultsIdenticalAtAnyThreadCount) {
  const auto d1 = fresh("t1"), d2 = fresh("t2");
  semra::execute(toy_plan(d1, 1));
  semra::execute(toy_plan(d2, 4));
  EXPECT_EQ(semra::read_file(d1 / "metrics.csv"), semra::read_file(d2 / "metrics.csv"));
  auto j1 = nlohmann::json::parse(semra::read_file(d1 / "summary.json"));
  auto j2 = nlohmann::json::parse(semra::read_file(d2 / "summary.json"));
  j1.erase("wall_seconds");
  j2.erase("wall_seconds");
  for (auto* j : {&j1, &j2})
    for (auto& [name, scheme] : (*j)["schemes"].items()) scheme.erase("steps_per_second");
  EXPECT_EQ(j1, j2);
  fs::remove_all(d1);
  fs::remove_all(d2);
}

TEST(Runner, SweepSummaryHasAlignedArrays) {
  const auto d = fresh("sweep");
  auto p = toy_plan(d, 2);
  p.add_axis("model.users", "users", {1, 2, 4});
  p.y_metric = "final_value";
  semra::execute(p);
  const auto j = nlohmann::json::parse(semra::read_file(d / "summary.json"));
  EXPECT_EQ(j["x_name"], "users");
  EXPECT_EQ(j["x"].size(), 3u);
  const auto& m = j["schemes"]["good"]["final_value"]["mean"];
  ASSERT_EQ(m.size(), 3u);
  EXPECT_NEAR(m[2].get<double>(), 4.0, 0.1);
  const auto csv = semra::read_file(d / "metrics.csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "scheme,seed,users,step,value,noise");
  fs::remove_all(d);
}

TEST(Runner, RefusesNonEmptyOutputDirAndBadSweepValue) {
  const auto d = fresh("nonempty");
  fs::create_directories(d);
  semra::write_file_atomic(d / "keep.txt", "precious");
  EXPECT_THROW(semra::execute(toy_plan(d, 1)), semra::InputError);
  EXPECT_EQ(semra::read_file(d / "keep.txt"), "precious");
  const auto d2 = fresh("badsweep");
  auto p = toy_plan(d2, 1);
  p.add_axis("model.users", "users", {1, 1000});  // out of range: nothing may be written
  EXPECT_THROW(semra::execute(p), semra::InputError);
  EXPECT_FALSE(fs::exists(d2));
  fs::remove_all(d);
}

TEST(Runner, MovingAverage) {
  const auto m = semra::moving_average({1, 2, 3, 4}, 2);
  EXPECT_EQ(m, (std::vector<double>{1, 1.5, 2.5, 3.5}));
}
