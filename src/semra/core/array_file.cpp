#include "semra/core/array_file.hpp"

#include <matio.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <mutex>
#include <stdexcept>

#include "semra/core/error.hpp"
#include "semra/core/io.hpp"

namespace fs = std::filesystem;

namespace semra {

std::string NumericArray::shape_text() const {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

namespace {

std::uint32_t le32(const unsigned char* p) {
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
         std::uint32_t{p[3]} << 24;
}
std::uint16_t le16(const unsigned char* p) {
  return static_cast<std::uint16_t>(p[0] | p[1] << 8);
}
std::uint64_t le64(const unsigned char* p) {
  return std::uint64_t{le32(p)} | std::uint64_t{le32(p + 4)} << 32;
}

// A size claim is believed only when the file could hold it: zlib's best ratio is 1032:1, so no
// .mat or .npz of `file_bytes` bytes holds more than ~1100 x that many bytes of data. A corrupt or
// hostile header claiming terabytes is refused before anything is allocated.
std::uint64_t plausible_bytes(std::uint64_t file_bytes) {
  return 1100 * file_bytes + 1024 * 1024;
}

// Elements of `shape`, or 0 with `overflow` set when the product does not fit 2^62.
std::uint64_t element_count(const std::vector<std::size_t>& shape, bool& overflow) {
  std::uint64_t n = 1;
  overflow = false;
  for (auto d : shape) {
    if (d != 0 && n > (std::uint64_t{1} << 62) / d) {
      overflow = true;
      return 0;
    }
    n *= d;
  }
  return n;
}

std::string where_var(const std::string& where, const std::string& variable) {
  return where + ", variable '" + echo(variable, 64) + "'";
}

std::string list_names(const std::vector<std::string>& names) {
  if (names.empty()) return "no numeric variable";
  std::string s;
  for (std::size_t i = 0; i < names.size() && i < 12; ++i)
    s += (i ? ", " : "") + echo(names[i], 40);
  if (names.size() > 12) s += ", ... (" + std::to_string(names.size()) + " in all)";
  return "it holds " + s;
}

// ---- MATLAB .mat through matio -------------------------------------------------------------

// matio reports problems through a log function (stderr by default); our messages say what went
// wrong, so its log is silenced once.
void quiet_matio() {
  static std::once_flag once;
  std::call_once(once, [] { Mat_LogInitFunc("semra", [](int, char*) {}); });
}

struct MatCloser {
  mat_t* m;
  ~MatCloser() {
    if (m) Mat_Close(m);
  }
};
struct VarFreer {
  matvar_t* v;
  ~VarFreer() {
    if (v) Mat_VarFree(v);
  }
};

std::string v5_problem(const fs::path& path);

mat_t* open_mat(const fs::path& path, const std::string& where) {
  refuse_nul(path, "file");
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) throw InputError(where + ": no such file");
  if (fs::is_directory(st)) throw InputError(where + ": is a directory, expected a .mat file");
  if (!fs::is_regular_file(st))
    throw InputError(where + ": not a regular file (a .mat file is read by seeking)");
  // The 128-byte header of a v5 / v7 / v7.3 file ends with its version (0x0100 or 0x0200) and
  // endian indicator ("IM" or "MI"). Without it matio would try MATLAB v4, a headerless format
  // whose sizes come from the first bytes of any file (a corrupt one makes it read for seconds).
  {
    std::ifstream in(path, std::ios::binary);
    char head[128];
    if (!in.read(head, sizeof head))
      throw InputError(where + ": too short for a MATLAB .mat file (a truncated file?)");
    const bool im = head[126] == 'I' && head[127] == 'M', mi = head[126] == 'M' && head[127] == 'I';
    const unsigned v =
        im ? (static_cast<unsigned char>(head[125]) << 8 | static_cast<unsigned char>(head[124]))
           : (static_cast<unsigned char>(head[124]) << 8 | static_cast<unsigned char>(head[125]));
    if (!(im || mi) || (v != 0x0100 && v != 0x0200))
      throw InputError(where +
                       ": not a MATLAB v5, v7 or v7.3 .mat file (no such header; MATLAB v4 files "
                       "are not read: save with -v7 or -v7.3)");
  }
  // Walked before matio reads anything of it (v5_problem: what matio does not check itself).
  if (const std::string bad = v5_problem(path); !bad.empty())
    throw InputError(where + ": not a whole MATLAB v5 .mat file (" + bad + ")");
  quiet_matio();
  mat_t* mat = Mat_Open(path.c_str(), MAT_ACC_RDONLY);
  if (mat == nullptr)
    throw InputError(where + ": not a readable MATLAB .mat file (expected v5 or v7.3)");
  return mat;
}

std::vector<std::string> mat_names(mat_t* mat) {
  std::vector<std::string> names;
  Mat_Rewind(mat);
  for (int i = 0; i < 100000; ++i) {
    matvar_t* v = Mat_VarReadNextInfo(mat);
    if (v == nullptr) break;
    if (v->name) names.emplace_back(v->name);
    Mat_VarFree(v);
  }
  return names;
}

const char* class_text(matio_classes c) {
  switch (c) {
    case MAT_C_CELL:
      return "a cell array";
    case MAT_C_STRUCT:
      return "a struct";
    case MAT_C_CHAR:
      return "a char array";
    case MAT_C_SPARSE:
      return "a sparse matrix";
    case MAT_C_OBJECT:
      return "an object";
    case MAT_C_FUNCTION:
      return "a function handle";
    case MAT_C_INT8:
    case MAT_C_UINT8:
    case MAT_C_INT16:
    case MAT_C_UINT16:
    case MAT_C_INT32:
    case MAT_C_UINT32:
    case MAT_C_INT64:
    case MAT_C_UINT64:
      return "an integer array";
    default:
      return "not a numeric array";
  }
}

// Calls visit(i, off) for each of the `n` elements of `shape`, in row-major order: i is the
// element's row-major index, off its column-major (MATLAB) one.
template <class Visit>
void walk_both_orders(const std::vector<std::size_t>& shape, std::size_t n, Visit visit) {
  const std::size_t rank = shape.size();
  // Column-major strides.
  std::vector<std::size_t> stride(rank, 1), idx(rank, 0);
  for (std::size_t d = 1; d < rank; ++d) stride[d] = stride[d - 1] * shape[d - 1];
  std::size_t off = 0;
  for (std::size_t i = 0; i < n; ++i) {
    visit(i, off);
    // Row-major increment: last index fastest.
    for (std::size_t d = rank; d-- > 0;) {
      if (++idx[d] < shape[d]) {
        off += stride[d];
        break;
      }
      off -= stride[d] * (shape[d] - 1);
      idx[d] = 0;
    }
  }
}

// Column-major (MATLAB) -> row-major of the same logical shape.
template <class T>
void to_row_major(const T* src, const std::vector<std::size_t>& shape, std::vector<double>& out) {
  std::size_t n = 1;
  for (auto d : shape) n *= d;
  out.resize(n);
  walk_both_orders(shape, n,
                   [&](std::size_t i, std::size_t off) { out[i] = static_cast<double>(src[off]); });
}

// matio 1.5.23 reads a zlib-compressed v5 variable that is cut short without complaint (the
// missing end comes back as whatever its buffer held), so a v5 file is walked first: the 128-byte
// header, then elements (u32 type, u32 byte count) that must each end inside the file, every
// compressed one a zlib stream that ends exactly at its element's end. v7.3 (HDF5) files check
// themselves. matio also sizes what it allocates for a variable's header from that header (the
// dimensions and the name: a fuzzed file made it calloc 4 GB), so each variable's miMATRIX header
// is checked against the bytes it has (array flags, at most 64 dimensions, a name of at most 4 KiB)
// before matio sees it, and only numeric, logical and char variables are accepted: a trace file
// holds arrays (docs/channels.md), and cells, structs, objects and sparse matrices nest headers
// matio would read field by field. Returns "" or what is wrong.
namespace {

// One v5 data element's tag at p (avail bytes there): its type, byte count and where its data
// starts; the small-element form packs a count of at most 4 bytes into the tag.
struct V5Tag {
  std::uint32_t type = 0, bytes = 0, data = 0;
};
bool v5_tag(const unsigned char* p, std::size_t avail, bool swap, V5Tag& t) {
  if (avail < 8) return false;
  auto u32 = [&](const unsigned char* q) {
    const std::uint32_t v = le32(q);
    return swap ? __builtin_bswap32(v) : v;
  };
  const std::uint32_t word = u32(p);
  if ((word >> 16) != 0) {  // small data element
    t = {word & 0xffffu, word >> 16, 4};
    return t.bytes <= 4;
  }
  t = {word, u32(p + 4), 8};
  return true;
}

// p: a miMATRIX element's data (its header), `avail` bytes of it here, `bytes` in all.
std::string matrix_header_problem(const unsigned char* p, std::size_t avail, std::uint64_t bytes,
                                  bool swap) {
  if (bytes == 0) return "";  // an empty matrix
  const std::size_t have = static_cast<std::size_t>(std::min<std::uint64_t>(avail, bytes));
  V5Tag flags, dims, name;
  if (!v5_tag(p, have, swap, flags) || flags.type != 6 || flags.bytes != 8 || have < 16)
    return "a variable's header has no array flags";
  const unsigned cls = p[swap ? 11 : 8];
  // 4 char, 6-15 numeric (double, single, int8 .. uint64); logical arrays are numeric with a flag.
  if (!(cls == 4 || (cls >= 6 && cls <= 15)))
    return "a variable of MATLAB class " + std::to_string(cls) +
           " (cell, struct, object, sparse or function): a trace file holds numeric arrays only";
  if (!v5_tag(p + 16, have - 16, swap, dims) || dims.type != 5 || dims.bytes % 4 != 0 ||
      dims.bytes < 8 || dims.bytes > 64 * 4)
    return "a variable's dimensions are not 2 to 64 int32 values";
  std::uint64_t at =
      16 + dims.data + (dims.data == 4 ? 4 : (std::uint64_t{dims.bytes} + 7) / 8 * 8);
  if (at > bytes) return "a variable's dimensions run past its end";
  if (at + 8 > have) return "";  // the name lies beyond what was read: matio checks it
  if (!v5_tag(p + at, have - at, swap, name) || name.type != 1 || name.bytes > 4096 ||
      at + name.data + name.bytes > bytes)
    return "a variable's name is missing or longer than 4096 bytes";
  return "";
}

}  // namespace

std::string v5_problem(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  char head[128];
  if (!in.read(head, sizeof head)) return "";  // matio decides (too short for any .mat)
  if (std::memcmp(head, "MATLAB 7.3", 10) == 0) return "";
  const bool swap = head[126] == 'M' && head[127] == 'I';
  if (!swap && !(head[126] == 'I' && head[127] == 'M')) return "";  // not v5: matio decides
  in.seekg(0, std::ios::end);
  const std::uint64_t size = static_cast<std::uint64_t>(in.tellg());
  auto u32 = [&](const unsigned char* p) {
    std::uint32_t v = le32(p);
    return swap ? __builtin_bswap32(v) : v;
  };
  std::uint64_t pos = 128;
  std::vector<unsigned char> buf(1 << 16), sink(1 << 16);
  while (pos < size) {
    unsigned char tag[8];
    in.seekg(static_cast<std::streamoff>(pos));
    if (size - pos < 8 || !in.read(reinterpret_cast<char*>(tag), 8))
      return "an element is cut short at byte " + std::to_string(pos);
    const std::uint32_t type = u32(tag), bytes = u32(tag + 4);
    if (bytes > size - pos - 8)
      return "an element claims " + std::to_string(bytes) + " bytes, the file ends after " +
             std::to_string(size - pos - 8) + " (a truncated file?)";
    if (type == 15) {  // miCOMPRESSED: one whole zlib stream
      z_stream z{};
      if (inflateInit(&z) != Z_OK) return "zlib could not start";
      std::uint64_t left = bytes, inflated = 0;
      std::vector<unsigned char> header;  // the first 4 KiB inflated: the variable's header
      int rc = Z_OK;
      while (rc == Z_OK) {
        if (z.avail_in == 0) {
          if (left == 0) break;
          const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, buf.size()));
          if (!in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(n))) break;
          left -= n;
          z.next_in = buf.data();
          z.avail_in = static_cast<uInt>(n);
        }
        z.next_out = sink.data();
        z.avail_out = static_cast<uInt>(sink.size());
        rc = inflate(&z, Z_NO_FLUSH);
        const std::size_t got = sink.size() - z.avail_out;
        inflated += got;
        if (header.size() < 4096)
          header.insert(header.end(), sink.begin(),
                        sink.begin() + static_cast<std::ptrdiff_t>(
                                           std::min<std::size_t>(got, 4096 - header.size())));
        if (rc == Z_BUF_ERROR && z.avail_in == 0 && left > 0) rc = Z_OK;
      }
      const bool whole = rc == Z_STREAM_END && left == 0 && z.avail_in == 0;
      inflateEnd(&z);
      if (!whole) return "a compressed variable is corrupt or cut short";
      V5Tag inner;
      if (!v5_tag(header.data(), header.size(), swap, inner) || inner.type != 14 ||
          inner.data != 8 || inner.bytes > inflated - 8)
        return "a compressed variable does not hold one whole matrix";
      const std::string bad =
          matrix_header_problem(header.data() + 8, header.size() - 8, inner.bytes, swap);
      if (!bad.empty()) return bad;
      pos += 8 + std::uint64_t{bytes};
    } else {
      if (type == 14) {  // miMATRIX
        std::vector<unsigned char> header(
            static_cast<std::size_t>(std::min<std::uint32_t>(bytes, 4096)));
        if (!in.read(reinterpret_cast<char*>(header.data()),
                     static_cast<std::streamsize>(header.size())))
          return "a variable is cut short";
        const std::string bad = matrix_header_problem(header.data(), header.size(), bytes, swap);
        if (!bad.empty()) return bad;
      }
      pos += 8 + std::uint64_t{bytes};
      pos = std::min(size, (pos + 7) / 8 * 8);  // uncompressed elements are padded to 8 bytes
    }
  }
  return "";
}

