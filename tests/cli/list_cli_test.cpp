// `semra list` is read from each scenario's one scheme table (scenarios/NAME/schemes.cpp): every
// scheme on its own line with its help, the ones outside the default set marked.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>

#include "../support/cli_process.hpp"
#include "semra/experiments/registry.hpp"

namespace {

// The line of `scheme` under the scenario line of `scenario` ("  NAME  description").
std::string line_of(const std::string& out, const std::string& scenario,
                    const std::string& scheme) {
  std::istringstream in(out);
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("  ", 0) == 0 && line.rfind("    ", 0) != 0)
      inside = line.rfind("  " + scenario + "  ", 0) == 0;
    else if (inside && line.rfind("    " + scheme + " ", 0) == 0)
      return line;
  }
  return "";
}

}  // namespace

TEST(ListCli, EverySchemeOfTheTableWithItsHelpAndDefaultMark) {
  const auto r = semra_test::sh(std::string(SEMRA_CLI) + " list");
  ASSERT_EQ(r.code, 0) << r.out;
  std::size_t schemes = 0;
  for (const auto& sc : semra::scenarios()) {
    EXPECT_NE(r.out.find("  " + sc.name + "  " + sc.description + "\n"), std::string::npos);
    for (const auto& info : sc.schemes) {
      const std::string& name = info.name;
      const std::string line = line_of(r.out, sc.name, name);
      ASSERT_FALSE(line.empty()) << name << "\n" << r.out;
      EXPECT_FALSE(info.help.empty()) << name;
      EXPECT_NE(line.find(info.help), std::string::npos) << line;
      EXPECT_EQ(line.find("(only with --scheme)") != std::string::npos, !info.in_default_set)
          << line;
      EXPECT_GT(info.step_cost, 0.0) << name;
      ++schemes;
    }
  }
  EXPECT_EQ(schemes, 21u);  // dhdrl 14, vderl 7
  // The defaults are the papers' sets, in the tables' order.
  EXPECT_EQ(semra::scheme_names_of(semra::find_scenario("dhdrl")->schemes, true),
            (std::vector<std::string>{"dhdrl", "ddrl", "dhdrl-oa", "dhdrl-or", "dhdrl-ns", "greedy",
                                      "random"}));
  EXPECT_EQ(semra::scheme_names_of(semra::find_scenario("vderl")->schemes, true),
            (std::vector<std::string>{"vderl", "vdn", "idqn", "random"}));
}
