// The bad-input campaign of issue 11: every line of tests/cli/bad_inputs.txt is one mistake a user
// can make (a flag, a config file, --set, a sweep file, an input file, saved models, an output
// directory, an environment variable). Each must exit with the code the table states and print its
// text; none may print "internal error" or crash; and a refused command (exit 2) must not have
// created its output directory. docs/bad-inputs.md is the same table with what each case did
// before (scripts/bad_inputs.py).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
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
      const auto f = fields(kind[1], 4);
      if (f.size() != 4) ADD_FAILURE() << "bad_inputs.txt:" << n << ": expected 4 fields";
      if (f.size() != 4) continue;
      c.cases.push_back({n, f[0], f[1], f[3], std::stoi(f[2])});
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

}  // namespace

TEST(BadInputs, EveryCaseOfTheCampaignExitsAsTheTableSays) {
  ::setenv("SEMRA_TEST_FIXTURES", "1", 1);
  ::unsetenv("SEMRA_MEMORY_AVAILABLE_MB");
  const fs::path data = fs::path(SEMRA_SOURCE_DIR) / "tests" / "cli" / "bad_inputs.txt";
  const Campaign c = load(data);
  ASSERT_GE(c.cases.size(), 150u) << "the campaign asks for at least 150 distinct bad inputs";

  const fs::path tmp = semra_test::fresh("semra-bad-inputs-", "tmp");
  fs::create_directories(tmp);
  auto subst = [&](std::string s, const std::string& out) {
    s = replace_all(s, "@SEMRA@", SEMRA_CLI);
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
    const std::string where = "bad_inputs.txt:" + std::to_string(k.line) + ": " + k.command;
    EXPECT_EQ(r.code, k.code) << where << "\n" << r.out;
    EXPECT_NE(r.out.find(subst(k.expect, out.string())), std::string::npos)
        << where << "\nexpected: " << k.expect << "\ngot: " << r.out;
    EXPECT_EQ(r.out.find("internal error"), std::string::npos) << where << "\n" << r.out;
    if (k.code == 2 && k.command.find("@OUT@") != std::string::npos) {
      EXPECT_FALSE(fs::exists(out)) << where << ": a refused command left " << out;
    }
  }
  fs::remove_all(tmp);
}
