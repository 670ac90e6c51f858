// Hostile strings on every path by which a user's text reaches gnuplot: the output directory of
// run/figure/sweep, `semra plot --out`, `--label`, a sweep file's [names] and [plot] labels, the
// scheme names and config values a run directory holds (a run directory, like a sweep file, may
// come from a colleague). Each payload would run `touch PWNED` if the text reached a shell or the
// gnuplot script as code; each command must succeed with its figure rendered, and no PWNED file
// may appear, neither when semra renders nor when the user re-renders the saved script with
// `gnuplot FILE.gp`. Also: gnuplot failures and undrawable (NaN) data are errors or warnings,
// never a silent "wrote".
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "../support/cli_process.hpp"
#include "semra/core/gnuplot.hpp"
#include "semra/core/io.hpp"

namespace fs = std::filesystem;
using semra_test::Result;

namespace {

const bool kFixtures = [] { return ::setenv("SEMRA_TEST_FIXTURES", "1", 1) == 0; }();

bool have_gnuplot() {
  return !semra::find_program("gnuplot").empty();
}

// Single-quoted for sh (the test's own shell, not semra's).
std::string q(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs semra with `args` in `cwd` (payloads touch PWNED relative to it, and under an absolute
// path when they can).
Result cli_in(const fs::path& cwd, const std::string& args) {
  return semra_test::sh("cd " + q(cwd.string()) + " && " + SEMRA_CLI + " " + args);
}

// Every payload writes this file, relative to the working directory, and absolute.
std::vector<std::string> payloads(const fs::path& canary) {
  const std::string c = canary.string();
  return {
      "D'; touch PWNED; touch " + c + "; echo '",
      "$(touch PWNED)",
      "`touch PWNED`",
      "x\nsystem \"touch PWNED\"\n",
      "x'\nsystem 'touch " + c + "'\nx='",
      "'.system('touch " + c + "').'",
      "<touch PWNED;",
      "|touch PWNED;",
      "@m `touch PWNED` \\",
  };
}

void expect_no_canary(const fs::path& dir, const std::string& what) {
  EXPECT_FALSE(fs::exists(dir / "PWNED")) << what << ": a command ran";
  EXPECT_FALSE(fs::exists(dir / "canary")) << what << ": a command ran";
}

// The user re-renders the saved script (figure.gp or <stem>.gp) with gnuplot: still nothing runs.
void rerender(const fs::path& dir, const std::string& script, const fs::path& cwd) {
  if (!have_gnuplot()) return;
  const auto r = semra_test::sh("cd " + q(dir.string()) + " && gnuplot " + q("./" + script));
  EXPECT_EQ(r.code, 0) << script << "\n" << r.out;
  expect_no_canary(cwd, "gnuplot " + script);
  expect_no_canary(dir, "gnuplot " + script);
}

struct Scratch {
  fs::path dir = semra_test::fresh("semra-hostile-", "dir");
  Scratch() { fs::create_directories(dir); }
  ~Scratch() { fs::remove_all(dir); }
  fs::path canary() const { return dir / "canary"; }
};

// A finished toy run with three seeds (learning curves with bands), made once.
fs::path toy_run(const Scratch& s) {
  const fs::path run = s.dir / "run";
  if (!fs::exists(run / "metrics.csv")) {
    const auto r = cli_in(s.dir, "run toy --seeds 3 --set train.steps=30 --quiet --out run");
    EXPECT_EQ(r.code, 0) << r.out;
  }
  return run;
}

}  // namespace

// run/figure/sweep --out: the directory name never reaches a shell (gnuplot runs in it).
TEST(Hostile, OutputDirectoryNamesRunNothing) {
  ASSERT_TRUE(kFixtures);
  Scratch s;
  for (const auto& p : payloads(s.canary())) {
    const std::string out = "out-" + p;
    const auto r =
        cli_in(s.dir, "figure toy-users --seeds 1 --set train.steps=5 --quiet --out " + q(out));
    EXPECT_EQ(r.code, 0) << p << "\n" << r.out;
    expect_no_canary(s.dir, "--out " + p);
    if (have_gnuplot()) {
      EXPECT_TRUE(fs::exists(s.dir / out / "figure.png")) << p << "\n" << r.out;
      rerender(s.dir / out, "figure.gp", s.dir);
    }
  }
}

// semra plot --out FILE: the stem names the script, its data file and the default output.
TEST(Hostile, PlotOutputNamesRunNothing) {
  ASSERT_TRUE(kFixtures);
  Scratch s;
  toy_run(s);
  fs::create_directories(s.dir / "P");
  for (const auto& p : payloads(s.canary())) {
    if (p.find('/') != std::string::npos) continue;  // a file name, not a path
    const auto r = cli_in(s.dir, "plot run --format png,svg --out " + q("P/" + p + ".png"));
    EXPECT_EQ(r.code, 0) << p << "\n" << r.out;
    expect_no_canary(s.dir, "plot --out " + p);
    if (have_gnuplot()) {
      EXPECT_TRUE(fs::exists(s.dir / "P" / (p + ".png"))) << p << "\n" << r.out;
      EXPECT_TRUE(fs::exists(s.dir / "P" / (p + ".svg"))) << p << "\n" << r.out;
      rerender(s.dir / "P", p + ".gp", s.dir);
    }
  }
}

// semra plot --label: labels are legend titles, drawn as written (no enhanced-text markup).
TEST(Hostile, PlotLabelsRunNothingAndAreDrawnAsWritten) {
  ASSERT_TRUE(kFixtures);
  Scratch s;
  toy_run(s);
  int i = 0;
  for (const auto& p : payloads(s.canary())) {
    if (p.find(',') != std::string::npos) continue;  // --label splits at commas
    const std::string stem = "label" + std::to_string(i++);
    const auto r = cli_in(s.dir, "plot run --label " + q(p) + " --format svg --out " + stem);
    EXPECT_EQ(r.code, 0) << p << "\n" << r.out;
    expect_no_canary(s.dir, "--label " + p);
    if (have_gnuplot() && p.find('\n') == std::string::npos) {
      // SVG text: & < > are escaped; a label without them appears verbatim.
      std::string shown = p + ": good";
      if (shown.find_first_of("&<>'\"") == std::string::npos) {
        const auto svg = semra::read_file(s.dir / (stem + ".svg"));
        EXPECT_NE(svg.find(shown), std::string::npos) << shown;
      }
    }
    rerender(s.dir, stem + ".gp", s.dir);
  }
}

// A sweep file's [names] (axis names: x label, panel titles) and [plot] labels.
TEST(Hostile, SweepFileNamesAndLabelsRunNothing) {
  ASSERT_TRUE(kFixtures);
  Scratch s;
  int i = 0;
  for (const auto& p : payloads(s.canary())) {
    // As TOML basic strings: quotes, backslashes and newlines escaped.
    auto toml = [](const std::string& v) {
      std::string t = "\"";
      for (char c : v)
        t += c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n" : std::string(1, c);
      return t + "\"";
    };
    const std::string t = toml(p), t2 = toml(p + "2");
    const std::string file = "sw" + std::to_string(i) + ".toml";
    semra::write_file_atomic(
        s.dir / file,
        "scenario = \"toy\"\nseeds = 1\n[set]\n\"train.steps\" = 5\n[grid]\n"
        "\"model.users\" = [1, 2]\n\"model.mode\" = [\"linear\", \"square\"]\n[names]\n"
        "\"model.users\" = " +
            t + "\n\"model.mode\" = " + t2 + "\n[plot]\nx_label = " + t + "\ny_label = " + t +
            "\n");
    const std::string out = "sweep-out" + std::to_string(i++);
    const auto r = cli_in(s.dir, "sweep " + file + " --quiet --out " + out);
    EXPECT_EQ(r.code, 0) << p << "\n" << r.out;
    expect_no_canary(s.dir, "sweep [names] " + p);
    if (have_gnuplot()) {
      EXPECT_TRUE(fs::exists(s.dir / out / "figure.png")) << p << "\n" << r.out;
      rerender(s.dir / out, "figure.gp", s.dir);
    }
  }
}

// Scheme names and config values come from the run directory (metrics.csv, manifest.json) when
// `semra plot` labels its curves: a crafted directory is as hostile as a crafted sweep file. On
// the command line, a hostile --scheme is refused as unknown.
TEST(Hostile, SchemeNamesAndConfigValuesOfARunDirectoryRunNothing) {
  ASSERT_TRUE(kFixtures);
  Scratch s;
  const fs::path run = toy_run(s);
  int i = 0;
  for (const auto& p : payloads(s.canary())) {
    if (p.find_first_of(",\n\"") != std::string::npos) continue;  // one CSV field as it stands
    const fs::path copy = s.dir / ("crafted" + std::to_string(i++));
    fs::copy(run, copy, fs::copy_options::recursive);
    std::string csv = semra::read_file(copy / "metrics.csv");
    for (std::size_t at = csv.find("\ngood,"); at != std::string::npos;
         at = csv.find("\ngood,", at + 1))
      csv.replace(at + 1, 4, p);
    semra::write_file_atomic(copy / "metrics.csv", csv);
    // A config value that differs from the original run's: it labels both curves.
    std::string manifest = semra::read_file(copy / "manifest.json");
    const auto key = manifest.find("\"model.mode\": \"\\\"linear\\\"\"");
    ASSERT_NE(key, std::string::npos) << manifest;
    std::string json_value;
    for (char c : p) json_value += c == '\\' ? "\\\\" : std::string(1, c);
    manifest.replace(key, std::string("\"model.mode\": \"\\\"linear\\\"\"").size(),
                     "\"model.mode\": \"" + json_value + "\"");
    semra::write_file_atomic(copy / "manifest.json", manifest);
    const auto r = cli_in(s.dir, "plot run " + q(copy.filename().string()) + " --out " +
                                     q(copy.filename().string() + ".png"));
    EXPECT_EQ(r.code, 0) << p << "\n" << r.out;
    expect_no_canary(s.dir, "scheme/config " + p);
    rerender(s.dir, copy.filename().string() + ".gp", s.dir);
  }
  // A crafted scenario name is refused (it would label the script's first comment).
  fs::copy(run, s.dir / "scenario", fs::copy_options::recursive);
  std::string manifest = semra::read_file(s.dir / "scenario" / "manifest.json");
  const std::string toy = "\"scenario\": \"toy\"";
  ASSERT_NE(manifest.find(toy), std::string::npos) << manifest;
  manifest.replace(manifest.find(toy), toy.size(), "\"scenario\": \"toy\\n!touch PWNED\"");
  semra::write_file_atomic(s.dir / "scenario" / "manifest.json", manifest);
  const auto bad = cli_in(s.dir, "plot scenario --out scenario.png");
  EXPECT_EQ(bad.code, 2) << bad.out;
  EXPECT_NE(bad.out.find("names an unknown scenario 'toy\\n!touch PWNED'"), std::string::npos)
      << bad.out;
  expect_no_canary(s.dir, "scenario name");
  const auto r = cli_in(
      s.dir, "run toy --scheme " + q("good'; system 'touch PWNED'") + " --quiet --out bad-scheme");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("unknown scheme"), std::string::npos) << r.out;
  expect_no_canary(s.dir, "--scheme");
}

// gnuplot's failure is the command's failure: exit 2 naming the script and gnuplot's error, no
// figure under the final name, never "wrote". A fake gnuplot first on PATH stands in for one that
// fails, and for one that exits 0 without writing its whole file (a full disk).
TEST(Hostile, AGnuplotFailureIsAnErrorNeverWrote) {
  ASSERT_TRUE(kFixtures);
  Scratch s;
  toy_run(s);
  fs::create_directories(s.dir / "bin");
  const fs::path fake = s.dir / "bin" / "gnuplot";
  auto make_fake = [&](const std::string& body) {
    semra::write_file_atomic(fake, "#!/bin/sh\n" + body);
    ::chmod(fake.c_str(), 0755);
  };
  const std::string path = "PATH=" + q((s.dir / "bin").string() + ":/usr/bin:/bin") + " ";
  make_fake("echo '\"figure.gp\" line 3: something went wrong' >&2\nexit 1\n");
  auto r = semra_test::sh("cd " + q(s.dir.string()) + " && " + path + SEMRA_CLI +
                          " plot run --out fails.png");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("gnuplot failed on"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("something went wrong"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("wrote"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(s.dir / "fails.png"));

  // Exit 0 but a cut file (what a full disk leaves): refused, nothing under the final name.
  // (the fake sets the variables semra passes with -e, then writes the PNG signature and a few
  // bytes into the temporary name it was given)
  make_fake("eval \"$2\"\nprintf '\\211PNG\\r\\n\\032\\nnot the whole image' > \"$out\"\nexit 0\n");
  r = semra_test::sh("cd " + q(s.dir.string()) + " && " + path + SEMRA_CLI +
                     " plot run --out cut.png");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("could not write"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(s.dir / "cut.png"));
  for (const auto& e : fs::directory_iterator(s.dir))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();

  // Under run/figure/sweep: the same error after every data output was written.
  make_fake("exit 1\n");
  r = semra_test::sh("cd " + q(s.dir.string()) + " && " + path + SEMRA_CLI +
                     " figure toy-users --seeds 1 --set train.steps=5 --quiet --out fig");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("gnuplot failed on"), std::string::npos) << r.out;
  for (const char* f : {"metrics.csv", "summary.json", "results.mat", "figure.gp", "figure.dat"})
    EXPECT_TRUE(fs::exists(s.dir / "fig" / f)) << f;
  EXPECT_FALSE(fs::exists(s.dir / "fig" / "figure.png"));
}

// NaN data: gnuplot fails on a plot with no drawable point, so such curves are left out with a
// warning; with nothing drawable there is no figure (a warning for run/figure/sweep, an error
// before anything is written for semra plot).
TEST(Hostile, NanDataNeverMakesGnuplotFailSilently) {
  ASSERT_TRUE(kFixtures);
  Scratch s;
  auto r = cli_in(s.dir,
                  "figure toy-users --seeds 2 --set train.steps=5 --set toy.nan_final=bad "
                  "--quiet --out half");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("figure: bad has no finite value of final_value (left out)"),
            std::string::npos)
      << r.out;
  if (have_gnuplot()) {
    EXPECT_TRUE(fs::exists(s.dir / "half" / "figure.png"));
  }
  r = cli_in(s.dir,
             "figure toy-users --seeds 2 --set train.steps=5 --set toy.nan_final=all "
             "--quiet --out none");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("no figure: no scheme has a finite value of final_value"), std::string::npos)
      << r.out;
  EXPECT_FALSE(fs::exists(s.dir / "none" / "figure.png"));
  EXPECT_TRUE(fs::exists(s.dir / "none" / "summary.json"));

  // semra plot on a run whose metric is NaN everywhere.
  const fs::path run = toy_run(s);
  fs::copy(run, s.dir / "nan", fs::copy_options::recursive);
  std::string csv = semra::read_file(s.dir / "nan" / "metrics.csv"), out;
  std::size_t line = 0, from = 0;
  while (from < csv.size()) {
    const auto end = csv.find('\n', from);
    std::string l = csv.substr(from, end - from);
    if (line++ > 0)
      l = l.substr(0, l.find(',', l.find(',', l.find(',') + 1) + 1) + 1) + "nan,nan,nan,nan";
    out += l + "\n";
    from = end + 1;
  }
  semra::write_file_atomic(s.dir / "nan" / "metrics.csv", out);
  r = cli_in(s.dir, "plot nan --out nan.png");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("nothing to draw"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(s.dir / "nan.gp"));
  EXPECT_FALSE(fs::exists(s.dir / "nan.png"));
  r = cli_in(s.dir, "plot run nan --out mixed.png");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("left out of the figure"), std::string::npos) << r.out;
}
