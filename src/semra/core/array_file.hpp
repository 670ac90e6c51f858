#pragma once
// Named numeric arrays in the files researchers keep them in (docs/channels.md "Files"): MATLAB
// .mat (v5 and v7.3, through matio), NumPy .npy and .npz (our own readers: .npy is a short text
// header and raw data; .npz a zip of .npy files, stored or deflated, inflated with zlib).
//
// An array comes back in its logical index order, row-major (last index fastest) whatever the
// file's storage order: H(t, b, u, n) in MATLAB and H[t, b, u, n] in NumPy are the same element
// `re[((t * B + b) * U + u) * N + n]`. float32 is widened to double (exactly).
//
// Every failure is an InputError of one line naming the file, the variable and what was expected:
// a missing file or variable (the message lists the variables the file holds), an integer, logical,
// cell or struct variable, a truncated or corrupt file, a size claim out of proportion to the file.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace semra {

struct NumericArray {
  std::vector<std::size_t> shape;  // logical dimensions, outermost first
  bool is_complex = false;
  bool single = false;         // stored as float32 / complex64 in the file
  std::vector<double> re, im;  // row-major; im empty unless is_complex

  std::size_t size() const { return re.size(); }
  std::string shape_text() const;  // "[3, 2, 7]"
};

// The file's kind by its extension (.mat, .npy, .npz; case-insensitive); anything else: InputError.
enum class ArrayFileKind { mat, npy, npz };
ArrayFileKind array_file_kind(const std::filesystem::path& path, const std::string& what);

// Reads `variable` from `path`. A .npy file holds one unnamed array: `variable` only names it in
// messages. `what` names the file's role in messages ("channel trace").
NumericArray read_array(const std::filesystem::path& path, const std::string& variable,
                        const std::string& what);
// Whether a .mat or .npz file holds `variable` (a .npy: never). Reads the file's directory only.
bool has_array(const std::filesystem::path& path, const std::string& variable,
               const std::string& what);
// The variables a .mat or .npz file holds (a .npy: none), in file order.
std::vector<std::string> array_names(const std::filesystem::path& path, const std::string& what);

// The in-memory parsers behind read_array (and the fuzz target): `where` names the source.
NumericArray parse_npy(std::string_view bytes, const std::string& where,
                       const std::string& variable);
// The members of a .npz (zip) held in `bytes`: names without ".npy".
std::vector<std::string> npz_names(std::string_view bytes, const std::string& where);
NumericArray parse_npz(std::string_view bytes, const std::string& where,
                       const std::string& variable);

// Writes named arrays to a .mat file (v5 zlib-compressed, or v7.3 = HDF5), atomically: a temp file
// in the same directory, read back and compared value for value, then renamed over `path`.
// Doubles are written as double, so reading back is bit-exact. Throws ResourceError naming the
// path when it cannot be written.
enum class MatVersion { v5, v73 };
struct NamedArray {
  std::string name;
  const NumericArray* array;
};
void write_mat_arrays(const std::filesystem::path& path, const std::vector<NamedArray>& arrays,
                      MatVersion version);
// The same as a .npy file (format 1.0, little-endian float64 / complex128, C order).
std::string npy_bytes(const NumericArray& a);
// A .npy file's bytes before its data: magic, version 1.0, the header length and the header
// `dict` ("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }") padded so that the data
// starts at a multiple of 64 bytes.
std::string npy_header(std::string dict);
// The same as a .npz file (numpy.savez: a zip of stored .npy members). Throws
// std::length_error above the 4 GB a zip without zip64 records can hold.
std::string npz_bytes(const std::vector<NamedArray>& arrays);

}  // namespace semra
