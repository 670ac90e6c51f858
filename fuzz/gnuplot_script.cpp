// The figure-script writer (docs/outputs.md "What a figure script can contain"): the strings a user
// controls (the output file's stem, axis labels, a title, curve labels) go into a `semra plot`
// script and its data file as `semra plot` writes them. The input is up to six strings separated by
// NUL bytes. Checked on every input:
// - the script's code does not depend on the strings: with every string literal (and every
//   concatenation of literals) replaced by one token and every comment by '#', the script equals
//   the one written for neutral strings;
// - read as gnuplot 5 reads it, no string literal holds a line break, no double-quoted literal a
//   backquote (gnuplot runs those), no comment ends in a backslash (it would continue onto the
//   next line);
// - gnuplot_quote(s) reads back as exactly s, and the data file holds numbers and comments only.
#include <cctype>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz.hpp"
#include "semra/core/gnuplot.hpp"
#include "semra/experiments/figure.hpp"

namespace {

using semra::fuzz::require;

// The script with each string literal (or concatenation of literals) as "S" and each comment as
// "#"; checks the lexical properties above on the way.
std::string skeleton(const std::string& gp) {
  std::string out;
  std::size_t i = 0;
  auto literal = [&]() {
    const char q = gp[i++];
    while (true) {
      require(i < gp.size(), "unterminated string literal");
      const char c = gp[i];
      require(c != '\n', "a line break inside a string literal");
      if (q == '"') {
        require(c != '`', "a backquote inside a double-quoted literal (gnuplot runs it)");
        if (c == '\\') {
          require(i + 1 < gp.size() && gp[i + 1] != '\n', "a backslash ending a line in a string");
          i += 2;
          continue;
        }
      }
      ++i;
      if (c == q) {
        if (q == '\'' && i < gp.size() && gp[i] == '\'') {
          ++i;  // '' is a quote inside single quotes
          continue;
        }
        return;
      }
    }
  };
  while (i < gp.size()) {
    const char c = gp[i];
    if (c == '#') {
      const std::size_t end = gp.find('\n', i);
      const std::string comment = gp.substr(i, end == std::string::npos ? end : end - i);
      require(comment.back() != '\\',
              "a comment ending in a backslash continues onto the next line");
      for (char k : comment)
        require(static_cast<unsigned char>(k) >= 0x20 && k != 0x7f, "a control byte in a comment");
      out += '#';
      i = end == std::string::npos ? gp.size() : end;
      continue;
    }
    if (c == '\'' || c == '"') {
      literal();
      // 'a'."\012".'b' is one string expression.
      if (!(out.size() >= 2 && out.back() == '.' && out[out.size() - 2] == 'S')) {
        out += 'S';
      } else {
        out.pop_back();
      }
      continue;
    }
    require(c != '`', "a backquote outside any string (gnuplot runs it)");
    out += c;
    ++i;
  }
  return out;
}

// Reads a gnuplot_quote expression back: single-quoted parts as they are, double-quoted parts of
// octal escapes.
std::string unquote(const std::string& q) {
  std::string out;
  std::size_t i = 0;
  while (i < q.size()) {
    if (q[i] == '.') {
      ++i;
      continue;
    }
    const char quote = q[i++];
    require(quote == '\'' || quote == '"', "gnuplot_quote: not a string literal");
    while (i < q.size() && q[i] != quote) {
      if (quote == '"') {
        require(q[i] == '\\' && i + 3 < q.size(), "gnuplot_quote: not an octal escape");
        out += static_cast<char>(std::stoi(q.substr(i + 1, 3), nullptr, 8));
        i += 4;
      } else {
        out += q[i++];
      }
    }
    require(i < q.size(), "gnuplot_quote: unterminated");
    ++i;
  }
  return out;
}

struct Script {
  std::string gp, dat;
};

// What `semra plot` writes for these strings (experiments/plot.cpp, same building blocks).
Script write(const std::vector<std::string>& s) {
  semra::FigureStyle style;
  std::ostringstream gp, dat;
  gp << "# semra plot: " << semra::gnuplot_comment(s[1]) << "\n"
     << semra::detail::figure_preamble(style, s[0]) << "set grid\n"
     << "set xlabel " << semra::gnuplot_quote(s[1]) << "\n"
     << "set ylabel " << semra::gnuplot_quote(s[2]) << "\n"
     << "if (size ne 'ieee') set title " << semra::gnuplot_quote(s[3]) << "\n";
  dat << "# " << semra::gnuplot_comment(s[2]) << ", mean over seeds\n";
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<semra::detail::Curve> curves = {
      {s[4], {0, 1, 2, 3}, {{1, 2, 3, 4}, {2, 3, 4, 5}, {3, 4, 5, 6}}},
      {s[5], {0, 1, 2, 3}, {{nan, 1, 2, nan}}},
      {s[4] + ": " + s[5], {0, 1, 2, 3}, {{nan, nan, nan, nan}}},  // left out: nothing to draw
  };
  semra::detail::learning_curves(dat, gp, curves, 2, false, s[0] + ".dat");
  return {gp.str(), dat.str()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> s(6);
  std::size_t k = 0;
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0 && k + 1 < s.size()) {
      ++k;
      continue;
    }
    s[k] += static_cast<char>(data[i]);
  }
  for (const auto& x : s)
    require(unquote(semra::gnuplot_quote(x)) == x, "gnuplot_quote round trip");
  const Script hostile = write(s), neutral = write(std::vector<std::string>(6, "x"));
  require(skeleton(hostile.gp) == skeleton(neutral.gp),
          "the script's code depends on user strings:\n" + hostile.gp);
  std::istringstream lines(hostile.dat);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    if (line[0] == '#') {
      require(line.back() != '\\', "a data comment ending in a backslash");
      continue;
    }
    for (char c : line)
      require(std::isdigit(static_cast<unsigned char>(c)) ||
                  std::string(" .-+eEnaif").find(c) != std::string::npos,
              "a data line that is not numbers: " + line);
  }
  return 0;
}
