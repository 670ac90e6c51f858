// Sweep files: every shipped one is valid; bad ones are one-line errors naming the problem.
#include "semra/experiments/sweep_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "../support/temp_dir.hpp"
#include "semra/core/error.hpp"
#include "semra/core/io.hpp"
#include "semra/experiments/jobs.hpp"
#include "semra/experiments/registry.hpp"
#include "semra/experiments/resolve.hpp"

namespace fs = std::filesystem;

namespace {

fs::path write_sweep(const std::string& name, const std::string& text) {
  const auto p = semra_test::process_temp_dir() / (name + ".toml");
  semra::write_file_atomic(p, text);
  return p;
}

// A valid sweep over the always-present scenario the registry has first (dhdrl when built).
std::string error_of(const std::string& text, bool quick = false) {
  try {
    semra::load_sweep_file(write_sweep("bad", text), quick);
  } catch (const semra::InputError& e) {
    return e.what();
  }
  return "(no error)";
}

const char* kGood = R"(
scenario = "dhdrl"
schemes = ["greedy", "random"]
seeds = 2
[set]
"train.slots" = 100
[grid]
"network.bs_power_dbm" = [20, 30.5]
"network.users_per_cell" = [1, 2]
)";

}  // namespace

// Every sweep file in configs/<folder> parses, with and without --quick, and builds its jobs.
// Returns the number of files checked.
static int check_shipped_sweeps(const std::string& folder) {
  const fs::path dir = fs::path(SEMRA_SOURCE_DIR) / "configs" / folder;
  EXPECT_TRUE(fs::is_directory(dir)) << dir;
  if (!fs::is_directory(dir)) return 0;
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".toml") continue;
    ++files;
    for (bool quick : {false, true}) {
      SCOPED_TRACE(e.path().string() + (quick ? " --quick" : ""));
      try {
        const auto plan = semra::load_sweep_file(e.path(), quick);
        EXPECT_EQ(plan.sweep, e.path().stem().string());
        EXPECT_FALSE(plan.axes.empty());
        // Every grid point's config is built and validated.
        const auto jobs = semra::detail::make_jobs(plan);
        EXPECT_EQ(jobs.size(),
                  semra::detail::grid_points(plan) * plan.schemes.size() * plan.seeds.size());
      } catch (const semra::InputError& err) {
        ADD_FAILURE() << err.what();
      }
    }
  }
  return files;
}

TEST(SweepFile, EveryShippedSweepFileIsValid) {
  EXPECT_GE(check_shipped_sweeps("sweeps"), 3);
}

// The reproduction studies of docs/reproduction.md (issue 13): CI validates them, never runs them.
// Each compares the default model with a lever, so its grid must hold at least two values.
TEST(SweepFile, EveryStudyFileIsValidAndComparesAtLeastTwoSettings) {
  EXPECT_GE(check_shipped_sweeps("studies"), 8);
  for (const auto& e : fs::directory_iterator(fs::path(SEMRA_SOURCE_DIR) / "configs" / "studies")) {
    if (e.path().extension() != ".toml") continue;
    SCOPED_TRACE(e.path().string());
    const auto plan = semra::load_sweep_file(e.path(), false);
    EXPECT_GE(semra::detail::grid_points(plan), 2u);
    EXPECT_GE(plan.seeds.size(), 5u);  // the issue's minimum for a measured row
  }
}

TEST(SweepFile, ParsesGridInFileOrderWithTypes) {
  const auto plan = semra::load_sweep_file(write_sweep("good", kGood), false);
  EXPECT_EQ(plan.sweep, "good");
  EXPECT_EQ(plan.command, "sweep");
  EXPECT_EQ(plan.seeds, (std::vector<std::uint64_t>{1, 2}));
  ASSERT_EQ(plan.axes.size(), 2u);
  EXPECT_EQ(plan.axes[0].key, "network.bs_power_dbm");        // file order, not sorted
  EXPECT_EQ(plan.axes[0].values[0], semra::AxisValue(20.0));  // an integer for a real key
  EXPECT_EQ(plan.axes[1].values[1], semra::AxisValue(std::int64_t{2}));
  EXPECT_EQ(plan.config->schema().value_text("train.slots"), "100");
  EXPECT_EQ(plan.y_metric, "final_qoe");
}

TEST(SweepFile, PlotLogYIsReadAndOffByDefault) {
  EXPECT_FALSE(semra::load_sweep_file(write_sweep("lin", kGood), false).log_y);
  const std::string text = std::string(kGood) + "\n[plot]\nlog_y = true\n";
  EXPECT_TRUE(semra::load_sweep_file(write_sweep("log", text), false).log_y);
}