NumericArray read_mat(const fs::path& path, const std::string& variable, const std::string& where) {
  mat_t* mat = open_mat(path, where);
  MatCloser closer{mat};
  const std::string wv = where_var(where, variable);
  matvar_t* info = Mat_VarReadInfo(mat, variable.c_str());
  VarFreer free_info{info};
  if (info == nullptr) throw InputError(wv + ": not found (" + list_names(mat_names(mat)) + ")");
  if (info->class_type != MAT_C_DOUBLE && info->class_type != MAT_C_SINGLE)
    throw InputError(wv + ": is " + class_text(info->class_type) +
                     ", expected a double or single array");
  if (info->rank < 1 || info->dims == nullptr)
    throw InputError(wv + ": has no dimensions (a corrupt file?)");
  NumericArray a;
  a.shape.assign(info->dims, info->dims + info->rank);
  a.is_complex = info->isComplex != 0;
  a.single = info->class_type == MAT_C_SINGLE;
  bool overflow = false;
  const std::uint64_t n = element_count(a.shape, overflow);
  std::error_code ec;
  const std::uint64_t file_bytes = fs::file_size(path, ec);
  const std::uint64_t need = n * (a.single ? 4 : 8) * (a.is_complex ? 2 : 1);
  if (overflow || ec || need > plausible_bytes(file_bytes))
    throw InputError(wv + ": claims " + a.shape_text() + " elements, more than the " +
                     byte_size_text(static_cast<double>(file_bytes)) +
                     " file can hold (a corrupt file?)");
  matvar_t* var = Mat_VarRead(mat, variable.c_str());
  VarFreer free_var{var};
  const std::size_t elem = a.single ? 4 : 8;
  const bool ok = var != nullptr && var->data != nullptr && var->rank == info->rank &&
                  std::equal(a.shape.begin(), a.shape.end(), var->dims) &&
                  (var->isComplex != 0) == a.is_complex &&
                  static_cast<std::size_t>(var->data_size) == elem && var->nbytes == n * elem &&
                  var->data_type == (a.single ? MAT_T_SINGLE : MAT_T_DOUBLE);
  if (!ok && n > 0)
    throw InputError(wv + ": its data cannot be read (a truncated or corrupt file?)");
  if (n == 0) return a;
  if (a.is_complex) {
    const auto* z = static_cast<const mat_complex_split_t*>(var->data);
    if (z->Re == nullptr || z->Im == nullptr)
      throw InputError(wv + ": its data cannot be read (a truncated or corrupt file?)");
    if (a.single) {
      to_row_major(static_cast<const float*>(z->Re), a.shape, a.re);
      to_row_major(static_cast<const float*>(z->Im), a.shape, a.im);
    } else {
      to_row_major(static_cast<const double*>(z->Re), a.shape, a.re);
      to_row_major(static_cast<const double*>(z->Im), a.shape, a.im);
    }
  } else if (a.single) {
    to_row_major(static_cast<const float*>(var->data), a.shape, a.re);
  } else {
    to_row_major(static_cast<const double*>(var->data), a.shape, a.re);
  }
  return a;
}

