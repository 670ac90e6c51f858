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
// " (N kB free on its file system: a full disk?)" when the file system holding `dir` has less
// than 64 MB free, else "": added where a writer (gnuplot, matio) does not say why it failed.
std::string low_space_note(const std::filesystem::path& dir);
// Reads a whole file; throws InputError naming the file when it is missing or unreadable.
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
