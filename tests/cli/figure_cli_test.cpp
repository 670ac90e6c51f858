// Figures for papers as a user makes them: --format png,pdf,svg and --size ieee on run / figure /
// sweep, learning curves with a 95% CI band, and `semra plot` overlaying runs (labels, errors).
#include <gtest/gtest.h>

#include <cmath>
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

bool have_gnuplot() {
  return std::system("command -v gnuplot >/dev/null 2>&1") == 0;
}

Result cli(const std::string& args) {
  return sh(std::string(SEMRA_CLI) + " " + args);
}

std::string head(const fs::path& p, std::size_t n) {
  return semra::read_file(p).substr(0, n);
}

std::vector<std::vector<double>> data_block(const fs::path& dat, std::size_t index) {
  std::istringstream in(semra::read_file(dat));
  std::vector<std::vector<double>> rows;
  std::string line;
  std::size_t block = 0, blank = 0;
  while (std::getline(in, line)) {
    if (line.empty()) {
      if (++blank == 2) ++block, blank = 0;
      continue;
    }
    blank = 0;
    if (line[0] == '#' || block != index) continue;
    std::istringstream f(line);
    std::vector<double> row;
    for (double x; f >> x;) row.push_back(x);
    rows.push_back(row);
  }
  return rows;
}

// Per-seed values of one column of a toy run's metrics.csv at row `row` of scheme `scheme`.
std::vector<double> seed_values(const fs::path& csv, const std::string& scheme, std::size_t column,
                                std::size_t row) {
  std::istringstream in(semra::read_file(csv));
  std::string line;
  std::getline(in, line);
  std::vector<double> out;
  std::size_t seen = 0;
  std::string last_seed;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::istringstream ls(line);
    for (std::string x; std::getline(ls, x, ',');) f.push_back(x);
    if (f[0] != scheme) continue;
    if (f[1] != last_seed) last_seed = f[1], seen = 0;
    if (seen++ == row) out.push_back(std::stod(f[column]));
  }
  return out;
}

}  // namespace

TEST(FigureCli, RunWritesEveryRequestedFormatWithACiBand) {
  if (!have_gnuplot()) GTEST_SKIP() << "gnuplot not installed";
  const auto d = fresh("semra-fig-", "formats");
  auto r =
      cli("run dhdrl --steps 300 --seeds 3 --scheme dhdrl,random --quiet "
          "--set output.record_every_slots=10 --format png,pdf,svg --out " +
          d.string());
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(head(d / "figure.png", 4), "\x89PNG");
  EXPECT_EQ(head(d / "figure.pdf", 5), "%PDF-");
  EXPECT_NE(semra::read_file(d / "figure.svg").find("<svg"), std::string::npos);
  // Learning curves: a shaded band under each mean line, and the band is the 95% CI over seeds.
  const auto gp = semra::read_file(d / "figure.gp");
  EXPECT_NE(gp.find("with filledcurves"), std::string::npos) << gp;
  EXPECT_NE(gp.find("fs transparent solid"), std::string::npos) << gp;
  const auto rows = data_block(d / "figure.dat", 0);
  ASSERT_EQ(rows.size(), 30u);
  std::size_t wide = 0;
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), 4u);
    EXPECT_LE(row[2], row[1]);
    EXPECT_GE(row[3], row[1]);
    EXPECT_NEAR(row[1] - row[2], row[3] - row[1], 1e-12);
    if (row[3] - row[2] > 1e-6) ++wide;
  }
  EXPECT_GT(wide, 20u) << "three seeds give a band of non-zero width";
  fs::remove_all(d);
}

TEST(FigureCli, IeeeSizeIsThreeAndAHalfInchesWide) {
  if (!have_gnuplot()) GTEST_SKIP() << "gnuplot not installed";
  const auto d = fresh("semra-fig-", "ieee");
  auto r =
      cli("run dhdrl --steps 200 --seeds 2 --scheme dhdrl,random --quiet --format pdf,svg "
          "--size ieee --out " +
          d.string());
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_FALSE(fs::exists(d / "figure.png")) << "only the formats asked for";
  // Two seeds: no band (t_{0.975,1} = 12.7 would hide every curve), still both mean lines.
  const auto gp = semra::read_file(d / "figure.gp");
  EXPECT_EQ(gp.find("filledcurves"), std::string::npos) << gp;
  EXPECT_NE(gp.find("title 'random'"), std::string::npos) << gp;
  // 3.5 in = 252 pt.
  EXPECT_NE(semra::read_file(d / "figure.pdf").find("/MediaBox [ 0 0 252 "), std::string::npos);
  EXPECT_NE(semra::read_file(d / "figure.svg").find("viewBox=\"0 0 252 "), std::string::npos);
  fs::remove_all(d);
}

