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

bool render_gnuplot(const std::filesystem::path& dir, const std::string& script_name,
                    const std::vector<std::string>& formats) {
  const std::string stem = std::filesystem::path(script_name).stem().string();
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) {
    std::fprintf(stderr,
                 "warning: gnuplot not found, %s.%s not rendered (data and script written to "
                 "%s; install gnuplot and run 'gnuplot %s' there)\n",
                 stem.c_str(), formats.empty() ? "png" : formats.front().c_str(), dir.c_str(),
                 script_name.c_str());
    return false;
  }
  for (const auto& fmt : formats) {
    // Rendered to a temp name and renamed, so a killed run never leaves a truncated figure.
    const std::string tmp = "." + stem + "." + fmt + ".tmp";
    const std::string cmd = "cd '" + dir.string() + "' && gnuplot -e \"fmt='" + fmt + "'; out='" +
                            tmp + "'\" '" + script_name + "' 2>&1";
    FILE* pipe = ::popen(cmd.c_str(), "r");
    std::string output;
    if (pipe != nullptr) {
      char buf[256];
      while (std::fgets(buf, sizeof buf, pipe) != nullptr) output += buf;
    }
    const int rc = pipe != nullptr ? ::pclose(pipe) : -1;
    if (rc != 0) {
      std::fprintf(stderr, "warning: gnuplot failed on %s/%s (%s): %s\n", dir.c_str(),
                   script_name.c_str(), fmt.c_str(), output.c_str());
      std::error_code ec;
      std::filesystem::remove(dir / tmp, ec);
      return false;
    }
    std::error_code ec;
    std::filesystem::rename(dir / tmp, dir / (stem + "." + fmt), ec);
    if (ec) return false;
  }
  return true;
}

}  // namespace semra
