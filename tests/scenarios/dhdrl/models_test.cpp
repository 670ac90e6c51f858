// Saving trained dhdrl networks and evaluating them, without exploration or learning, under another
// config (19 cells instead of 7).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "../../support/temp_dir.hpp"
#include "semra/core/error.hpp"
#include "semra/core/experiment.hpp"
#include "semra/scenarios/dhdrl/config.hpp"
#include "semra/scenarios/dhdrl/run.hpp"

namespace fs = std::filesystem;
using namespace semra::dhdrl;

TEST(DhdrlModels, SaveThenEvaluateOnMoreCellsWithoutLearning) {
  const semra_test::TempDir tmp("semra-dhdrl-models-");
  const fs::path root = tmp.path();
  for (const std::string scheme : {"dhdrl", "ddrl", "dhdrl-continuous", "mappo"}) {
    Config c;
    c.train_slots = std::getenv("SEMRA_SANITIZED") ? 300 : 400;
    c.learning_starts_slots = 100;
    semra::RunContext ctx;
    ctx.models_root = root.string();
    run_experiment(c, scheme, 1, ctx);
    const std::string dir = ctx.model_dir_for(scheme, 1);
    ASSERT_TRUE(fs::is_directory(dir)) << dir;
    EXPECT_TRUE(fs::exists(dir + "/high_0.semrann") || fs::exists(dir + "/ddrl_0.semrann") ||
                fs::exists(dir + "/high_pi_0.semrann"));

    Config e;
    e.rings = 2;  // 19 cells: link i uses the saved network of link i mod 7
    e.train_slots = 100;
    e.train_enabled = false;
    e.eval_load = dir;
    semra::RunContext eval_ctx;
    const auto a = run_experiment(e, scheme, 2, eval_ctx);
    const auto b = run_experiment(e, scheme, 2, eval_ctx);
    EXPECT_EQ(a.values, b.values) << scheme;  // greedy policy, no learning: deterministic
    EXPECT_GT(a.scalars.at("final_qoe"), 0.0);
  }
  Config bad;
  bad.train_slots = 10;
  bad.eval_load = (root / "nothing-here").string();
  semra::RunContext ctx;
  EXPECT_THROW(run_experiment(bad, "dhdrl", 1, ctx), semra::InputError);
  fs::create_directories(root / "empty");
  bad.eval_load = (root / "empty").string();
  EXPECT_THROW(run_experiment(bad, "dhdrl", 1, ctx), semra::InputError);
}

// eval.load = a run's models/ directory: each experiment loads <scheme>-seed<seed>, exactly as if
// that directory were named; a seed the run did not save is refused, naming what is there.
TEST(DhdrlModels, EvalLoadOfARunsModelsDirectoryTakesEachExperimentsOwnSeed) {
  const semra_test::TempDir tmp("semra-dhdrl-models-root-");
  const fs::path root = tmp.path();
  for (const std::uint64_t seed : {1, 2}) {
    Config c;
    c.train_slots = 300;
    c.learning_starts_slots = 50;
    semra::RunContext ctx;
    ctx.models_root = root.string();
    run_experiment(c, "dhdrl", seed, ctx);
  }
  Config e;
  e.train_slots = 100;
  e.train_enabled = false;
  semra::RunContext ctx;
  for (const std::uint64_t seed : {1, 2}) {
    e.eval_load = root.string();
    const auto via_root = run_experiment(e, "dhdrl", seed, ctx);
    e.eval_load = semra::saved_model_dir(root.string(), "dhdrl", seed);
    const auto named = run_experiment(e, "dhdrl", seed, ctx);
    EXPECT_EQ(via_root.values, named.values) << "seed " << seed;
  }
  // Seed 1's networks on seed 2's run differ from seed 2's own: the directory really is per seed.
  e.eval_load = semra::saved_model_dir(root.string(), "dhdrl", 1);
  const auto other = run_experiment(e, "dhdrl", 2, ctx);
  e.eval_load = root.string();
  EXPECT_NE(other.values, run_experiment(e, "dhdrl", 2, ctx).values);

  e.eval_load = root.string();
  try {
    check_experiment(e, "dhdrl", {1, 2, 3});
    FAIL() << "seed 3 was not saved";
  } catch (const semra::InputError& err) {
    EXPECT_EQ(
        std::string(err.what()),
        "eval.load: '" + root.string() +
            "' holds a run's saved models but no 'dhdrl-seed3' (has dhdrl-seed1, dhdrl-seed2)");
  }
  EXPECT_THROW(check_experiment(e, "ddrl", {1}), semra::InputError);
  EXPECT_NO_THROW(check_experiment(e, "dhdrl", {1, 2}));
}