// ---- NumPy .npy ------------------------------------------------------------------------------

// The value text after `'key':` in the header dict, up to the next top-level ',' or '}'.
std::string header_value(const std::string& header, const std::string& key, const std::string& wv) {
  for (const char q : {'\'', '"'}) {
    const std::string k = std::string(1, q) + key + std::string(1, q);
    const auto p = header.find(k);
    if (p == std::string::npos) continue;
    auto c = header.find(':', p + k.size());
    if (c == std::string::npos) break;
    ++c;
    int depth = 0;
    std::size_t e = c;
    for (; e < header.size(); ++e) {
      const char ch = header[e];
      if (ch == '(' || ch == '[') ++depth;
      if (ch == ')' || ch == ']') --depth;
      if (depth == 0 && (ch == ',' || ch == '}')) break;
      if (depth < 0) break;
    }
    std::string v = header.substr(c, e - c);
    const auto b = v.find_first_not_of(" \t");
    const auto l = v.find_last_not_of(" \t");
    return b == std::string::npos ? "" : v.substr(b, l - b + 1);
  }
  throw InputError(wv + ": the .npy header has no '" + key + "' (a corrupt file?)");
}

}  // namespace

NumericArray parse_npy(std::string_view bytes, const std::string& where,
                       const std::string& variable) {
  const std::string wv = where_var(where, variable);
  const auto* u = reinterpret_cast<const unsigned char*>(bytes.data());
  if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0)
    throw InputError(wv + ": not a NumPy .npy array (no \\x93NUMPY magic; a truncated file?)");
  const int major = u[6];
  std::size_t header_len = 0, start = 0;
  if (major == 1) {
    header_len = le16(u + 8);
    start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw InputError(wv + ": the .npy header is cut short");
    header_len = le32(u + 8);
    start = 12;
  } else {
    throw InputError(wv + ": .npy format version " + std::to_string(major) +
                     " (expected 1, 2 or 3)");
  }
  if (header_len > bytes.size() - start || header_len > 1024 * 1024)
    throw InputError(wv + ": the .npy header is cut short (a truncated file?)");
  const std::string header(bytes.substr(start, header_len));
  // descr: '<f8', '<f4', '<c16', '<c8' (also '>' big-endian, '=' native little-endian).
  std::string descr = header_value(header, "descr", wv);
  if (descr.size() >= 2 && (descr.front() == '\'' || descr.front() == '"') &&
      descr.back() == descr.front())
    descr = descr.substr(1, descr.size() - 2);
  bool big = false;
  if (!descr.empty() &&
      (descr[0] == '<' || descr[0] == '>' || descr[0] == '=' || descr[0] == '|')) {
    big = descr[0] == '>';
    descr = descr.substr(1);
  }
  NumericArray a;
  std::size_t item = 0;
  if (descr == "f8") {
    item = 8;
  } else if (descr == "f4") {
    item = 4, a.single = true;
  } else if (descr == "c16") {
    item = 16, a.is_complex = true;
  } else if (descr == "c8") {
    item = 8, a.is_complex = true, a.single = true;
  } else {
    throw InputError(wv + ": dtype '" + echo(descr, 40) +
                     "', expected float64, float32, complex128 or complex64");
  }
  const std::string fortran = header_value(header, "fortran_order", wv);
  if (fortran != "True" && fortran != "False")
    throw InputError(wv + ": the .npy header's fortran_order is '" + echo(fortran, 20) +
                     "' (a corrupt file?)");
  const std::string shape = header_value(header, "shape", wv);
  if (shape.size() < 2 || shape.front() != '(' || shape.back() != ')')
    throw InputError(wv + ": the .npy header's shape is '" + echo(shape, 40) +
                     "' (a corrupt file?)");
  std::size_t i = 1;
  while (i + 1 < shape.size()) {
    while (i + 1 < shape.size() && (shape[i] == ' ' || shape[i] == ',')) ++i;
    if (i + 1 >= shape.size()) break;
    std::uint64_t d = 0;
    const std::size_t s = i;
    while (i + 1 < shape.size() && shape[i] >= '0' && shape[i] <= '9' && i - s < 18)
      d = d * 10 + static_cast<std::uint64_t>(shape[i++] - '0');
    if (i == s || (i + 1 < shape.size() && shape[i] != ',' && shape[i] != ' ') ||
        a.shape.size() >= 32)
      throw InputError(wv + ": the .npy header's shape is '" + echo(shape, 40) +
                       "' (a corrupt file?)");
    a.shape.push_back(static_cast<std::size_t>(d));
  }
  bool overflow = false;
  const std::uint64_t n = element_count(a.shape, overflow);
  const std::size_t data_at = start + header_len;
  const std::uint64_t have = bytes.size() - data_at;
  if (overflow || n > have / item || n * item != have)
    throw InputError(wv + ": shape " + a.shape_text() + " of " + descr + " needs " +
                     (overflow ? std::string("too many") : std::to_string(n * item)) +
                     " bytes of data, the file has " + std::to_string(have) +
                     " (a truncated or corrupt file?)");
  const unsigned char* p = u + data_at;
  const std::size_t scalar = a.is_complex ? item / 2 : item;
  auto value = [&](const unsigned char* q) {
    unsigned char b[8];
    for (std::size_t k = 0; k < scalar; ++k) b[k] = q[big ? scalar - 1 - k : k];
    if (scalar == 4) {
      float f;
      std::memcpy(&f, b, 4);
      return static_cast<double>(f);
    }
    double d;
    std::memcpy(&d, b, 8);
    return d;
  };
  std::vector<double> re(n), im(a.is_complex ? n : 0);
  for (std::uint64_t k = 0; k < n; ++k) {
    re[k] = value(p + k * item);
    if (a.is_complex) im[k] = value(p + k * item + scalar);
  }
  if (fortran == "True" && a.shape.size() > 1) {
    // Stored column-major: reorder to row-major.
    to_row_major(re.data(), a.shape, a.re);
    if (a.is_complex) to_row_major(im.data(), a.shape, a.im);
  } else {
    a.re = std::move(re);
    a.im = std::move(im);
  }
  return a;
}