TEST(FigureCli, FigureAndSweepTakeFormatsAndBadValuesExitTwo) {
  if (!have_gnuplot()) GTEST_SKIP() << "gnuplot not installed";
  ASSERT_TRUE(kFixtures);
  const auto d = fresh("semra-fig-", "sweepfmt");
  auto r = cli("figure toy-users --quick --seeds 2 --quiet --format svg --out " + d.string());
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(fs::exists(d / "figure.svg"));
  EXPECT_FALSE(fs::exists(d / "figure.png"));
  r = cli("run toy --format png,gif --out " + (d / "x").string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("--format 'png,gif': expected"), std::string::npos) << r.out;
  r = cli("run toy --size a4 --out " + (d / "x").string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("--size 'a4': expected default or ieee"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(d / "x"));
  fs::remove_all(d);
}

TEST(PlotCli, OverlaysRunsLabelledByTheirDifferingConfigKeys) {
  ASSERT_TRUE(kFixtures);
  const auto a = fresh("semra-plot-", "a"), b = fresh("semra-plot-", "b"),
             out = fresh("semra-plot-", "out");
  ASSERT_EQ(cli("run toy --steps 120 --seeds 3 --quiet --out " + a.string()).code, 0);
  ASSERT_EQ(
      cli("run toy --steps 120 --seeds 3 --set model.gain=1.5 --quiet --out " + b.string()).code,
      0);
  fs::create_directories(out);
  auto r = cli("plot " + a.string() + " " + b.string() + " --metric estimate --out " +
               (out / "cmp.png").string());
  ASSERT_EQ(r.code, 0) << r.out;
  const auto gp = semra::read_file(out / "cmp.gp");
  for (const char* title : {"'model.gain=1.0: good'", "'model.gain=1.0: bad'",
                            "'model.gain=1.5: good'", "'model.gain=1.5: bad'"})
    EXPECT_NE(gp.find(title), std::string::npos) << title << "\n" << gp;
  EXPECT_EQ(gp.find("train.steps"), std::string::npos) << "only differing keys label curves";
  if (have_gnuplot()) {
    EXPECT_EQ(head(out / "cmp.png", 4), "\x89PNG");
  }
  // Block 2 is run b, scheme good: its mean and CI are those of the seeds' values (no smoothing:
  // toy has no headline figure), t_{0.975,2} = 4.302653.
  const auto rows = data_block(out / "cmp.dat", 2);
  ASSERT_EQ(rows.size(), 120u);
  for (std::size_t i : {0u, 57u, 119u}) {
    const auto v = seed_values(b / "metrics.csv", "good", 4, i);  // column 4: estimate
    ASSERT_EQ(v.size(), 3u);
    const double m = (v[0] + v[1] + v[2]) / 3;
    const double sd = std::sqrt(
        ((v[0] - m) * (v[0] - m) + (v[1] - m) * (v[1] - m) + (v[2] - m) * (v[2] - m)) / 2);
    EXPECT_NEAR(rows[i][1], m, 1e-12);
    EXPECT_NEAR(rows[i][3] - rows[i][1], 4.302653 * sd / std::sqrt(3.0), 1e-6);
  }
  // Given labels replace the derived ones.
  r = cli("plot " + a.string() + " " + b.string() + " --label base,louder --format svg --out " +
          (out / "lab").string());
  ASSERT_EQ(r.code, 0) << r.out;
  const auto gp2 = semra::read_file(out / "lab.gp");
  EXPECT_NE(gp2.find("'louder: good'"), std::string::npos) << gp2;
  EXPECT_NE(gp2.find("fmt = 'svg'"), std::string::npos) << gp2;
  for (const auto& d : {a, b, out}) fs::remove_all(d);
}

TEST(PlotCli, BadInputsExitTwoWithOneLine) {
  ASSERT_TRUE(kFixtures);
  EXPECT_EQ(cli("plot --help").code, 0);
  EXPECT_EQ(cli("plot").code, 2) << "DIR and --out are required";
  const auto a = fresh("semra-plot-", "ea"), out = fresh("semra-plot-", "eout");
  ASSERT_EQ(cli("run toy --steps 50 --quiet --out " + a.string()).code, 0);
  const auto other = fresh("semra-plot-", "dh");
  ASSERT_EQ(cli("run dhdrl --steps 50 --scheme random --quiet --out " + other.string()).code, 0);
  const auto sweep = fresh("semra-plot-", "sw");
  ASSERT_EQ(cli("figure toy-users --quick --seeds 1 --quiet --out " + sweep.string()).code, 0);
  const std::string f = " --out " + (out / "x.png").string();
  struct Case {
    std::string args, message;
  } cases[] = {
      {a.string() + " " + other.string(), "is a dhdrl run but"},
      {a.string() + " --metric nosuch", "no metric 'nosuch' in"},
      {a.string() + " " + out.parent_path().string(), "is not a semra run directory"},
      {a.string() + " " + (out / "missing").string(), "is not a directory"},
      {a.string() + " " + a.string() + " --label one", "--label gives 1 labels for 2 directories"},
      {a.string() + " " + sweep.string(), "is a sweep (over model.users)"},
      {a.string() + " --format tiff", "--format 'tiff': expected"},
  };
  for (const auto& c : cases) {
    const auto r = cli("plot " + c.args + f);
    EXPECT_EQ(r.code, 2) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.message), std::string::npos) << c.args << "\n" << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  }
  EXPECT_FALSE(fs::exists(out / "x.png"));
  EXPECT_FALSE(fs::exists(out / "x.gp"));
  for (const auto& d : {a, out, other, sweep}) fs::remove_all(d);
}
