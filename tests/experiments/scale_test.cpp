// Experiments at scale, in process: checkpoint state, the checkpoint contract (with the `toy`
// fixture), interrupt + resume identity, resume checks, grids of several keys.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "../support/temp_dir.hpp"
#include "semra/core/checksum.hpp"
#include "semra/core/error.hpp"
#include "semra/core/io.hpp"
#include "semra/core/serialize.hpp"
#include "semra/core/stats.hpp"
#include "semra/experiments/jobs.hpp"
#include "semra/experiments/runner.hpp"
#include "semra/experiments/store.hpp"
#include "toy_fixture.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

fs::path fresh(const std::string& name) {
  return semra_test::temp_path("scale-" + name);
}

semra::RunPlan toy_plan(const fs::path& out, int threads, std::int64_t steps = 120,
                        std::int64_t work = 0) {
  semra::RunPlan p;
  p.scenario = &semra::toy_scenario_entry();
  p.config = p.scenario->make_config();
  auto s = p.config->schema();
  s.set("train.steps", std::to_string(steps));
  s.set("toy.work", std::to_string(work));
  p.schemes = {"good", "bad"};
  p.seeds = {1, 2, 3};
  p.y_metric = "value";
  p.threads = threads;
  p.out_dir = out;
  p.quiet = true;
  return p;
}

// summary.json without the fields that measure time (they differ between any two runs).
json without_timing(json j) {
  j.erase("wall_seconds");
  if (j.contains("schemes"))
    for (auto& [name, scheme] : j["schemes"].items()) scheme.erase("steps_per_second");
  return j;
}

// Every file under a directory with its bytes: "nothing was changed" checks.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> m;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) m[fs::relative(e.path(), dir).string()] = semra::read_file(e.path());
  return m;
}

semra::ExperimentResult run_toy_direct(semra::CheckpointHooks hooks, std::int64_t steps) {
  auto cfg = semra::toy_scenario_entry().make_config();
  cfg->schema().set("train.steps", std::to_string(steps));
  semra::RunContext shared;
  semra::RunContext ctx(shared, std::move(hooks));
  auto r = semra::toy_scenario_entry().run(*cfg, "good", 7, ctx);
  r.scalars.erase("steps_per_second");
  return r;
}

}  // namespace

TEST(State, RoundTripsExactly) {
  semra::Rng rng(3, "x");
  rng.next_u64();
  semra::StateWriter w;
  w.tag("head");
  w.u8(7);
  w.u32(0xdeadbeef);
  w.i64(-5);
  w.f32(-0.0f);
  w.f64(std::nan("7"));
  w.f64(0.1);
  w.boolean(true);
  w.str("hello");
  w.vec(std::vector<float>{1.5f, -2.25f});
  w.vec(std::vector<double>{});
  w.rng(rng);
  const std::string bytes = w.take();

  semra::StateReader r(bytes, "test state");
  r.expect_tag("head");
  EXPECT_EQ(r.u8(), 7);
  EXPECT_EQ(r.u32(), 0xdeadbeefu);
  EXPECT_EQ(r.i64(), -5);
  const float z = r.f32();
  EXPECT_TRUE(std::signbit(z));
  const double nan = r.f64();
  const double want = std::nan("7");
  EXPECT_EQ(std::memcmp(&nan, &want, 8), 0);  // NaN payload kept
  EXPECT_EQ(r.f64(), 0.1);
  EXPECT_TRUE(r.boolean());
  EXPECT_EQ(r.str(), "hello");
  EXPECT_EQ(r.vec<float>(), (std::vector<float>{1.5f, -2.25f}));
  EXPECT_TRUE(r.vec<double>().empty());
  semra::Rng back(3, "x");
  r.rng(back);
  EXPECT_EQ(back.next_u64(), rng.next_u64());
  r.expect_end();
}

