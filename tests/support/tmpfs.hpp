#pragma once
// A small tmpfs for tests of full disks: mounted at `dir` (created), of `bytes`, unmounted and
// removed by the destructor. `ok()` is false where this process may not mount (not root, or a
// container without the capability): such tests skip.
#include <sys/mount.h>

#include <filesystem>
#include <string>

namespace semra_test {

class Tmpfs {
 public:
  Tmpfs(std::filesystem::path dir, std::size_t bytes, bool read_only = false)
      : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
    const std::string opts = "size=" + std::to_string(bytes);
    ok_ = ::mount("tmpfs", dir_.c_str(), "tmpfs", read_only ? MS_RDONLY : 0, opts.c_str()) == 0;
  }
  ~Tmpfs() {
    if (ok_) ::umount(dir_.c_str());
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  Tmpfs(const Tmpfs&) = delete;
  Tmpfs& operator=(const Tmpfs&) = delete;
  bool ok() const { return ok_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  bool ok_ = false;
};

}  // namespace semra_test
