// The bad-input campaign: every case line of tests/cli/bad_inputs*.txt is one mistake a user can
// make (a flag, a config file, --set, a sweep file, an input file, saved models, an output
// directory, an environment variable, a fault) or a hostile input someone may hand them. Each must
// exit with the code the table states and print its text; none may print "internal error" or
// crash; a refused command (exit 2) must not have created its output directory; and no case may
// create a file named PWNED (what a hostile payload does if it runs). docs/bad-inputs.md is the
// same table with what each case did before (scripts/bad_inputs.py).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "../support/cli_process.hpp"
#include "semra/core/io.hpp"

namespace fs = std::filesystem;

namespace {

struct Case {
  int line = 0;
  std::string channel, command, expect;
  int code = 0;
};

struct Campaign {
  std::vector<std::pair<std::string, std::string>> files;  // name, content (escapes decoded)
  std::vector<std::string> setups;
  std::vector<Case> cases;
};

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// Splits "a | b | c" into at most `n` fields (the last keeps any further '|').
std::vector<std::string> fields(const std::string& s, std::size_t n) {
  std::vector<std::string> out;
  std::size_t from = 0;
  while (out.size() + 1 < n) {
    const auto bar = s.find('|', from);
    if (bar == std::string::npos) break;
    out.push_back(trim(s.substr(from, bar - from)));
    from = bar + 1;
  }
  out.push_back(trim(s.substr(from)));
  return out;
}

// \n, \t, \\ and \xHH, as in the data file's `file` lines.
std::string unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    const char c = s[++i];
    if (c == 'n') {
      out += '\n';
    } else if (c == 't') {
      out += '\t';
    } else if (c == 'x' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

Campaign load(const fs::path& path) {
  Campaign c;
  std::ifstream in(path);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    const auto kind = fields(t, 2);
    if (kind[0] == "file") {
      const auto f = fields(kind[1], 2);
      c.files.emplace_back(f[0], unescape(f.size() > 1 ? f[1] : ""));
    } else if (kind[0] == "setup") {
      c.setups.push_back(kind[1]);
    } else if (kind[0] == "case") {
      // CHANNEL | COMMAND | EXIT | EXPECTED: the command ends at the first "| <digits> |" (a
      // command may hold '|' itself, e.g. a hostile file name).
      static const std::regex exit_field(R"(\|\s*([0-9]+)\s*\|)");
      const auto f = fields(kind[1], 2);
      std::smatch m;
      if (f.size() != 2 || !std::regex_search(f[1], m, exit_field)) {
        ADD_FAILURE() << "bad_inputs.txt:" << n << ": expected CHANNEL | COMMAND | EXIT | TEXT";
        continue;
      }
      c.cases.push_back({n, f[0], trim(m.prefix().str()), trim(m.suffix().str()),
                         std::stoi(m[1].str())});
    } else {
      ADD_FAILURE() << "bad_inputs.txt:" << n << ": unknown line kind '" << kind[0] << "'";
    }
  }
  return c;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
    s.replace(p, from.size(), to);
  return s;
}

// A file named PWNED anywhere under `dir`: what every hostile case's payload would create if the
// text reached a shell or a gnuplot script as code.
bool pwned(const fs::path& dir) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec))
    if (it->path().filename() == "PWNED" && it->is_regular_file(ec)) return true;
  return false;
}

// Every campaign file: tests/cli/bad_inputs.txt (the CLI channels) and any bad_inputs_*.txt beside
// it (another channel, e.g. the Python API through @PYTHON@), in name order.
std::vector<fs::path> campaign_files() {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(SEMRA_SOURCE_DIR) / "tests" / "cli")) {
    const std::string n = e.path().filename().string();
    if (n.rfind("bad_inputs", 0) == 0 && e.path().extension() == ".txt") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST(BadInputs, EveryCaseOfTheCampaignExitsAsTheTableSays) {
  ::setenv("SEMRA_TEST_FIXTURES", "1", 1);
  ::unsetenv("SEMRA_MEMORY_AVAILABLE_MB");
  // @PYTHON@: Debian's interpreter with the package this build made (python/ in the build
  // directory, two levels above the test CLI), when it was built.
  const fs::path build = fs::path(SEMRA_CLI).parent_path().parent_path();
  const bool have_python = fs::exists(build / "python" / "semra");
  const std::string python = "env PYTHONPATH=" + (build / "python").string() + " /usr/bin/python3";
  std::size_t total = 0;
  for (const auto& data : campaign_files()) {
    const Campaign c = load(data);
    total += c.cases.size();
    const bool needs_python = std::any_of(c.cases.begin(), c.cases.end(), [](const Case& k) {
      return k.command.find("@PYTHON@") != std::string::npos;
    });
    if (needs_python && !have_python) {
      std::printf("%s: skipped (the Python package was not built)\n", data.c_str());
      continue;
    }
    const fs::path tmp = semra_test::fresh("semra-bad-inputs-", data.stem().string());
    fs::create_directories(tmp);
    auto subst = [&](std::string s, const std::string& out) {
      s = replace_all(s, "@SEMRA@", SEMRA_CLI);
      s = replace_all(s, "@PYTHON@", python);
      s = replace_all(s, "@TMP@", tmp.string());
      s = replace_all(s, "@SRC@", SEMRA_SOURCE_DIR);
      return replace_all(s, "@OUT@", out);
    };
    for (const auto& [name, content] : c.files) semra::write_file_atomic(tmp / name, content);
    for (const auto& s : c.setups) {
      const auto r = semra_test::sh(subst(s, ""));
      ASSERT_EQ(r.code, 0) << s << "\n" << r.out;
    }

    std::size_t i = 0;
    for (const auto& k : c.cases) {
      const fs::path out = tmp / ("out-" + std::to_string(i++));
      const auto r = semra_test::sh(subst(k.command, out.string()));
      const std::string where =
          data.filename().string() + ":" + std::to_string(k.line) + ": " + k.command;
      EXPECT_EQ(r.code, k.code) << where << "\n" << r.out;
      EXPECT_NE(r.out.find(subst(k.expect, out.string())), std::string::npos)
          << where << "\nexpected: " << k.expect << "\ngot: " << r.out;
      EXPECT_EQ(r.out.find("internal error"), std::string::npos) << where << "\n" << r.out;
      if (k.code == 2 && k.command.find("@OUT@") != std::string::npos) {
        EXPECT_FALSE(fs::exists(out)) << where << ": a refused command left " << out;
      }
      // No case may run a command it was given as text.
      if (pwned(tmp)) {
        ADD_FAILURE() << where << ": created PWNED (user text ran as a command)";
        for (auto it = fs::recursive_directory_iterator(tmp); it != fs::end(it); ++it)
          if (it->path().filename() == "PWNED" && it->is_regular_file()) fs::remove(it->path());
      }
    }
    fs::remove_all(tmp);
  }
  ASSERT_GE(total, 150u) << "the campaign asks for at least 150 distinct bad inputs";
}
