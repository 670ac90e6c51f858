// gnuplot_quote as gnuplot itself reads it: a script printing quoted hostile strings must print
// each string back byte for byte and run nothing (no backquote command substitution, no @ macro,
// no `system`, no line break ending a command early). Needs gnuplot (skipped without it).
#include "semra/core/gnuplot.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "../support/cli_process.hpp"
#include "semra/core/io.hpp"
#include "semra/core/rng.hpp"

namespace fs = std::filesystem;

namespace {

// Strings that would run `touch PWNED` (or break the script) if quoted the naive way.
std::vector<std::string> hostile_strings() {
  return {"plain",
          "",
          "it's",
          "''",
          "'; system 'touch PWNED'; x='",
          "a\nsystem \"touch PWNED\"\nb",
          "\n!touch PWNED\n",
          "`touch PWNED`",
          "x`touch PWNED`y\"`touch PWNED`\"",
          "@m",
          "\"@m\"",
          "back\\slash\\",
          "trailing backslash \\",
          "\\n is not a newline",
          "tab\there\rcarriage",
          "$(touch PWNED)",
          "<touch PWNED",
          "|touch PWNED",
          "\x01\x02\x1f\x7f",
          "caf\xc3\xa9 \xff\xfe not utf-8",
          "' . system('touch PWNED') . '"};
}

// Random strings over the characters that matter to gnuplot's lexer.
std::vector<std::string> random_strings(std::size_t n) {
  const std::string alphabet = "ab '\"`@\\$<|;!#\n\r\t.,()=";
  semra::Rng rng(7, "gnuplot-quote-test");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) {
    std::string s;
    const int len = rng.uniform_int(12);
    for (int k = 0; k < len; ++k)
      s += alphabet[static_cast<std::size_t>(rng.uniform_int(static_cast<int>(alphabet.size())))];
    out.push_back(s);
  }
  return out;
}

}  // namespace

TEST(GnuplotQuote, GnuplotPrintsEveryQuotedStringBackAndRunsNothing) {
  if (semra::find_program("gnuplot").empty()) GTEST_SKIP() << "gnuplot not installed";
  const fs::path dir = semra_test::fresh("semra-gnuplot-quote-", "dir");
  fs::create_directories(dir);
  auto strings = hostile_strings();
  const auto more = random_strings(300);
  strings.insert(strings.end(), more.begin(), more.end());
  // One script: each string between markers, printed to a file (set print) to keep stderr apart.
  std::string script = "m = 'print \"MACRO RAN\"'\nset print " +
                       semra::gnuplot_quote((dir / "printed.txt").string()) + "\n";
  std::string expected;
  for (std::size_t i = 0; i < strings.size(); ++i) {
    // (appended piecewise: GCC 12 -Wrestrict false positive on "<" + to_string(i))
    const std::string n = std::to_string(i);
    script.append("print '<").append(n).append(">' . ").append(semra::gnuplot_quote(strings[i]));
    script.append(" . '</>'\n");
    expected.append("<").append(n).append(">").append(strings[i]).append("</>\n");
  }
  semra::write_file_atomic(dir / "quote.gp", script);
  const auto r = semra_test::sh("cd '" + dir.string() + "' && gnuplot quote.gp");
  EXPECT_EQ(r.code, 0) << r.out;
  const std::string printed = semra::read_file(dir / "printed.txt");
  EXPECT_EQ(printed, expected);
  EXPECT_FALSE(fs::exists(dir / "PWNED")) << "a quoted string ran a command";
  EXPECT_EQ(printed.find("MACRO RAN"), std::string::npos);
  fs::remove_all(dir);
}

TEST(GnuplotQuote, PrintableTextIsOneSingleQuotedString) {
  EXPECT_EQ(semra::gnuplot_quote("qoe"), "'qoe'");
  EXPECT_EQ(semra::gnuplot_quote(""), "''");
  EXPECT_EQ(semra::gnuplot_quote("it's"), "'it'.\"\\047\".'s'");
  EXPECT_EQ(semra::gnuplot_quote("''"), "\"\\047\\047\"");
  EXPECT_EQ(semra::gnuplot_quote("`x`\"@"), "'`x`\"@'");
  EXPECT_EQ(semra::gnuplot_quote("a\nb"), "'a'.\"\\012\".'b'");
  EXPECT_EQ(semra::gnuplot_quote("\n\t"), "\"\\012\\011\"");
}

TEST(GnuplotComment, NeitherEndsTheLineNorContinuesIt) {
  EXPECT_EQ(semra::gnuplot_comment("a\nsystem 'x'"), "a?system 'x'");
  EXPECT_EQ(semra::gnuplot_comment("ends in \\"), "ends in \\?");
  EXPECT_EQ(semra::gnuplot_comment("plain"), "plain");
}

// A relative PATH entry (an empty one means the working directory) is never searched: a results
// directory holding a file named gnuplot must not be run.
TEST(FindProgram, SkipsRelativePathEntries) {
  const fs::path dir = semra_test::fresh("semra-find-program-", "dir");
  fs::create_directories(dir / "bin");
  for (const fs::path& p : {dir / "gnuplot", dir / "bin" / "gnuplot"}) {
    semra::write_file_atomic(p, "#!/bin/sh\nexit 0\n");
    ::chmod(p.c_str(), 0755);
  }
  const char* old = std::getenv("PATH");
  const std::string saved = old != nullptr ? old : "";
  const fs::path cwd = fs::current_path();
  fs::current_path(dir);
  ::setenv("PATH", ":.:bin", 1);
  EXPECT_TRUE(semra::find_program("gnuplot").empty());
  ::setenv("PATH", (":.:" + (dir / "bin").string()).c_str(), 1);
  EXPECT_EQ(semra::find_program("gnuplot"), dir / "bin" / "gnuplot");
  ::setenv("PATH", saved.c_str(), 1);
  fs::current_path(cwd);
  fs::remove_all(dir);
}

// No source file starts a shell: the library, the CLI and the Python package never call popen()
// or system() (gnuplot is spawned with an argument vector).
TEST(NoShell, NoSourceFileCallsPopenOrSystem) {
  const std::regex call(R"(\b(popen|system)\s*\()");
  std::size_t files = 0;
  for (const char* top : {"src", "apps", "python"}) {
    const fs::path root = fs::path(SEMRA_SOURCE_DIR) / top;
    if (!fs::exists(root)) continue;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      const auto ext = e.path().extension();
      if (ext != ".cpp" && ext != ".hpp" && ext != ".py") continue;
      ++files;
      std::istringstream in(semra::read_file(e.path()));
      std::string line;
      for (int n = 1; std::getline(in, line); ++n)
        EXPECT_FALSE(std::regex_search(line, call)) << e.path() << ":" << n << ": " << line;
    }
  }
  EXPECT_GT(files, 100u);
}