TEST(State, TruncatedOrMisreadStateIsAClearError) {
  semra::StateWriter w;
  w.tag("agent");
  w.vec(std::vector<double>(10, 1.0));
  const std::string bytes = w.take();
  {
    semra::StateReader r(std::string_view(bytes).substr(0, bytes.size() - 3), "ckpt X");
    r.expect_tag("agent");
    try {
      r.vec<double>();
      FAIL() << "no error";
    } catch (const semra::InputError& e) {
      EXPECT_NE(std::string(e.what()).find("ckpt X: truncated"), std::string::npos) << e.what();
    }
  }
  semra::StateReader r(bytes, "ckpt Y");
  try {
    r.expect_tag("network");
    FAIL() << "no error";
  } catch (const semra::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("expected section 'network', found 'agent'"),
              std::string::npos)
        << e.what();
  }
}

TEST(State, ExperimentResultRoundTrips) {
  semra::ExperimentResult a;
  a.scheme = "s";
  a.seed = 9;
  a.columns = {"x", "y"};
  a.add_row(0, {1.0, 0.1});
  a.add_row(5, {-2.5, 1e-300});
  a.scalars["final"] = 0.3;
  a.samples["z"] = {1.0f, 2.0f};
  semra::StateWriter w;
  semra::save_result(w, a);
  const auto bytes = w.take();
  semra::StateReader r(bytes, "result");
  semra::ExperimentResult b;
  semra::load_result(r, b);
  r.expect_end();
  EXPECT_EQ(a, b);
}

// The contract of core/experiment.hpp, checked on the fixture: resuming from any checkpoint gives
// the uninterrupted result exactly.
TEST(Checkpoint, ToyResumesBitIdenticallyFromEveryCheckpoint) {
  const auto plain = run_toy_direct({}, 100);
  std::map<std::int64_t, std::string> saved;
  semra::CheckpointHooks h;
  h.every = 30;
  h.store = [&](std::int64_t step, std::string state) { saved[step] = std::move(state); };
  EXPECT_EQ(run_toy_direct(h, 100), plain);  // checkpointing does not change the run
  ASSERT_EQ(saved.size(), 3u);               // steps 30, 60, 90
  for (const auto& [step, state] : saved) {
    semra::CheckpointHooks r;
    r.has_resume_state = true;
    r.resume_step = step;
    r.resume_state = state;
    EXPECT_EQ(run_toy_direct(r, 100), plain) << "resumed at step " << step;
  }
}

TEST(Checkpoint, StopRequestSavesThenThrows) {
  std::atomic<bool> stop{true};
  semra::RunContext shared;
  shared.set_stop_flag(&stop);
  std::vector<std::int64_t> steps;
  semra::CheckpointHooks h;
  h.store = [&](std::int64_t s, std::string) { steps.push_back(s); };
  h.has_resume_state = false;
  semra::RunContext ctx(shared, h);
  int saves = 0;
  // At the start step nothing is saved (that state is known); later a stop saves once.
  EXPECT_THROW(ctx.step_boundary(0, [&](semra::StateWriter&) { ++saves; }), semra::Interrupted);
  EXPECT_EQ(saves, 0);
  EXPECT_THROW(ctx.step_boundary(5, [&](semra::StateWriter&) { ++saves; }), semra::Interrupted);
  EXPECT_EQ(saves, 1);
  EXPECT_EQ(steps, (std::vector<std::int64_t>{5}));
}