TEST(SweepFile, QuickAppliesQuickOverridesAndSeeds) {
  const std::string text = std::string(kGood) + "\n[quick]\n\"train.slots\" = 10\n";
  const auto plan = semra::load_sweep_file(write_sweep("q", "quick_seeds = 1\n" + text), true);
  EXPECT_EQ(plan.seeds.size(), 1u);
  EXPECT_EQ(plan.config->schema().value_text("train.slots"), "10");
}

TEST(SweepFile, BadFilesNameTheProblem) {
  const std::string grid = "[grid]\n\"network.bs_power_dbm\" = [20, 30]\n";
  const std::string head = "scenario = \"dhdrl\"\n";
  struct Case {
    std::string text, needle;
  };
  const std::vector<Case> cases = {
      {head + "seedz = 3\n" + grid, "unknown key 'seedz' (did you mean 'seeds'?)"},
      {head + "[grid]\n\"network.bs_powr_dbm\" = [20]\n",
       "unknown config key 'network.bs_powr_dbm' (did you mean 'network.bs_power_dbm'?)"},
      {head + "[set]\n\"train.slotz\" = 5\n" + grid, "unknown config key 'train.slotz'"},
      {head + "[quick]\n\"train.slotz\" = 5\n" + grid, "[quick]: unknown config key 'train.slotz'"},
      {head + "[grid]\n\"network.bs_power_dbm\" = []\n",
       "'network.bs_power_dbm' has an empty list of values"},
      {head + "[grid]\n\"network.users_per_cell\" = [1, 2.5]\n",
       "config key 'network.users_per_cell': value 2.5 is a real, expected an integer"},
      {head + "[grid]\n\"network.bs_power_dbm\" = [\"high\"]\n",
       "config key 'network.bs_power_dbm': value 'high' is a string, expected a real"},
      {head + "[grid]\n\"hierarchy.split\" = [1]\n",
       "config key 'hierarchy.split': value 1 is an integer, expected a string"},
      {head + "[grid]\n\"hierarchy.split\" = [\"papr\"]\n", "hierarchy.split': invalid value"},
      {head + "[grid]\n\"network.bs_power_dbm\" = [20, 99]\n", "invalid value '99'"},
      {head + "[grid]\n\"network.bs_power_dbm\" = 20\n", "must be a list of values"},
      {head + "[grid]\n\"network.bs_power_dbm\" = [20, 20]\n", "lists 20 twice"},
      {head + "[set]\n\"train.slots\" = \"100\"\n" + grid,
       "config key 'train.slots': value '100' is a string, expected an integer"},
      {head, "[grid] names no key"},
      {"schemes = [\"greedy\"]\n" + grid, "missing 'scenario"},
      {"scenario = \"nosuch\"\n" + grid, "unknown scenario 'nosuch'"},
      {head + "schemes = [\"gredy\"]\n" + grid, "unknown scheme 'gredy' (did you mean 'greedy'?)"},
      {head + "seeds = 0\n" + grid, "seeds: expected an integer >= 1"},
      {head + "seeds = []\n" + grid, "seeds: the list is empty"},
      {head + grid + "[names]\n\"train.slots\" = \"x\"\n", "'train.slots' is not a [grid] key"},
      {head + grid + "[plot]\ncolour = \"red\"\n", "unknown key 'colour'"},
      {head + grid + "[plot]\nlog_y = \"yes\"\n", "[plot] log_y: expected true or false"},
      {head + "name = \"a/b\"\n" + grid, "name 'a/b'"},
      {head + "[grid\n", "malformed TOML"},
  };
  for (const auto& c : cases) {
    const std::string msg = error_of(c.text);
    EXPECT_NE(msg.find(c.needle), std::string::npos)
        << "file:\n"
        << c.text << "\nmessage: " << msg << "\nexpected: " << c.needle;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
    EXPECT_NE(msg.find("bad.toml"), std::string::npos) << "names the file: " << msg;
  }
}

TEST(SweepFile, MissingFileIsAnInputError) {
  EXPECT_THROW(semra::load_sweep_file("/nonexistent/sweep.toml", false), semra::InputError);
}

