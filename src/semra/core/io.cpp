#include "semra/core/io.hpp"

#include <fcntl.h>
#include <matio.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "semra/core/error.hpp"
#include "semra/core/stop.hpp"

namespace semra {
namespace fs = std::filesystem;

fs::path temp_path_for(const fs::path& path) {
  static std::atomic<unsigned> counter{0};
  std::string name(".");
  name.append(path.filename().string());
  name.append(".tmp");
  name.append(std::to_string(::getpid()));
  name.append("-");
  name.append(std::to_string(counter.fetch_add(1)));
  return path.parent_path() / name;
}

void commit_temp_file(const fs::path& tmp, const fs::path& path, bool whole, int err,
                      const std::string& kind) {
  if (!whole) {
    // Checked before the cut file is removed.
    struct statvfs v {};
    const bool full = ::statvfs(tmp.parent_path().c_str(), &v) == 0 && v.f_bavail == 0;
    std::error_code ec;
    fs::remove(tmp, ec);
    if (full || err == ENOSPC || err == EDQUOT)
      throw ResourceError(cannot_write(path, full ? ENOSPC : err));
    throw ResourceError("cannot write '" + path.string() + "': the " + kind +
                        " came out incomplete" + low_space_note(path.parent_path()));
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw ResourceError(cannot_write(path, ec.value()));
  }
}

namespace {
// The sub-elements of an uncompressed MAT 5 matrix element's payload (u32 type, u32 bytes, data
// padded to 8; or a small element of 8 bytes in all) end exactly at its end.
bool whole_matrix(const std::string& payload) {
  std::uint64_t pos = 0;
  while (pos + 8 <= payload.size()) {
    std::uint32_t tag[2];
    std::memcpy(tag, payload.data() + pos, 8);
    pos += (tag[0] >> 16) != 0 ? 8 : (8 + std::uint64_t{tag[1]} + 7) / 8 * 8;
  }
  return pos == payload.size();
}

// A compressed element's payload is one whole zlib stream (nothing after it) holding one matrix
// element: its tag's byte count plus the tag is the inflated size.
bool whole_compressed(std::istream& in, std::uint64_t bytes) {
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return false;
  std::vector<unsigned char> src(1 << 16), dst(1 << 16);
  std::uint64_t left = bytes, inflated = 0;
  unsigned char tag[8];
  int rc = Z_OK;
  while (rc == Z_OK) {
    if (z.avail_in == 0 && left > 0) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left, src.size()));
      in.read(reinterpret_cast<char*>(src.data()), static_cast<std::streamsize>(n));
      if (!in) break;
      left -= n;
      z.next_in = src.data();
      z.avail_in = static_cast<uInt>(n);
    }
    z.next_out = dst.data();
    z.avail_out = static_cast<uInt>(dst.size());
    rc = inflate(&z, Z_NO_FLUSH);
    const std::size_t out = dst.size() - z.avail_out;
    for (std::size_t i = 0; i < out && inflated + i < 8; ++i) tag[inflated + i] = dst[i];
    inflated += out;
    if (rc == Z_BUF_ERROR && z.avail_in == 0 && left == 0) break;  // the stream is cut short
    if (rc == Z_BUF_ERROR) rc = Z_OK;
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END || left != 0 || z.avail_in != 0 || inflated < 8) return false;
  std::uint32_t t[2];
  std::memcpy(t, tag, 8);
  return t[0] == 14 && inflated == 8 + std::uint64_t{t[1]};
}

// Whether `path` is a whole MAT 5 file of `vars` variables, as matio writes them: the 128-byte
// header, then one element per variable (u32 type, u32 byte count, that many bytes), ending
// exactly at the end of the file, each element whole. matio 1.5.23 sets an element's byte count
// from where its writes ended, so a file cut by a full disk passes the outer walk; the inner check
// (the zlib stream ends, the matrix's parts fit) is what finds it.
bool whole_mat5(const fs::path& path, std::size_t vars) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::uint64_t>(in.tellg());
  std::uint64_t pos = 128;
  std::size_t n = 0;
  while (pos + 8 <= size) {
    std::uint32_t tag[2];
    in.seekg(static_cast<std::streamoff>(pos));
    in.read(reinterpret_cast<char*>(tag), sizeof tag);
    if (!in || pos + 8 + tag[1] > size) return false;
    if (tag[0] == 15) {
      if (!whole_compressed(in, tag[1])) return false;
    } else if (tag[0] == 14) {
      std::string payload(tag[1], '\0');
      in.read(payload.data(), static_cast<std::streamsize>(payload.size()));
      if (!in || !whole_matrix(payload)) return false;
    } else {
      return false;
    }
    pos += 8 + std::uint64_t{tag[1]};
    ++n;
  }
  return pos == size && n == vars;
}
}  // namespace

