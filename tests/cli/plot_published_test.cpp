// `semra plot --published CSV`: published curves (data/dhdrl-published/C7.csv's layout) drawn
// dashed over ours, in the colour of our scheme of the same name; bad CSVs exit 2 with one line.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "../support/cli_process.hpp"
#include "semra/core/io.hpp"

namespace fs = std::filesystem;
using namespace semra_test;

namespace {

const bool kFixtures = [] { return ::setenv("SEMRA_TEST_FIXTURES", "1", 1) == 0; }();

Result cli(const std::string& args) {
  return sh(std::string(SEMRA_CLI) + " " + args);
}

// Rows of data block `index` (blocks separated by two blank lines) of a plot's .dat file.
std::vector<std::vector<double>> block(const fs::path& dat, std::size_t index) {
  std::istringstream in(semra::read_file(dat));
  std::vector<std::vector<double>> rows;
  std::string line;
  std::size_t b = 0, blank = 0;
  while (std::getline(in, line)) {
    if (line.empty()) {
      if (++blank == 2) ++b, blank = 0;
      continue;
    }
    blank = 0;
    if (line[0] == '#' || b != index) continue;
    std::istringstream f(line);
    std::vector<double> row;
    for (double x; f >> x;) row.push_back(x);
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

TEST(PlotPublished, PublishedCurvesAreDashedInTheColourOfTheSchemeOfTheirName) {
  ASSERT_TRUE(kFixtures);
  const auto run = fresh("semra-plotpub-", "run"), out = fresh("semra-plotpub-", "out");
  ASSERT_EQ(cli("run toy --seeds 3 --steps 40 --quiet --out " + run.string()).code, 0);
  // Columns: one named after our scheme "good" (any case), one after none with an apostrophe (CSV
  // quotes are removed) and a gap.
  semra::write_file_atomic(out / "pub.csv",
                           "slot,Good,it's \"other\"\n5,0.25,1\n15,0.5,\n25,0.75,3\n");
  const auto r = cli("plot " + run.string() + " --published " + (out / "pub.csv").string() +
                     " --out " + (out / "p.png").string());
  ASSERT_EQ(r.code, 0) << r.out;
  const auto gp = semra::read_file(out / "p.gp");
  // Ours: good (lc 1), bad (lc 2); then the published ones as data blocks 2 and 3: "Good" in our
  // good's colour, the unmatched one in the first colour no curve has (3), not 2 + its column.
  EXPECT_NE(gp.find("index 2 using 1:2 with lines lw 2 dt 2 lc 1 title 'Good (published)'"),
            std::string::npos)
      << gp;
  EXPECT_NE(
      gp.find(
          "index 3 using 1:2 with lines lw 2 dt 2 lc 3 title 'it'.\"\\047\".'s other (published)'"),
      std::string::npos)
      << gp;
  EXPECT_EQ(block(out / "p.dat", 2),
            (std::vector<std::vector<double>>{{5, 0.25}, {15, 0.5}, {25, 0.75}}));
  EXPECT_EQ(block(out / "p.dat", 3), (std::vector<std::vector<double>>{{5, 1}, {25, 3}}));
  // Without --published the figure is ours alone.
  ASSERT_EQ(cli("plot " + run.string() + " --out " + (out / "q.png").string()).code, 0);
  EXPECT_EQ(semra::read_file(out / "q.gp").find("published"), std::string::npos);
  for (const auto& d : {run, out}) fs::remove_all(d);
}

TEST(PlotPublished, BadPublishedCsvExitsTwoWithOneLineNamingIt) {
  ASSERT_TRUE(kFixtures);
  const auto run = fresh("semra-plotpub-", "brun"), out = fresh("semra-plotpub-", "bout");
  ASSERT_EQ(cli("run toy --steps 20 --quiet --out " + run.string()).code, 0);
  struct Case {
    std::string name, text, message;
  } cases[] = {
      {"noslot.csv", "step,Good\n1,2\n", "must start with a header slot,NAME"},
      {"nan.csv", "slot,Good\n1,abc\n", "line 2, column Good: 'abc' is not a number"},
      {"fields.csv", "slot,Good\n1,2,3\n", "line 2: 3 fields, expected 2"},
      {"slot.csv", "slot,Good\n,2\n", "line 2, column slot: '' is not a number"},
  };
  for (const auto& c : cases) {
    semra::write_file_atomic(out / c.name, c.text);
    const auto r = cli("plot " + run.string() + " --published " + (out / c.name).string() +
                       " --out " + (out / "x.png").string());
    EXPECT_EQ(r.code, 2) << c.name << "\n" << r.out;
    EXPECT_NE(r.out.find(c.message), std::string::npos) << c.name << "\n" << r.out;
    EXPECT_NE(r.out.find(c.name), std::string::npos) << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  }
  const auto r = cli("plot " + run.string() + " --published " + (out / "missing.csv").string() +
                     " --out " + (out / "x.png").string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("missing.csv': cannot be read"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(out / "x.gp"));
  for (const auto& d : {run, out}) fs::remove_all(d);
}
