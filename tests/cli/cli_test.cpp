// The command line as a user meets it: exit codes and one-line errors (architecture.md).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace {

struct Result {
  int code;
  std::string out;  // stdout + stderr
};

Result run(const std::string& args) {
  const std::string cmd = std::string(SEMRA_CLI) + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace

TEST(Cli, VersionHelpListExitZero) {
  auto r = run("--version");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("semra 0.1.0"), std::string::npos);
  r = run("--help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("run"), std::string::npos);
  r = run("list");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("scenarios:"), std::string::npos);
  for (const char* sub : {"run", "figure", "sweep", "semantic", "list", "config"}) {
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
  const std::string cmd = "env -u SEMRA_TEST_FIXTURES ";
  const std::string cli = SEMRA_CLI;
  FILE* p = ::popen((cmd + cli + " list 2>&1").c_str(), "r");
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  EXPECT_EQ(::pclose(p), 0);
  EXPECT_EQ(out.find("toy"), std::string::npos) << out;
  p = ::popen(("env -u SEMRA_TEST_FIXTURES " + cli + " run toy 2>&1").c_str(), "r");
  out.clear();
  while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  const int status = ::pclose(p);
  EXPECT_EQ(WEXITSTATUS(status), 2);
  EXPECT_NE(out.find("unknown scenario 'toy'"), std::string::npos) << out;
}

// A bad input file is reported before anything is written: the output directory is not created,
// so the user can fix the file and rerun the same command.
TEST(Cli, BadInputFilesFailBeforeTheOutputDirectoryExists) {
  const std::string dir = "/tmp/semra-cli-badfile-" + std::to_string(::getpid());
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
