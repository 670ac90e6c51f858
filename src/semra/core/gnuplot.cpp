#include "semra/core/gnuplot.hpp"

#include <cstdio>
#include <cstdlib>

namespace semra {

std::string gnuplot_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

bool render_gnuplot(const std::filesystem::path& dir, const std::string& script_name) {
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) {
    std::fprintf(stderr,
                 "warning: gnuplot not found, figure.png not rendered (data and script written to "
                 "%s; install gnuplot and run 'gnuplot %s' there)\n",
                 dir.c_str(), script_name.c_str());
    return false;
  }
  // The script reads its output name from `out` (default figure.png); we render to a temp name and
  // rename, so a killed run never leaves a truncated PNG.
  const std::string cmd = "cd '" + dir.string() + "' && gnuplot -e \"out='.figure.png.tmp'\" '" +
                          script_name + "' 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  std::string output;
  if (pipe != nullptr) {
    char buf[256];
    while (std::fgets(buf, sizeof buf, pipe) != nullptr) output += buf;
  }
  const int rc = pipe != nullptr ? ::pclose(pipe) : -1;
  if (rc != 0) {
    std::fprintf(stderr, "warning: gnuplot failed on %s/%s: %s\n", dir.c_str(), script_name.c_str(),
                 output.c_str());
    return false;
  }
  std::error_code ec;
  std::filesystem::rename(dir / ".figure.png.tmp", dir / "figure.png", ec);
  return !ec;
}

}  // namespace semra