namespace {

// ---- NumPy .npz: a zip archive of .npy members ---------------------------------------------

struct ZipMember {
  std::string name;
  std::uint16_t method = 0;
  std::uint32_t crc = 0;
  std::uint64_t compressed = 0, uncompressed = 0, local_offset = 0;
};

std::vector<ZipMember> zip_members(std::string_view bytes, const std::string& where) {
  const auto* u = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t size = bytes.size();
  const std::string bad = where + ": not a readable .npz (zip) archive";
  if (size < 22) throw InputError(bad + " (too short; a truncated file?)");
  // End of central directory: the last 22-byte record with its signature (a comment of up to
  // 65535 bytes may follow it).
  std::size_t eocd = std::string_view::npos;
  const std::size_t lowest = size > 22 + 65535 ? size - 22 - 65535 : 0;
  for (std::size_t p = size - 22 + 1; p-- > lowest;) {
    if (le32(u + p) == 0x06054b50) {
      eocd = p;
      break;
    }
  }
  if (eocd == std::string_view::npos)
    throw InputError(bad + " (no end-of-archive record; a truncated file?)");
  std::uint64_t entries = le16(u + eocd + 10);
  std::uint64_t cd_size = le32(u + eocd + 12);
  std::uint64_t cd_offset = le32(u + eocd + 16);
  if (entries == 0xFFFF || cd_size == 0xFFFFFFFF || cd_offset == 0xFFFFFFFF) {
    // Zip64: the locator sits just before the record.
    if (eocd < 20 || le32(u + eocd - 20) != 0x07064b50)
      throw InputError(bad + " (zip64 locator missing)");
    const std::uint64_t z = le64(u + eocd - 20 + 8);
    if (z > size || size - z < 56 || le32(u + z) != 0x06064b50)
      throw InputError(bad + " (zip64 end record missing)");
    entries = le64(u + z + 32);
    cd_size = le64(u + z + 40);
    cd_offset = le64(u + z + 48);
  }
  if (cd_offset > size || cd_size > size - cd_offset || entries > cd_size / 46)
    throw InputError(bad + " (its directory lies outside the file; a truncated file?)");
  std::vector<ZipMember> out;
  std::uint64_t p = cd_offset;
  const std::uint64_t end = cd_offset + cd_size;
  for (std::uint64_t e = 0; e < entries; ++e) {
    if (end - p < 46 || le32(u + p) != 0x02014b50)
      throw InputError(bad + " (a corrupt directory entry)");
    ZipMember m;
    m.method = le16(u + p + 10);
    m.crc = le32(u + p + 16);
    m.compressed = le32(u + p + 20);
    m.uncompressed = le32(u + p + 24);
    const std::uint64_t nlen = le16(u + p + 28), xlen = le16(u + p + 30), clen = le16(u + p + 32);
    m.local_offset = le32(u + p + 42);
    if (end - p - 46 < nlen + xlen + clen) throw InputError(bad + " (a corrupt directory entry)");
    m.name.assign(bytes.substr(p + 46, nlen));
    // Zip64 extended information: the fields that are 0xFFFFFFFF above, in this order.
    std::uint64_t x = p + 46 + nlen;
    const std::uint64_t xend = x + xlen;
    while (xend - x >= 4) {
      const std::uint16_t id = le16(u + x), len = le16(u + x + 2);
      if (xend - x - 4 < len) break;
      if (id == 0x0001) {
        std::uint64_t f = x + 4;
        const std::uint64_t fend = f + len;
        auto take = [&](std::uint64_t& v) {
          if (v == 0xFFFFFFFF) {
            if (fend - f < 8) throw InputError(bad + " (a corrupt zip64 field)");
            v = le64(u + f);
            f += 8;
          }
        };
        take(m.uncompressed);
        take(m.compressed);
        take(m.local_offset);
      }
      x += 4 + std::uint64_t{len};
    }
    out.push_back(std::move(m));
    p += 46 + nlen + xlen + clen;
  }
  return out;
}

std::string member_bytes(std::string_view bytes, const ZipMember& m, const std::string& wv) {
  const auto* u = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t size = bytes.size();
  const std::string bad = wv + ": its .npz member cannot be read";
  if (m.local_offset > size || size - m.local_offset < 30 || le32(u + m.local_offset) != 0x04034b50)
    throw InputError(bad + " (a truncated or corrupt file?)");
  const std::uint64_t data =
      m.local_offset + 30 + le16(u + m.local_offset + 26) + le16(u + m.local_offset + 28);
  if (data > size || m.compressed > size - data) throw InputError(bad + " (a truncated file?)");
  if (m.uncompressed > plausible_bytes(size))
    throw InputError(bad + " (it claims " + byte_size_text(static_cast<double>(m.uncompressed)) +
                     ", more than the archive can hold; a corrupt file?)");
  std::string out;
  if (m.method == 0) {
    if (m.compressed != m.uncompressed) throw InputError(bad + " (inconsistent sizes)");
    out.assign(bytes.substr(data, m.compressed));
  } else if (m.method == 8) {
    out.resize(m.uncompressed);
    z_stream z{};
    if (inflateInit2(&z, -15) != Z_OK) throw InputError(bad + " (zlib could not start)");
    z.next_in = const_cast<Bytef*>(u + data);
    std::uint64_t in_left = m.compressed, out_done = 0;
    int rc = Z_OK;
    // zlib counts in uInt: feed and drain in pieces below 1 GiB.
    constexpr std::uint64_t kPiece = 1u << 30;
    while (rc == Z_OK) {
      if (z.avail_in == 0 && in_left > 0) {
        z.avail_in = static_cast<uInt>(std::min(in_left, kPiece));
        in_left -= z.avail_in;
      }
      const std::uint64_t room = m.uncompressed - out_done;
      z.next_out = reinterpret_cast<Bytef*>(out.data()) + out_done;
      z.avail_out = static_cast<uInt>(std::min(room, kPiece));
      const uInt before = z.avail_out;
      rc = inflate(&z, Z_NO_FLUSH);
      out_done += before - z.avail_out;
      if (rc == Z_BUF_ERROR && (z.avail_in > 0 || in_left > 0) && out_done < m.uncompressed)
        rc = Z_OK;
      if (rc == Z_OK && z.avail_in == 0 && in_left == 0 && before == z.avail_out) rc = Z_DATA_ERROR;
    }
    inflateEnd(&z);
    if (rc != Z_STREAM_END || out_done != m.uncompressed)
      throw InputError(bad + " (its compressed data is corrupt or cut short)");
  } else {
    throw InputError(bad + " (zip compression method " + std::to_string(m.method) +
                     "; expected stored or deflated, as numpy.savez / savez_compressed write)");
  }
  const uLong crc = crc32_z(0L, reinterpret_cast<const Bytef*>(out.data()), out.size());
  if (static_cast<std::uint32_t>(crc) != m.crc)
    throw InputError(bad + " (CRC mismatch: a corrupt file)");
  return out;
}

std::string strip_npy(const std::string& name) {
  return name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0
             ? name.substr(0, name.size() - 4)
             : name;
}

}  // namespace