// Interrupt a run mid-experiment (a watcher raises the stop flag), resume, compare.
TEST(Resume, InterruptedRunResumesToIdenticalOutputs) {
  const auto ref = fresh("ref"), d = fresh("int");
  semra::execute(toy_plan(ref, 2, 400, 20000));

  std::atomic<bool> stop{false};
  auto p = toy_plan(d, 2, 400, 20000);
  p.stop_flag = &stop;
  p.checkpoint_every = 64;
  semra::ScenarioEntry watched = semra::toy_scenario_entry();
  std::atomic<int> started{0};
  watched.run = [&](const semra::ConfigBase& c, const std::string& s, std::uint64_t seed,
                    semra::RunContext& ctx) {
    // The third experiment to start raises the flag after some of its steps (a watcher thread
    // that lives only as long as this experiment).
    std::atomic<bool> done{false};
    std::thread watcher;
    if (started.fetch_add(1) == 2)
      watcher = std::thread([&] {
        while (!done && ctx.steps_done() < 2 * 400 + 150)
          std::this_thread::sleep_for(std::chrono::microseconds(100));
        if (!done) stop = true;
      });
    auto finish = [&] {
      done = true;
      if (watcher.joinable()) watcher.join();
    };
    try {
      auto r = semra::toy_scenario_entry().run(c, s, seed, ctx);
      finish();
      return r;
    } catch (...) {
      finish();
      throw;
    }
  };
  p.scenario = &watched;
  try {
    semra::execute(p);
    FAIL() << "not interrupted";
  } catch (const semra::RunInterrupted& e) {
    EXPECT_EQ(e.total, 6u);
    EXPECT_GE(e.finished, 1u);
    EXPECT_LT(e.finished, 6u);
    EXPECT_GE(e.checkpoints, 1u);
  }
  EXPECT_FALSE(fs::exists(d / "summary.json"));

  stop = false;
  auto q = toy_plan(d, 1, 400, 20000);
  q.resume = true;
  q.checkpoint_every = 64;
  const auto out = semra::execute(q);
  EXPECT_GE(out.reused, 1u);
  EXPECT_EQ(semra::read_file(ref / "metrics.csv"), semra::read_file(d / "metrics.csv"));
  EXPECT_EQ(without_timing(json::parse(semra::read_file(ref / "summary.json"))),
            without_timing(json::parse(semra::read_file(d / "summary.json"))));
  for (const auto& e : fs::directory_iterator(d / "experiments"))
    EXPECT_EQ(e.path().extension(), ".msgpack") << "left over: " << e.path();
  fs::remove_all(ref);
  fs::remove_all(d);
}

TEST(Resume, CompleteDirectoryIsReusedWithoutRunning) {
  const auto d = fresh("again");
  semra::execute(toy_plan(d, 2));
  const auto csv = semra::read_file(d / "metrics.csv");
  // What a SIGKILL can leave behind (temp files of atomic writes) goes; other files stay.
  semra::write_file_atomic(d / "experiments" / ".good-seed1.msgpack.tmp123-4", "partial");
  semra::write_file_atomic(d / ".metrics.csv.tmp9-0", "partial");
  semra::write_file_atomic(d / "notes.tmp1-2.txt", "mine");
  auto p = toy_plan(d, 2);
  p.resume = true;
  const auto out = semra::execute(p);
  EXPECT_EQ(out.reused, 6u);
  EXPECT_EQ(out.computed, 0u);
  EXPECT_EQ(semra::read_file(d / "metrics.csv"), csv);
  EXPECT_FALSE(fs::exists(d / "experiments" / ".good-seed1.msgpack.tmp123-4"));
  EXPECT_FALSE(fs::exists(d / ".metrics.csv.tmp9-0"));
  EXPECT_TRUE(fs::exists(d / "notes.tmp1-2.txt"));
  fs::remove_all(d);
}