// The advice depends on the cause only: what became of a run directory, and whether --resume
// continues it, is the runner's to say (RunStore::after_failure); `semra plot` has no --resume.
std::string cannot_write(const fs::path& path, int err) {
  const bool full = err == ENOSPC || err == EDQUOT;
  std::string why = err != 0 ? std::string(std::strerror(err)) : "I/O error";
  return "cannot write '" + path.string() + "': " + why +
         (full ? " (free some space on its file system)"
               : " (choose a writable location, e.g. another --out)");
}

std::string low_space_note(const fs::path& dir) {
  struct statvfs v {};
  if (::statvfs((dir.empty() ? fs::path(".") : dir).c_str(), &v) != 0) return "";
  const double free_bytes = static_cast<double>(v.f_bavail) * static_cast<double>(v.f_frsize);
  if (free_bytes > 64.0 * 1024 * 1024) return "";
  char buf[96];
  std::snprintf(buf, sizeof buf, " (%.0f kB free on its file system: a full disk?)",
                free_bytes / 1024);
  return buf;
}

void write_file_atomic(const fs::path& path, const std::string& content) {
  refuse_nul(path, "output");
  if (path.has_parent_path()) create_directories_or_throw(path.parent_path());
  const fs::path tmp = temp_path_for(path);
  {
    errno = 0;
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw ResourceError(cannot_write(path, errno));
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.flush();
    if (!out) {
      const int err = errno;
      std::error_code ec;
      fs::remove(tmp, ec);
      throw ResourceError(cannot_write(path, err) +
                          (err == 0 ? low_space_note(tmp.parent_path()) : ""));
    }
  }
  commit_temp_file(tmp, path, true, 0, "file");
}

void create_directories_or_throw(const fs::path& dir) {
  refuse_nul(dir, "output directory");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw ResourceError("cannot create directory '" + dir.string() + "': " + ec.message() +
                        " (choose a writable location, e.g. another --out)");
}

void refuse_directory(const fs::path& path, const std::string& what) {
  refuse_nul(path, what);
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw InputError(what + " '" + path.string() + "': is a directory, expected a file");
}

void refuse_nul(const fs::path& path, const std::string& what) {
  if (path.native().find('\0') != std::string::npos)
    throw InputError(what + " '" + echo(path.native(), 300) + "': the path contains a NUL byte");
}

std::string byte_size_text(double bytes) {
  const char* units[] = {"bytes", "kB", "MB", "GB", "TB"};
  int u = 0;
  while (bytes >= 1000 && u < 4) bytes /= 1000, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

namespace {
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};
// How long a FIFO or pipe may stay silent before it is given up.
constexpr auto kStreamSilence = std::chrono::seconds(60);
}  // namespace