// A sweep file's [plot] metric is checked against the scalars a scenario declares: the declaration
// must be what its experiments return (every scheme, on a tiny config).
TEST(SweepFile, DeclaredSummaryScalarsAreWhatExperimentsReturn) {
  struct Tiny {
    const char* scenario;
    std::vector<std::string> sets;
  };
  const std::vector<Tiny> tiny = {
      {"dhdrl",
       {"network.rings=0", "network.users_per_cell=2", "train.slots=8", "hierarchy.epoch_slots=4",
        "learning.hidden=[8]", "learning.replay_capacity=6", "learning.batch_size=2",
        "learning.learning_starts_slots=2"}},
      {"vderl",
       {"network.servers=2", "network.users=4", "training.iterations=2",
        "training.frames_per_iteration=1", "training.gradient_steps=1", "training.eval_frames=1",
        "training.final_eval_frames=1", "training.learning_starts_frames=1",
        "training.batch_size=2", "training.replay_capacity=8", "training.hidden=[8]",
        "semantic.images=4", "ppo.envs=1"}},
  };
  for (const auto& t : tiny) {
    const auto* sc = semra::find_scenario(t.scenario);
    ASSERT_NE(sc, nullptr);
    ASSERT_FALSE(sc->summary_scalars.empty()) << t.scenario;
    auto config = sc->make_config();
    auto schema = config->schema();
    for (const auto& s : t.sets) schema.set(s);
    config->validate();
    for (const auto& scheme : semra::scheme_names_of(sc->schemes)) {
      semra::RunContext ctx;
      const auto r = sc->run(*config, scheme, 1, ctx);
      std::vector<std::string> names;
      for (const auto& [name, value] : r.scalars) names.push_back(name);
      auto declared = sc->summary_scalars;
      std::sort(declared.begin(), declared.end());
      EXPECT_EQ(names, declared) << t.scenario << " " << scheme;
      EXPECT_EQ(r.columns, sc->metric_columns) << t.scenario << " " << scheme;
    }
  }
}

// The figures are data (configs/figures/*.toml) built into the program: each parses into the
// figure of its file name, a sweep figure's file is also a valid sweep file, and every figure's
// plan builds its jobs.
TEST(FigureFile, EveryBuiltInFigureIsItsFileAndPlans) {
  const fs::path dir = fs::path(SEMRA_SOURCE_DIR) / "configs" / "figures";
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".toml") files.push_back(e.path().stem().string());
  std::sort(files.begin(), files.end());
  std::vector<std::string> names;
  for (const auto& f : semra::figures()) names.push_back(f.name);
  EXPECT_EQ(names, files);  // the program carries exactly the files of configs/figures
  EXPECT_GE(names.size(), 6u);
  for (const auto& f : semra::figures()) {
    SCOPED_TRACE(f.name);
    const fs::path file = dir / (f.name + ".toml");
    const auto again =
        semra::parse_figure_file(semra::read_file(file), f.name, "configs/figures/" + f.name);
    EXPECT_EQ(again.sets, f.sets);  // the built-in copy is the file's current text
    EXPECT_EQ(again.quick_sets, f.quick_sets);
    EXPECT_EQ(again.x_values, f.x_values);
    EXPECT_EQ(again.y_metric, f.y_metric);
    EXPECT_FALSE(f.description.empty());
    if (!f.x_key.empty()) {
      const auto plan = semra::load_sweep_file(file, true);
      EXPECT_EQ(plan.axes.size(), 1u);
      EXPECT_EQ(plan.axes[0].key, f.x_key);
    }
    for (bool quick : {false, true}) {
      semra::FigureRequest r;
      r.name = f.name;
      r.quick = quick;
      const auto plan = semra::make_figure_plan(r);
      EXPECT_EQ(semra::detail::make_jobs(plan).size(),
                semra::detail::grid_points(plan) * f.schemes.size() *
                    static_cast<std::size_t>(quick ? std::min(f.seeds, 2) : f.seeds));
    }
  }
}

TEST(FigureFile, BadFigureFilesNameTheProblem) {
  const std::string head = "scenario = \"vderl\"\ndescription = \"d\"\n";
  const std::string series = "[plot]\nmetric = \"total_reward\"\n";
  const std::string sweep = "[plot]\nmetric = \"avg_latency_ms\"\n";
  const auto error = [](const std::string& text) {
    try {
      semra::parse_figure_file(text, "f", "configs/figures/f.toml");
    } catch (const semra::InputError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(error(head + series), "(no error)");
  // file text -> a part of its one-line message
  const std::vector<std::pair<std::string, std::string>> cases = {
      // A series figure plots a metric column, a sweep figure a summary scalar.
      {head + "[plot]\nmetric = \"avg_latency\"\n", "metric column"},
      {head + "[grid]\n\"network.users\" = [10, 20]\n" + series, "per-experiment scalar"},
      {head + "[grid]\n\"network.users\" = [10]\n\"network.servers\" = [2]\n" + sweep, "one key"},
      {head + "[grid]\n\"network.users\" = [0]\n" + sweep, "network.users"},
      {head + "[set]\n\"training.iterations\" = 2.5\n" + series,
       "configs/figures/f.toml [set]: config key 'training.iterations'"},
      {head + "colour = 1\n" + series, "colour"},
      {head, "missing [plot] metric"},
      {head + series + "smooth = 0\n", "smooth"},
  };
  for (const auto& [text, part] : cases) {
    SCOPED_TRACE(text);
    const std::string e = error(text);
    EXPECT_NE(e.find(part), std::string::npos) << e;
    EXPECT_EQ(e.rfind("configs/figures/f.toml", 0), 0u) << e;  // names the file first
  }
}
