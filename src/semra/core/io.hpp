#pragma once
// Files the user keeps. Every write is atomic (temp file in the same directory + rename), so a
// killed run never leaves a truncated file and an existing file is replaced only by a complete one.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace semra {

// Writes `content` to `path` atomically, creating parent directories. Throws ResourceError naming
// the path and the reason (read-only, permission denied, disk full, ...).
void write_file_atomic(const std::filesystem::path& path, const std::string& content);
// std::filesystem::create_directories, throwing ResourceError naming the directory and the reason.
void create_directories_or_throw(const std::filesystem::path& dir);
// Throws InputError "<what> '<path>': is a directory, expected a file" (an ifstream opens a
// directory without complaint and reads nothing from it).
void refuse_directory(const std::filesystem::path& path, const std::string& what);
// "cannot write 'PATH': <reason> (<what to do>)", the one message for an output that could not be
// written (errno `err`; 0: "I/O error"). What became of a run directory is the runner's to add.
std::string cannot_write(const std::filesystem::path& path, int err);
// Writers that go through a library (matio) write to temp_path_for(path), then commit_temp_file:
// a temp name in `path`'s directory (rename stays atomic), unique per process and per call.
std::filesystem::path temp_path_for(const std::filesystem::path& path);
// Renames the written temp file `tmp` over `path` when `whole`. Otherwise removes `tmp` and throws
// ResourceError: cannot_write(path, ...) when the disk is full (errno `err` ENOSPC / EDQUOT, or a
// file system left with no free byte: a library may not say why), else "the <kind> came out
// incomplete" with low_space_note.
void commit_temp_file(const std::filesystem::path& tmp, const std::filesystem::path& path,
                      bool whole, int err, const std::string& kind);
// " (N kB free on its file system: a full disk?)" when the file system holding `dir` has less
// than 64 MB free, else "": added where a writer (gnuplot, matio) does not say why it failed.
std::string low_space_note(const std::filesystem::path& dir);
// Size limits of the files semra reads (docs/limits.md "Input files"): far above any real file of
// each kind, so that a wrong file (a device, a dataset given as --config) is refused at once
// instead of being read until memory runs out.
namespace input_limit {
inline constexpr std::uint64_t kMiB = 1024 * 1024;
inline constexpr std::uint64_t kTomlBytes = 16 * kMiB;        // --config, sweep files
inline constexpr std::uint64_t kTableBytes = 1 * kMiB;        // the accuracy CSV (20 x 31)
inline constexpr std::uint64_t kDataBytes = 4096 * kMiB;      // scene graphs, embeddings
inline constexpr std::uint64_t kModelBytes = 4096 * kMiB;     // saved networks (.semrann)
inline constexpr std::uint64_t kManifestBytes = 256 * kMiB;   // OUT/manifest.json
inline constexpr std::uint64_t kRunFileBytes = 16384 * kMiB;  // records, checkpoints, CSVs
}  // namespace input_limit

// Reads a whole input file; `what` names its kind in messages ("config file", "scene graphs").
// Refused with an InputError naming the file: a path with a NUL byte, a missing or unreadable
// file, a directory, a device (/dev/zero, a terminal), and a file above `max_bytes`. A FIFO or
// pipe (`--config <(...)`) is read as it arrives, at most `max_bytes`, waiting at most 60 s for
// data. Reading stops at SIGINT/SIGTERM (Interrupted, core/stop.hpp).
std::string read_input_file(const std::filesystem::path& path, const std::string& what,
                            std::uint64_t max_bytes);
// Throws InputError "<what> '<path>': the path contains a NUL byte" (a C library call would open
// the path's prefix).
void refuse_nul(const std::filesystem::path& path, const std::string& what);
// "1.5 GB", "200 kB": sizes in messages.
std::string byte_size_text(double bytes);

// read_input_file(path, "file", input_limit::kRunFileBytes).
std::string read_file(const std::filesystem::path& path);

// Shortest decimal text that reads back as the same double ("nan", "inf" spelled out).
std::string format_double(double v);

// MATLAB .mat (v5) with named double arrays (any number of dimensions >= 2, column-major as MATLAB
// stores them) and cell arrays of strings. Written with matio to a temp file, then renamed.
class MatFile {
 public:
  void add_array(const std::string& name, std::vector<std::size_t> dims,
                 std::vector<double> column_major);
  void add_strings(const std::string& name, const std::vector<std::string>& values);
  void write(const std::filesystem::path& path) const;

 private:
  struct Matrix {
    std::string name;
    std::vector<std::size_t> dims;
    std::vector<double> data;
  };
  struct Strings {
    std::string name;
    std::vector<std::string> values;
  };
  std::vector<Matrix> matrices_;
  std::vector<Strings> strings_;
};

}  // namespace semra
