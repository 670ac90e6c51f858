// The command line as a user meets it: exit codes and one-line errors (architecture.md).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "../support/cli_process.hpp"
#include "semra/core/isa.hpp"

namespace {

semra_test::Result run(const std::string& args) {
  return semra_test::sh(std::string(SEMRA_CLI) + " " + args);
}

}  // namespace

TEST(Cli, VersionHelpListExitZero) {
  auto r = run("--version");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("semra 0.1.0"), std::string::npos);
  r = run("--help");
  EXPECT_EQ(r.code, 0);
  // The subcommands it lists, in order: the first word of each line after "Subcommands:".
  std::vector<std::string> listed;
  std::istringstream help(r.out.substr(std::min(r.out.find("Subcommands:"), r.out.size())));
  std::string line;
  std::getline(help, line);
  while (std::getline(help, line) && !line.empty()) {
    std::istringstream words(line);
    std::string first;
    words >> first;
    listed.push_back(first);
  }
  EXPECT_EQ(listed, (std::vector<std::string>{"list", "run", "figure", "sweep", "semantic", "plot",
                                              "config", "export-channels"}))
      << r.out;
  r = run("list");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("scenarios:"), std::string::npos);
  for (const char* sub :
       {"run", "figure", "sweep", "semantic", "plot", "list", "config", "export-channels"}) {
    r = run(std::string(sub) + " --help");
    EXPECT_EQ(r.code, 0) << sub;
  }
}

TEST(Cli, UnknownScenarioExitsTwoNamingValidOnes) {
  const auto r = run("run nosuch");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("unknown scenario 'nosuch'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("valid:"), std::string::npos) << r.out;
}

TEST(Cli, BadFlagsExitTwo) {
  EXPECT_EQ(run("--no-such-flag").code, 2);
  EXPECT_EQ(run("run").code, 2);  // missing SCENARIO
  EXPECT_EQ(run("figure nosuch").code, 2);
}

TEST(Cli, TestFixturesAreHiddenUnlessAskedFor) {
  const std::string cli = "env -u SEMRA_TEST_FIXTURES " + std::string(SEMRA_CLI);
  auto r = semra_test::sh(cli + " list");
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out.find("toy"), std::string::npos) << r.out;
  r = semra_test::sh(cli + " run toy");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("unknown scenario 'toy'"), std::string::npos) << r.out;
}

// A bad input file is reported before anything is written: the output directory is not created,
// so the user can fix the file and rerun the same command.
TEST(Cli, BadInputFilesFailBeforeTheOutputDirectoryExists) {
  const std::string dir = semra_test::temp_path("badfile").string();
  const std::string bad_json = dir + ".json";
  FILE* f = std::fopen(bad_json.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("{\"images\": [", f);
  std::fclose(f);
  const std::string readme = std::string(SEMRA_SOURCE_DIR) + "/README.md";
  struct Case {
    std::string args, needle;
  };
  const Case cases[] = {
      {"run dhdrl --steps 10 --set semantic.accuracy_csv=" + readme, "is not a number"},
      {"run dhdrl --steps 10 --set eval.load=/nonexistent/models --set train.enabled=false",
       "eval.load: '/nonexistent/models' is not a directory"},
      {"run vderl --steps 1 --set semantic.scene_graphs=" + bad_json, "not valid JSON"},
      {"run vderl --steps 1 --set semantic.scene_graphs=/nonexistent.json", "/nonexistent.json"},
  };
  for (const auto& c : cases) {
    const auto r = run(c.args + " --quiet --out " + dir);
    EXPECT_EQ(r.code, 2) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.needle), std::string::npos) << c.args << "\n" << r.out;
    EXPECT_EQ(::access(dir.c_str(), F_OK), -1) << "created " << dir << " for: " << c.args;
  }
  std::remove(bad_json.c_str());
}