TEST(Resume, MismatchesAreErrorsNamingThemAndChangeNothing) {
  const auto d = fresh("mismatch");
  semra::execute(toy_plan(d, 2));
  const auto before = snapshot(d);
  auto expect_error = [&](semra::RunPlan p, const std::string& needle) {
    p.resume = true;
    try {
      semra::execute(p);
      ADD_FAILURE() << "no error for " << needle;
    } catch (const semra::InputError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
    EXPECT_EQ(snapshot(d), before) << needle;
  };
  // Another config: the message names the key and both values.
  {
    auto p = toy_plan(d, 1);
    p.config->schema().set("model.gain", "2.0");
    expect_error(std::move(p), "model.gain (stored 1.0, requested 2.0)");
  }
  {
    auto p = toy_plan(d, 1);
    p.seeds = {1, 2};
    expect_error(std::move(p), "seeds (stored [1,2,3], requested [1,2]");
  }
  // Without --resume a non-empty directory is refused.
  {
    auto p = toy_plan(d, 1);
    EXPECT_THROW(semra::execute(p), semra::InputError);
    EXPECT_EQ(snapshot(d), before);
  }
  // Another version.
  {
    auto m = json::parse(semra::read_file(d / "manifest.json"));
    m["semra_version"] = "0.0.1";
    semra::write_file_atomic(d / "manifest.json", m.dump(2));
    const auto tampered = snapshot(d);
    auto p = toy_plan(d, 1);
    p.resume = true;
    try {
      semra::execute(p);
      ADD_FAILURE() << "no error";
    } catch (const semra::InputError& e) {
      EXPECT_NE(std::string(e.what()).find("written by semra 0.0.1"), std::string::npos)
          << e.what();
    }
    EXPECT_EQ(snapshot(d), tampered);
  }
  fs::remove_all(d);
}

TEST(Resume, StoredExperimentWithAnotherConfigIsNamed) {
  // A record from a run with another gain, dropped into a directory whose manifest matches.
  const auto a = fresh("rec-a"), b = fresh("rec-b");
  semra::execute(toy_plan(a, 2));
  auto pb = toy_plan(b, 2);
  pb.config->schema().set("model.gain", "3.0");
  semra::execute(pb);
  fs::copy_file(b / "experiments" / "good-seed2.msgpack", a / "experiments" / "good-seed2.msgpack",
                fs::copy_options::overwrite_existing);
  const auto before = snapshot(a);
  auto p = toy_plan(a, 1);
  p.resume = true;
  try {
    semra::execute(p);
    FAIL() << "no error";
  } catch (const semra::InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'good-seed2'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("model.gain (stored 3.0, requested 1.0)"), std::string::npos) << msg;
  }
  EXPECT_EQ(snapshot(a), before);
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(Resume, NotARunDirectoryIsRefused) {
  const auto d = fresh("notrun");
  semra::write_file_atomic(d / "notes.txt", "mine");
  auto p = toy_plan(d, 1);
  p.resume = true;
  try {
    semra::execute(p);
    FAIL() << "no error";
  } catch (const semra::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("not a semra run directory"), std::string::npos);
  }
  EXPECT_EQ(snapshot(d).size(), 1u);
  fs::remove_all(d);
}

TEST(Records, MessagePackRoundTripIsExact) {
  auto p = toy_plan(fresh("unused"), 1);
  const auto jobs = semra::detail::make_jobs(p);
  semra::RunContext ctx;
  auto r = p.scenario->run(*jobs[0].config, jobs[0].scheme, jobs[0].seed, ctx);
  r.scheme = jobs[0].scheme;
  r.seed = jobs[0].seed;
  r.scalars["tiny"] = 4.9e-324;
  r.samples["odd"] = {1.0f / 3.0f, -0.0f, 3.4e38f};
  const auto bytes = semra::detail::RunStore::encode_record(jobs[0], r);
  EXPECT_EQ(semra::detail::RunStore::decode_record(bytes, jobs[0], "test"), r);
  // Another experiment's record is refused.
  EXPECT_THROW(semra::detail::RunStore::decode_record(bytes, jobs[1], "test"), semra::InputError);
  // A truncated record is a clear error, whatever the cut.
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, bytes.size() / 2, bytes.size() - 1}) {
    try {
      semra::detail::RunStore::decode_record(bytes.substr(0, cut), jobs[0], "cut");
      ADD_FAILURE() << "no error at cut " << cut;
    } catch (const semra::InputError& e) {
      EXPECT_NE(std::string(e.what()).find("'cut' is corrupt"), std::string::npos) << e.what();
    }
  }
  // nlohmann's MessagePack of the same content (other integer and float widths, an extra field
  // from a later version) reads back the same once it ends with a valid checksum entry, and is
  // refused without one (the checksum is what tells a record from a corrupted one).
  auto j = nlohmann::ordered_json::from_msgpack(bytes);
  j.erase("checksum");
  j["written_by_a_later_version"] = {{"x", {1, 2.5, "y", nullptr, true}}};
  auto v = nlohmann::ordered_json::to_msgpack(j);
  std::string other(v.begin(), v.end());
  EXPECT_THROW(semra::detail::RunStore::decode_record(other, jobs[0], "nlohmann"),
               semra::InputError);
  j["checksum"] = std::numeric_limits<std::uint64_t>::max();  // written as a 9-byte uint64
  v = nlohmann::ordered_json::to_msgpack(j);
  other.assign(v.begin(), v.end());
  std::uint64_t h = semra::fnv1a64(std::string_view(other).substr(0, other.size() - 8));
  for (std::size_t i = other.size(); i-- > other.size() - 8; h >>= 8)
    other[i] = static_cast<char>(h & 0xff);
  EXPECT_EQ(semra::detail::RunStore::decode_record(other, jobs[0], "nlohmann"), r);
}

