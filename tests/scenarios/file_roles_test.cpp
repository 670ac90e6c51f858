// Every scenario folder holds the same files, one per role (docs/architecture.md "A scenario's
// files"), so that a reader who knows one scenario finds everything in another in the same place;
// every role is documented there, and every scenario has its tests in the mirrored folder.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

// The roles, in docs/architecture.md's order: each is NAME.hpp and NAME.cpp.
const std::set<std::string> kRoles = {"config",     "env",     "multi_agent", "schemes",
                                      "heuristics", "learned", "run",         "entry"};

std::set<std::string> files_of(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) names.insert(e.path().filename().string());
  return names;
}

TEST(ScenarioFileRoles, EveryScenarioFolderHoldsExactlyTheRoles) {
  std::set<std::string> expected;
  for (const auto& r : kRoles) expected.insert({r + ".hpp", r + ".cpp"});
  const fs::path root = fs::path(SEMRA_SOURCE_DIR) / "src/semra/scenarios";
  int scenarios = 0;
  for (const auto& e : fs::directory_iterator(root)) {
    if (!e.is_directory()) continue;
    ++scenarios;
    EXPECT_EQ(files_of(e.path()), expected) << e.path();
    // The tests mirror the folder.
    const fs::path tests = fs::path(SEMRA_SOURCE_DIR) / "tests/scenarios" / e.path().filename();
    EXPECT_TRUE(fs::is_regular_file(tests / "env_test.cpp")) << tests;
    EXPECT_TRUE(fs::is_regular_file(tests / "multi_agent_test.cpp")) << tests;
    EXPECT_TRUE(fs::is_regular_file(tests / "learning_test.cpp")) << tests;
  }
  EXPECT_EQ(scenarios, 2);
}

TEST(ScenarioFileRoles, ArchitectureDocumentsEveryRole) {
  std::ifstream in(fs::path(SEMRA_SOURCE_DIR) / "docs/architecture.md");
  ASSERT_TRUE(in) << "docs/architecture.md";
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  for (const auto& r : kRoles)
    EXPECT_NE(doc.find("| `" + r + ".*`"), std::string::npos) << "role " << r;
}

}  // namespace
