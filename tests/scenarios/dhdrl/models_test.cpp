// Saving trained dhdrl networks and evaluating them, without exploration or learning, under another
// config (19 cells instead of 7).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "semra/core/error.hpp"
#include "semra/core/experiment.hpp"
#include "semra/scenarios/dhdrl/config.hpp"
#include "semra/scenarios/dhdrl/run.hpp"

namespace fs = std::filesystem;
using namespace semra::dhdrl;

TEST(DhdrlModels, SaveThenEvaluateOnMoreCellsWithoutLearning) {
  const fs::path root = fs::temp_directory_path() / "semra_dhdrl_models_test";
  fs::remove_all(root);
  for (const std::string scheme : {"dhdrl", "ddrl", "dhdrl-continuous"}) {
    Config c;
    c.train_slots = std::getenv("SEMRA_SANITIZED") ? 300 : 400;
    c.learning_starts_slots = 100;
    semra::RunContext ctx;
    ctx.models_root = root.string();
    run_experiment(c, scheme, 1, ctx);
    const std::string dir = ctx.model_dir_for(scheme, 1);
    ASSERT_TRUE(fs::is_directory(dir)) << dir;
    EXPECT_TRUE(fs::exists(dir + "/high_0.semrann") || fs::exists(dir + "/ddrl_0.semrann"));

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
  fs::remove_all(root);
}