TEST(Grid, TwoKeysGiveAPointsListPanelsAndKeyColumns) {
  const auto d = fresh("grid2");
  auto p = toy_plan(d, 2, 40);
  p.command = "sweep";
  p.sweep = "toy-grid";
  p.add_axis("model.users", "users", {1, 2});
  p.axes.push_back({"model.mode", "mode", {std::string("linear"), std::string("square")}});
  p.y_metric = "final_value";
  p.x_label = "users";
  semra::execute(p);
  const auto j = json::parse(semra::read_file(d / "summary.json"));
  EXPECT_EQ(j["sweep"], "toy-grid");
  EXPECT_FALSE(j.contains("x"));
  ASSERT_EQ(j["points"].size(), 4u);
  EXPECT_EQ(j["points"][3], json({{"users", 2}, {"mode", "square"}}));
  EXPECT_EQ(j["axes"][1]["values"], json({"linear", "square"}));
  const auto& m = j["schemes"]["good"]["final_value"]["mean"];
  ASSERT_EQ(m.size(), 4u);
  EXPECT_NEAR(m[3].get<double>(), 4.0, 0.1);  // good: gain 1 x users^2
  EXPECT_EQ(j["comparisons"]["good vs bad"]["p_value"].size(), 4u);
  const auto csv = semra::read_file(d / "metrics.csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "scheme,seed,users,mode,step,value,estimate,ring_mean,checksum");
  EXPECT_NE(csv.find("\ngood,1,2,square,0,"), std::string::npos);
  const auto gp = semra::read_file(d / "figure.gp");
  EXPECT_NE(gp.find("set multiplot layout 1,2"), std::string::npos) << gp;
  EXPECT_NE(gp.find("'mode = square'"), std::string::npos) << gp;
  EXPECT_NE(semra::read_file(d / "figure.dat").find("\n\n\n"), std::string::npos);
  fs::remove_all(d);
}

TEST(Grid, OneKeyKeepsTheFigureShape) {
  const auto d = fresh("grid1");
  auto p = toy_plan(d, 2, 40);
  p.add_axis("model.gain", "gain", {0.5, 2});
  p.y_metric = "final_value";
  semra::execute(p);
  const auto j = json::parse(semra::read_file(d / "summary.json"));
  EXPECT_EQ(j["x_name"], "gain");
  EXPECT_EQ(j["x_key"], "model.gain");
  EXPECT_EQ(j["x"], json({0.5, 2.0}));
  EXPECT_FALSE(j.contains("points"));
  EXPECT_EQ(j["schemes"]["bad"]["final_value"]["mean"].size(), 2u);
  EXPECT_EQ(semra::read_file(d / "figure.gp").find("logscale"), std::string::npos);
  fs::remove_all(d);
}

TEST(Grid, LogYClipsCiBarsThatReachZero) {
  const auto d = fresh("gridlog");
  auto p = toy_plan(d, 2, 40);
  p.add_axis("model.gain", "gain", {0.5, 2});
  p.y_metric = "final_value";
  p.log_y = true;
  semra::execute(p);
  const auto gp = semra::read_file(d / "figure.gp");
  EXPECT_NE(gp.find("set logscale y"), std::string::npos) << gp;
  // (x, y, ylow, yhigh) with the low end clipped at a tenth of the mean when mean - ci95 <= 0.
  EXPECT_NE(gp.find("using 1:2:(($2-$3)>0 ? $2-$3 : $2/10):($2+$3)"), std::string::npos) << gp;
  fs::remove_all(d);
}

TEST(Failures, ExperimentErrorIsReportedAndFinishedOnesKept) {
  const auto d = fresh("fail");
  auto p = toy_plan(d, 1, 50);
  p.config->schema().set("toy.fail_at", "10");
  p.seeds = {1};
  try {
    semra::execute(p);
    FAIL() << "no error";
  } catch (const semra::InputError&) {
    FAIL() << "an internal error is not bad input";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("toy: failing at step 10"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(d / "summary.json"));
  fs::remove_all(d);
}

TEST(Plan, DuplicateGridValuesAreRefused) {
  auto p = toy_plan(fresh("dup"), 1);
  p.add_axis("model.users", "users", {2, 2});
  EXPECT_THROW(semra::execute(p), semra::InputError);
}

TEST(Summary, PercentilesMatchStatsPercentile) {
  const auto d = fresh("pct");
  auto p = toy_plan(d, 2, 101);
  const auto out = semra::execute(p);
  const auto j = json::parse(semra::read_file(d / "summary.json"));
  for (std::size_t s = 0; s < 2; ++s) {
    std::vector<float> pooled;
    for (const auto& r : out.results)
      if (r.scheme == p.schemes[s])
        pooled.insert(pooled.end(), r.samples.at("noise").begin(), r.samples.at("noise").end());
    ASSERT_EQ(pooled.size(), 303u);
    const auto& got = j["schemes"][p.schemes[s]]["noise"];
    EXPECT_EQ(got["p10"].get<double>(), semra::stats::percentile(pooled, 10));
    EXPECT_EQ(got["p50"].get<double>(), semra::stats::percentile(pooled, 50));
    EXPECT_EQ(got["p90"].get<double>(), semra::stats::percentile(pooled, 90));
  }
  fs::remove_all(d);
}

TEST(Schedule, ExpectedCostWeighsStepsLeftByTheSchemesStepCost) {
  const semra::ScenarioEntry* dhdrl = semra::find_scenario("dhdrl");
  ASSERT_NE(dhdrl, nullptr);
  semra::detail::Job job;
  job.steps = 1000;
  job.scheme = "oracle";
  const double oracle = semra::detail::expected_cost(*dhdrl, job, 1000);
  job.scheme = "dhdrl";  // the reference scheme: unlisted, cost 1 per step
  EXPECT_EQ(semra::detail::expected_cost(*dhdrl, job, 1000), 1000.0);
  EXPECT_EQ(semra::detail::expected_cost(*dhdrl, job, 250), 250.0);  // a resumed experiment
  job.scheme = "random";
  const double random = semra::detail::expected_cost(*dhdrl, job, 1000);
  EXPECT_GT(oracle, 1000.0);
  EXPECT_LT(random, 100.0);
  // Every listed scheme exists in its scenario, and every cost is positive.
  for (const auto& sc : semra::scenarios())
    for (const auto& s : sc.schemes) {
      semra::detail::Job j;
      j.scheme = s.name;
      EXPECT_EQ(semra::detail::expected_cost(sc, j, 10), 10 * s.step_cost)
          << sc.name << ": " << s.name;
      EXPECT_GT(s.step_cost, 0.0) << sc.name << ": " << s.name;
    }
}

// A run written before a key existed resumes when the key is requested at its default (the old
// behaviour, which a key's default keeps: docs/decisions.md "Resuming across added keys"); any
// other value, a changed value and a key this version does not know stay differences.
TEST(Resume, AKeyAddedSinceAtItsDefaultIsNoDifference) {
  using V = std::vector<std::pair<std::string, std::string>>;
  const V stored = {{"a", "1"}, {"b", "x"}};
  const V defaults = {{"a", "0"}, {"b", "y"}, {"c", "model"}};
  EXPECT_EQ(
      semra::detail::config_difference(stored, {{"a", "1"}, {"b", "x"}, {"c", "model"}}, defaults),
      "");
  EXPECT_EQ(
      semra::detail::config_difference(stored, {{"a", "1"}, {"b", "x"}, {"c", "trace"}}, defaults),
      "c (not in the stored config, requested trace)");
  EXPECT_EQ(semra::detail::config_difference(stored, {{"a", "1"}, {"b", "x"}, {"c", "model"}}),
            "c (not in the stored config, requested model)");
  EXPECT_EQ(semra::detail::config_difference(stored, {{"a", "2"}, {"b", "x"}}, defaults),
            "a (stored 1, requested 2)");
  EXPECT_EQ(semra::detail::config_difference({{"a", "1"}, {"old", "v"}}, {{"a", "1"}}, defaults),
            "old (stored v, unknown to this version)");
}
