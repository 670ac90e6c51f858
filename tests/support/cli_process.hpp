#pragma once
// Running the `semra` command line from a test as a user would: to completion, or as a child
// process to signal, and comparing two output directories. Shared by the CLI tests of every test
// program (tests/cli, tests/scenarios). SEMRA_CLI is the binary's path (tests/CMakeLists.txt).
//
// Identity checks compare metrics.csv byte for byte and summary.json without its timing fields
// (wall_seconds and every steps_per_second), which measure this run's speed and so can never be
// identical between two runs.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "semra/core/io.hpp"
#include "temp_dir.hpp"

namespace semra_test {

namespace fs = std::filesystem;

struct Result {
  int code;
  std::string out;  // stdout + stderr
};

// Runs a shell command to completion.
inline Result sh(const std::string& cmd) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// " a b c": arguments appended to a command line.
inline std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += " " + x;
  return s;
}

// A path that does not exist yet in this test process's own temporary directory (mkdtemp).
inline fs::path fresh(const std::string& prefix, const std::string& name) {
  return temp_path(prefix + name);
}

// A file `name` in a new, empty directory of its own (fresh(prefix, name)).
inline fs::path temp_file(const std::string& prefix, const std::string& name) {
  const fs::path d = fresh(prefix, name);
  fs::create_directories(d);
  return d / name;
}

// Starts `semra args...` with stdout+stderr into `log`; returns its pid.
inline pid_t spawn(const std::vector<std::string>& args, const fs::path& log) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<char*> argv;
    static std::string cli = SEMRA_CLI;
    argv.push_back(cli.data());
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(cli.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

// The child's exit code, or 128 + the signal that ended it (as a shell reports it).
inline int wait_exit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Files with extension `ext` (".msgpack": finished experiments, ".ckpt": checkpoints) in a run
// directory's experiments/.
inline std::size_t count_files(const fs::path& dir, const std::string& ext) {
  std::size_t n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir / "experiments", ec))
    if (e.path().extension() == ext) ++n;
  return n;
}

// Polls every `poll` until `done()` holds; false after 60 s.
inline bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds poll) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(poll);
  }
  return false;
}

// Polls /proc/PID/status until the process catches `sig` (its SigCgt mask has the bit), i.e. the
// program has installed its handler: a signal sent earlier kills it with the default action (exit
// 128 + sig), which under the sanitizers on a loaded machine took longer than any fixed delay.
inline bool wait_for_signal_handler(pid_t pid, int sig) {
  const fs::path status = "/proc/" + std::to_string(pid) + "/status";
  return wait_until(
      [&] {
        std::ifstream in(status);
        std::string line;
        while (std::getline(in, line)) {
          if (line.rfind("SigCgt:", 0) != 0) continue;
          const unsigned long long mask = std::stoull(line.substr(7), nullptr, 16);
          return ((mask >> (sig - 1)) & 1ULL) != 0;
        }
        return false;
      },
      std::chrono::milliseconds(2));
}

inline nlohmann::json without_timing(nlohmann::json j) {
  j.erase("wall_seconds");
  if (j.contains("schemes"))
    for (auto& [name, scheme] : j["schemes"].items()) scheme.erase("steps_per_second");
  return j;
}

inline void expect_same_outputs(const fs::path& a, const fs::path& b) {
  ASSERT_TRUE(fs::exists(a / "metrics.csv")) << a;
  ASSERT_TRUE(fs::exists(b / "metrics.csv")) << b;
  EXPECT_TRUE(semra::read_file(a / "metrics.csv") == semra::read_file(b / "metrics.csv"))
      << "metrics.csv differs: " << a << " vs " << b;
  EXPECT_EQ(without_timing(nlohmann::json::parse(semra::read_file(a / "summary.json"))),
            without_timing(nlohmann::json::parse(semra::read_file(b / "summary.json"))));
}

// OUT/live/*.csv hold, between them, every row of metrics.csv exactly once (each file its
// experiment's rows, under metrics.csv's header). Reports counts and the first difference.
inline void expect_live_matches_metrics(const fs::path& dir) {
  auto lines = [](const std::string& text) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
      const auto end = text.find('\n', pos);
      out.push_back(text.substr(pos, end - pos));
      if (end == std::string::npos) break;
      pos = end + 1;
    }
    return out;
  };
  auto metrics = lines(semra::read_file(dir / "metrics.csv"));
  ASSERT_FALSE(metrics.empty());
  std::vector<std::string> live;
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir / "live")) {
    const auto l = lines(semra::read_file(e.path()));
    ++files;
    ASSERT_FALSE(l.empty()) << e.path();
    EXPECT_EQ(l.front(), metrics.front()) << e.path();
    live.insert(live.end(), l.begin() + 1, l.end());
  }
  EXPECT_GT(files, 0u);
  metrics.erase(metrics.begin());
  std::sort(live.begin(), live.end());
  std::sort(metrics.begin(), metrics.end());
  ASSERT_EQ(live.size(), metrics.size()) << "live rows vs metrics.csv rows in " << dir;
  const auto diff = std::mismatch(live.begin(), live.end(), metrics.begin());
  EXPECT_TRUE(diff.first == live.end())
      << "live row '" << *diff.first << "' vs metrics.csv row '" << *diff.second << "'";
}

}  // namespace semra_test