std::string read_input_file(const fs::path& path, const std::string& what,
                            std::uint64_t max_bytes) {
  refuse_nul(path, what);
  const std::string name = what + " '" + echo(path.native(), 300) + "'";
  if (path.empty()) throw InputError(what + " '': expected a file");
  // O_NONBLOCK: opening a FIFO without a writer must not block (a regular file ignores it).
  Fd f{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)};
  if (f.fd < 0) {
    const int err = errno;
    throw InputError(name + ": cannot be read (" +
                     (err == ENOENT ? std::string("missing") : std::string(std::strerror(err))) +
                     ")");
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0)
    throw InputError(name + ": cannot be read (" + std::strerror(errno) + ")");
  if (S_ISDIR(st.st_mode)) throw InputError(name + ": is a directory, expected a file");
  const bool stream = S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
  if (!S_ISREG(st.st_mode) && !stream)
    throw InputError(name + ": is a device, not a regular file (docs/limits.md)");
  const std::string limit = byte_size_text(static_cast<double>(max_bytes));
  if (!stream && static_cast<std::uint64_t>(st.st_size) > max_bytes)
    throw InputError(name + " is " + byte_size_text(static_cast<double>(st.st_size)) +
                     ", above the limit of " + limit + " (docs/limits.md)");
  std::string out;
  if (!stream) out.reserve(static_cast<std::size_t>(st.st_size));
  std::vector<char> buf(1 << 20);
  auto heard = std::chrono::steady_clock::now();
  for (;;) {
    throw_if_stopped();
    if (stream) {
      pollfd p{f.fd, POLLIN, 0};
      const int r = ::poll(&p, 1, 100);
      if (r < 0 && errno != EINTR)
        throw InputError(name + ": cannot be read (" + std::strerror(errno) + ")");
      if (r <= 0) {
        if (std::chrono::steady_clock::now() - heard > kStreamSilence)
          throw InputError(name + " is a FIFO or pipe and no data arrived for 60 s (no writer?)");
        continue;
      }
    }
    const std::uint64_t room = max_bytes + 1 - std::min<std::uint64_t>(out.size(), max_bytes + 1);
    const ssize_t n = ::read(f.fd, buf.data(),
                             static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), room)));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) throw InputError(name + ": cannot be read (" + std::strerror(errno) + ")");
    if (n == 0) break;
    out.append(buf.data(), static_cast<std::size_t>(n));
    heard = std::chrono::steady_clock::now();
    if (out.size() > max_bytes)
      throw InputError(name + " gave more than " + limit + ", the limit (docs/limits.md)");
  }
  return out;
}

std::string read_file(const fs::path& path) {
  return read_input_file(path, "file", input_limit::kRunFileBytes);
}

std::string format_double(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip text
  return std::string(buf, r.ptr);
}

void MatFile::add_array(const std::string& name, std::vector<std::size_t> dims,
                        std::vector<double> column_major) {
  std::size_t n = 1;
  for (auto d : dims) n *= d;
  if (column_major.size() != n || dims.size() < 2) throw std::logic_error("MatFile: size mismatch");
  matrices_.push_back({name, std::move(dims), std::move(column_major)});
}

void MatFile::add_strings(const std::string& name, const std::vector<std::string>& values) {
  strings_.push_back({name, values});
}

void MatFile::write(const fs::path& path) const {
  if (path.has_parent_path()) create_directories_or_throw(path.parent_path());
  const fs::path tmp = temp_path_for(path);
  errno = 0;
  mat_t* mat = Mat_CreateVer(tmp.c_str(), nullptr, MAT_FT_MAT5);
  if (mat == nullptr) throw ResourceError(cannot_write(path, errno));
  bool ok = true;
  for (const auto& m : matrices_) {
    std::vector<size_t> dims(m.dims.begin(), m.dims.end());
    matvar_t* var =
        Mat_VarCreate(m.name.c_str(), MAT_C_DOUBLE, MAT_T_DOUBLE, static_cast<int>(dims.size()),
                      dims.data(), const_cast<double*>(m.data.data()), MAT_F_DONT_COPY_DATA);
    ok = ok && var != nullptr && Mat_VarWrite(mat, var, MAT_COMPRESSION_ZLIB) == 0;
    if (var) Mat_VarFree(var);
  }
  for (const auto& s : strings_) {
    size_t dims[2] = {s.values.size(), 1};
    matvar_t* cell = Mat_VarCreate(s.name.c_str(), MAT_C_CELL, MAT_T_CELL, 2, dims, nullptr, 0);
    ok = ok && cell != nullptr;
    for (std::size_t i = 0; ok && i < s.values.size(); ++i) {
      size_t sdims[2] = {1, s.values[i].size()};
      matvar_t* str = Mat_VarCreate(nullptr, MAT_C_CHAR, MAT_T_UINT8, 2, sdims,
                                    const_cast<char*>(s.values[i].data()), 0);
      ok = ok && str != nullptr;
      if (str) Mat_VarSetCell(cell, static_cast<int>(i), str);
    }
    ok = ok && Mat_VarWrite(mat, cell, MAT_COMPRESSION_NONE) == 0;
    if (cell) Mat_VarFree(cell);
  }
  // matio 1.5.23 reports success on a full disk (Mat_VarWrite and Mat_Close return 0 and leave a
  // file cut at the disk's end), so the file is checked whole before it replaces anything.
  const int close_err = Mat_Close(mat);
  const int err = errno;
  commit_temp_file(tmp, path,
                   ok && close_err == 0 && whole_mat5(tmp, matrices_.size() + strings_.size()), err,
                   "MAT file");
}

}  // namespace semra