std::vector<std::string> npz_names(std::string_view bytes, const std::string& where) {
  std::vector<std::string> names;
  for (const auto& m : zip_members(bytes, where)) names.push_back(strip_npy(m.name));
  return names;
}

NumericArray parse_npz(std::string_view bytes, const std::string& where,
                       const std::string& variable) {
  const auto members = zip_members(bytes, where);
  const std::string wv = where_var(where, variable);
  for (const auto& m : members)
    if (m.name == variable + ".npy") return parse_npy(member_bytes(bytes, m, wv), where, variable);
  std::vector<std::string> names;
  for (const auto& m : members) names.push_back(strip_npy(m.name));
  throw InputError(wv + ": not found (" + list_names(names) + ")");
}

ArrayFileKind array_file_kind(const fs::path& path, const std::string& what) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".mat") return ArrayFileKind::mat;
  if (ext == ".npy") return ArrayFileKind::npy;
  if (ext == ".npz") return ArrayFileKind::npz;
  throw InputError(what + " '" + echo(path.string()) +
                   "': unknown file type, expected a .mat, .npz or .npy file");
}

NumericArray read_array(const fs::path& path, const std::string& variable,
                        const std::string& what) {
  const std::string where = what + " '" + echo(path.string()) + "'";
  switch (array_file_kind(path, what)) {
    case ArrayFileKind::mat:
      return read_mat(path, variable, where);
    case ArrayFileKind::npy:
      return parse_npy(read_input_file(path, what, input_limit::kRunFileBytes), where, variable);
    case ArrayFileKind::npz:
      return parse_npz(read_input_file(path, what, input_limit::kRunFileBytes), where, variable);
  }
  return {};
}