// SEMRA_ISA pins the kernel variant; --version names the one in use; a bad request is one line,
// exit 2, whatever the command.
TEST(Cli, SemraIsaPinsTheKernelVariant) {
  const std::string cli(SEMRA_CLI);
  auto r = semra_test::sh("SEMRA_ISA=baseline " + cli + " --version");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("(kernels: baseline)"), std::string::npos) << r.out;
  r = semra_test::sh("env -u SEMRA_ISA " + cli + " --version");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("(kernels: " + std::string(semra::to_string(semra::best_isa())) + ")"),
            std::string::npos)
      << r.out;
  for (const char* bad : {"avx9", "AVX2", "native"}) {
    r = semra_test::sh("SEMRA_ISA=" + std::string(bad) + " " + cli + " list");
    EXPECT_EQ(r.code, 2) << bad;
    EXPECT_EQ(r.out, "semra: error: SEMRA_ISA=" + std::string(bad) +
                         ": expected one of baseline, avx2, avx512, auto\n");
  }
  for (semra::Isa isa : semra::kAllIsas) {
    const std::string name(semra::to_string(isa));
    r = semra_test::sh("SEMRA_ISA=" + name + " " + cli + " --version");
    if (semra::isa_supported(isa)) {
      EXPECT_EQ(r.code, 0) << r.out;
    } else {
      EXPECT_EQ(r.code, 2) << r.out;
      EXPECT_NE(r.out.find("SEMRA_ISA=" + name + ": this CPU (or OS) does not support it"),
                std::string::npos)
          << r.out;
      EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
    }
  }
}

// docs/channels.md "Exporting": `semra export-channels` writes the channels a model-driven run
// draws for a seed; the run with channel.source = "trace" on that file gives the same metrics.csv
// and the same trained networks, byte for byte, for a learned scheme and a heuristic.
namespace {

void expect_trace_replays_model(const std::string& scenario, const std::string& schemes,
                                const std::string& args) {
  const auto dir = semra_test::fresh("trace-replay-", scenario);
  std::filesystem::create_directories(dir);
  const std::string trace = (dir / "trace.mat").string();
  auto r = run("export-channels " + scenario + " --seed 3 --out " + trace + " " + args);
  ASSERT_EQ(r.code, 0) << r.out;
  r = run("run " + scenario + " --scheme " + schemes + " --seed 3 --save-models --quiet --out " +
          (dir / "model").string() + " " + args);
  ASSERT_EQ(r.code, 0) << r.out;
  r = run("run " + scenario + " --scheme " + schemes + " --seed 3 --save-models --quiet --out " +
          (dir / "trace").string() + " " + args +
          " --set channel.source=trace --set channel.trace=" + trace);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(semra::read_file(dir / "model" / "metrics.csv") ==
              semra::read_file(dir / "trace" / "metrics.csv"))
      << scenario << ": metrics.csv of the trace-driven run differs from the model-driven run";
  int networks = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir / "model" / "models")) {
    if (!e.is_regular_file()) continue;
    const auto rel = std::filesystem::relative(e.path(), dir / "model");
    EXPECT_TRUE(semra::read_file(e.path()) == semra::read_file(dir / "trace" / rel)) << rel;
    ++networks;
  }
  EXPECT_GT(networks, 0) << scenario << ": no saved networks to compare";
}

}  // namespace

TEST(Cli, ExportedDhdrlChannelsReplayTheModelRunBitForBit) {
  // 7 cells x 2 UTs (two UT layers), learning from slot 32.
  expect_trace_replays_model("dhdrl", "dhdrl,greedy",
                             "--steps 200 --set network.users_per_cell=2 "
                             "--set learning.learning_starts_slots=32");
}

TEST(Cli, ExportedVderlChannelsReplayTheModelRunBitForBit) {
  expect_trace_replays_model(
      "vderl", "vdn,random",
      "--steps 2 --set training.frames_per_iteration=4 --set semantic.images=32 "
      "--set training.eval_frames=4 --set training.final_eval_frames=8 "
      "--set training.learning_starts_frames=4");
}
