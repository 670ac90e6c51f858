#include "semra/core/io.hpp"

#include <matio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "semra/core/error.hpp"

namespace semra {
namespace fs = std::filesystem;

namespace {
// Unique per process and per call, in the target's directory so that rename() stays atomic.
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
std::string cannot_write(const fs::path& path, int err) {
  std::string why = err != 0 ? std::string(std::strerror(err)) : "I/O error";
  return "cannot write '" + path.string() + "': " + why +
         (err == ENOSPC || err == EDQUOT ? " (free some space, then rerun with --resume)"
                                         : " (choose a writable location, e.g. another --out)");
}
}  // namespace

void write_file_atomic(const fs::path& path, const std::string& content) {
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
      throw ResourceError(cannot_write(path, err));
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw ResourceError(cannot_write(path, ec.value()));
  }
}

void create_directories_or_throw(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw ResourceError("cannot create directory '" + dir.string() + "': " + ec.message() +
                        " (choose a writable location, e.g. another --out)");
}

void refuse_directory(const fs::path& path, const std::string& what) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw InputError(what + " '" + path.string() + "': is a directory, expected a file");
}

std::string read_file(const fs::path& path) {
  refuse_directory(path, "file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("file '" + path.string() + "': cannot be read (missing or unreadable)");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
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
  Mat_Close(mat);
  if (!ok) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw ResourceError(cannot_write(path, errno));
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw ResourceError(cannot_write(path, ec.value()));
}

}  // namespace semra