bool has_array(const fs::path& path, const std::string& variable, const std::string& what) {
  const std::string where = what + " '" + echo(path.string()) + "'";
  switch (array_file_kind(path, what)) {
    case ArrayFileKind::mat: {
      mat_t* mat = open_mat(path, where);
      MatCloser closer{mat};
      matvar_t* info = Mat_VarReadInfo(mat, variable.c_str());
      VarFreer free_info{info};
      return info != nullptr;
    }
    case ArrayFileKind::npz: {
      const auto names = npz_names(read_input_file(path, what, input_limit::kRunFileBytes), where);
      return std::find(names.begin(), names.end(), variable) != names.end();
    }
    case ArrayFileKind::npy:
      return false;
  }
  return false;
}

std::vector<std::string> array_names(const fs::path& path, const std::string& what) {
  const std::string where = what + " '" + echo(path.string()) + "'";
  switch (array_file_kind(path, what)) {
    case ArrayFileKind::mat: {
      mat_t* mat = open_mat(path, where);
      MatCloser closer{mat};
      return mat_names(mat);
    }
    case ArrayFileKind::npz:
      return npz_names(read_input_file(path, what, input_limit::kRunFileBytes), where);
    case ArrayFileKind::npy:
      return {};
  }
  return {};
}

namespace {

// Row-major -> column-major (MATLAB) of the same logical shape.
std::vector<double> to_column_major(const std::vector<double>& src,
                                    const std::vector<std::size_t>& shape) {
  std::vector<double> out(src.size());
  walk_both_orders(shape, src.size(), [&](std::size_t i, std::size_t off) { out[off] = src[i]; });
  return out;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

}  // namespace

void write_mat_arrays(const fs::path& path, const std::vector<NamedArray>& arrays,
                      MatVersion version) {
  if (path.has_parent_path()) create_directories_or_throw(path.parent_path());
  const fs::path tmp = temp_path_for(path);
  quiet_matio();
  errno = 0;
  mat_t* mat =
      Mat_CreateVer(tmp.c_str(), nullptr, version == MatVersion::v73 ? MAT_FT_MAT73 : MAT_FT_MAT5);
  if (mat == nullptr) throw ResourceError(cannot_write(path, errno));
  bool ok = true;
  for (const auto& na : arrays) {
    const NumericArray& a = *na.array;
    // MATLAB has no rank-1 arrays: a vector is written as a column.
    std::vector<size_t> dims(std::max<std::size_t>(a.shape.size(), 2), 1);
    std::copy(a.shape.begin(), a.shape.end(), dims.begin());
    std::vector<double> re = to_column_major(a.re, a.shape);
    std::vector<double> im = a.is_complex ? to_column_major(a.im, a.shape) : std::vector<double>{};
    mat_complex_split_t z{re.data(), im.data()};
    matvar_t* var =
        Mat_VarCreate(na.name.c_str(), MAT_C_DOUBLE, MAT_T_DOUBLE, static_cast<int>(dims.size()),
                      dims.data(), a.is_complex ? static_cast<void*>(&z) : re.data(),
                      MAT_F_DONT_COPY_DATA | (a.is_complex ? MAT_F_COMPLEX : 0));
    ok = ok && var != nullptr && Mat_VarWrite(mat, var, MAT_COMPRESSION_ZLIB) == 0;
    if (var) Mat_VarFree(var);
  }
  const int close_err = Mat_Close(mat);
  const int err = errno;
  // matio can report success on a full disk: the file is read back and compared before it
  // replaces anything.
  ok = ok && close_err == 0;
  try {
    for (std::size_t i = 0; ok && i < arrays.size(); ++i) {
      const NumericArray b = read_mat(tmp, arrays[i].name, "written file");
      const NumericArray& a = *arrays[i].array;
      std::vector<std::size_t> shape(std::max<std::size_t>(a.shape.size(), 2), 1);
      std::copy(a.shape.begin(), a.shape.end(), shape.begin());
      ok = b.shape == shape && b.is_complex == a.is_complex && same_bits(b.re, a.re) &&
           same_bits(b.im, a.im);
    }
  } catch (const InputError&) {
    ok = false;
  }
  commit_temp_file(tmp, path, ok, err, "MAT file");
}

std::string npy_header(std::string dict) {
  // Padded with spaces and a newline so that the data starts at a multiple of 64 bytes.
  const std::size_t total = 10 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(dict.size() & 0xFF);
  out += static_cast<char>(dict.size() >> 8);
  return out + dict;
}

std::string npy_bytes(const NumericArray& a) {
  std::string shape = "(";
  for (std::size_t i = 0; i < a.shape.size(); ++i)
    shape +=
        std::to_string(a.shape[i]) + (a.shape.size() == 1 || i + 1 < a.shape.size() ? "," : "");
  shape += ")";
  std::string out = npy_header("{'descr': '" + std::string(a.is_complex ? "<c16" : "<f8") +
                               "', 'fortran_order': False, 'shape': " + shape + ", }");
  for (std::size_t i = 0; i < a.re.size(); ++i) {
    char b[8];
    std::memcpy(b, &a.re[i], 8);
    out.append(b, 8);
    if (a.is_complex) {
      std::memcpy(b, &a.im[i], 8);
      out.append(b, 8);
    }
  }
  return out;
}

std::string npz_bytes(const std::vector<NamedArray>& arrays) {
  auto u16 = [](std::string& s, std::uint64_t v) {
    s += static_cast<char>(v & 0xFF);
    s += static_cast<char>((v >> 8) & 0xFF);
  };
  auto u32 = [&](std::string& s, std::uint64_t v) {
    if (v > 0xFFFFFFFFu) throw std::length_error("npz_bytes: above 4 GB");
    u16(s, v & 0xFFFF);
    u16(s, v >> 16);
  };
  std::string out, cd;
  for (const auto& na : arrays) {
    const std::string name = na.name + ".npy";
    const std::string data = npy_bytes(*na.array);
    const std::uint64_t crc = crc32_z(0L, reinterpret_cast<const Bytef*>(data.data()), data.size());
    const std::uint64_t offset = out.size();
    u32(out, 0x04034b50);
    u16(out, 20), u16(out, 0), u16(out, 0), u16(out, 0),
        u16(out, 0x21);  // version, flags, stored, 1980-01-01
    u32(out, crc), u32(out, data.size()), u32(out, data.size());
    u16(out, name.size()), u16(out, 0);
    out += name;
    out += data;
    u32(cd, 0x02014b50);
    u16(cd, 20), u16(cd, 20), u16(cd, 0), u16(cd, 0), u16(cd, 0), u16(cd, 0x21);
    u32(cd, crc), u32(cd, data.size()), u32(cd, data.size());
    u16(cd, name.size()), u16(cd, 0), u16(cd, 0), u16(cd, 0), u16(cd, 0);
    u32(cd, 0), u32(cd, offset);
    cd += name;
  }
  const std::uint64_t cd_at = out.size();
  out += cd;
  u32(out, 0x06054b50);
  u16(out, 0), u16(out, 0), u16(out, arrays.size()), u16(out, arrays.size());
  u32(out, cd.size()), u32(out, cd_at), u16(out, 0);
  return out;
}

}  // namespace semra
