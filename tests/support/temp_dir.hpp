#pragma once
// Temporary directories for tests that write files. mkdtemp names each one uniquely, so tests
// that run at the same time (ctest -j, the ISA variants' runs of one test, two checkouts) never
// share one: a name built from the time, the test name or the process id can repeat (the time-based
// gtest seed does, for runs started in the same millisecond) and one test's teardown would delete
// another's files.
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace semra_test {

// A new, empty directory <temp>/<prefix>XXXXXX, removed with its contents when this goes.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "semra-test-") {
    std::string name = (std::filesystem::temp_directory_path() / (prefix + "XXXXXX")).string();
    if (::mkdtemp(name.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + name);
    path_ = name;
  }
  ~TempDir() {
    std::error_code ec;  // best effort: a test that failed may have left a mount or a busy file
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// This test process's own directory, made on first use and removed at exit.
inline const std::filesystem::path& process_temp_dir() {
  static const TempDir dir("semra-test-");
  return dir.path();
}

// A path in the process's directory that does not exist (yet): `name`.
inline std::filesystem::path temp_path(const std::string& name) {
  auto p = process_temp_dir() / name;
  std::filesystem::remove_all(p);
  return p;
}

}  // namespace semra_test
