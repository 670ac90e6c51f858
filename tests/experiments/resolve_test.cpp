// resolve_config: defaults <- preset (a figure's sets) <- TOML file <- --set, one function for the
// CLI, `make docs` and Python; make_run_plan: what `semra run` asks for.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../support/temp_dir.hpp"
#include "semra/core/error.hpp"
#include "semra/experiments/resolve.hpp"

TEST(ResolveConfig, LayersInOrderAndRejectsBadKeys) {
  const auto& sc = semra::scenario_or_throw("vderl");
  const semra_test::TempDir tmp("semra-resolve-");
  const auto path = tmp / "config.toml";
  {
    std::ofstream f(path);
    f << "[network]\nusers = 20\nservers = 4\n";
  }
  const auto defaults = semra::resolve_config(sc, "", {});
  EXPECT_EQ(defaults->schema().value_text("network.users"),
            sc.make_config()->schema().value_text("network.users"));
  const auto c = semra::resolve_config(sc, path.string(), {"network.servers=3"},
                                       {"network.users=10", "network.rbs=7"});
  EXPECT_EQ(c->schema().value_text("network.users"), "20");   // file over preset
  EXPECT_EQ(c->schema().value_text("network.servers"), "3");  // --set over file
  EXPECT_EQ(c->schema().value_text("network.rbs"), "7");      // preset over defaults
  EXPECT_THROW(semra::resolve_config(sc, "", {"network.userz=3"}), semra::InputError);
  EXPECT_THROW(semra::resolve_config(sc, (path.string() + ".missing"), {}), semra::InputError);
  EXPECT_THROW(semra::scenario_or_throw("nope"), semra::InputError);
}

TEST(ResolveConfig, RunPlanAsTheCliBuildsIt) {
  const auto& sc = semra::scenario_or_throw("vderl");
  semra::RunRequest r;
  r.sets = {"network.users=10"};
  r.steps = 3;
  r.seed = 4;
  r.seeds = 2;
  const auto plan = semra::make_run_plan(sc, r);
  EXPECT_EQ(plan.schemes, semra::scheme_names_of(sc.schemes, true));
  EXPECT_EQ(plan.seeds, (std::vector<std::uint64_t>{4, 5}));
  EXPECT_EQ(plan.config->schema().value_text(sc.steps_key), "3");
  EXPECT_EQ(plan.config->schema().value_text("network.users"), "10");
  r.steps = 0;
  EXPECT_THROW(semra::make_run_plan(sc, r), semra::InputError);
  r.steps = 3;
  r.seeds = 0;
  EXPECT_THROW(semra::make_run_plan(sc, r), semra::InputError);
}

TEST(ResolveConfig, FigurePlanAsTheCliBuildsIt) {
  semra::FigureRequest r;
  r.name = "vderl-latency-vs-users";
  r.quick = true;
  auto plan = semra::make_figure_plan(r);
  EXPECT_EQ(plan.figure, "vderl-latency-vs-users");
  EXPECT_EQ(plan.command, "figure");
  EXPECT_EQ(plan.schemes, semra::scheme_names_of(semra::find_scenario("vderl")->schemes, true));
  EXPECT_EQ(plan.seeds, (std::vector<std::uint64_t>{1, 2}));  // --quick: at most 2
  ASSERT_EQ(plan.axes.size(), 1u);
  EXPECT_EQ(plan.axes[0].key, "network.users");
  EXPECT_EQ(plan.axes[0].values.size(), 5u);
  EXPECT_EQ(plan.config->schema().value_text("training.iterations"), "6");  // a quick set
  r.seeds = 3;
  r.seed = 7;
  EXPECT_EQ(semra::make_figure_plan(r).seeds, (std::vector<std::uint64_t>{7, 8, 9}));
  r.sets = {"network.users=20"};  // the x axis is the figure's
  try {
    semra::make_figure_plan(r);
    ADD_FAILURE() << "the figure's x key was accepted as --set";
  } catch (const semra::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("already given by the figure"), std::string::npos)
        << e.what();
  }
  r.sets.clear();
  r.name = "vderl-latency-vs-user";
  try {
    semra::make_figure_plan(r);
    ADD_FAILURE() << "an unknown figure was accepted";
  } catch (const semra::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'vderl-latency-vs-users'"),
              std::string::npos)
        << e.what();
  }
}
