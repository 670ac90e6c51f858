// Named arrays from .mat (v5, v7.3), .npy and .npz files (core/array_file.hpp): logical index
// order whatever the storage order, bit-exact round trips, and one InputError naming the file and
// the variable for every bad input.
#include <gtest/gtest.h>
#include <matio.h>
#include <zlib.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../support/cli_process.hpp"
#include "../support/input_error.hpp"
#include "semra/core/array_file.hpp"
#include "semra/core/error.hpp"

namespace fs = std::filesystem;
using semra::NumericArray;

namespace {

using semra_test::error_of;
using semra_test::has;

fs::path temp_file(const std::string& name) {
  return semra_test::temp_file("semra-arrayfile-", name);
}

void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}
std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A 4-D array whose every element encodes its own index: a[t][b][u][n] = 1000 t + 100 b + 10 u + n.
NumericArray indexed(bool complex) {
  NumericArray a;
  a.shape = {3, 2, 4, 5};
  a.is_complex = complex;
  for (std::size_t t = 0; t < 3; ++t)
    for (std::size_t b = 0; b < 2; ++b)
      for (std::size_t u = 0; u < 4; ++u)
        for (std::size_t n = 0; n < 5; ++n) {
          a.re.push_back(1000.0 * t + 100.0 * b + 10.0 * u + n + 0.1);
          if (complex) a.im.push_back(-1.0 / (1.0 + a.re.size()));
        }
  return a;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

// A zip archive of `members` (name, bytes), each stored (method 0) or deflated (method 8), with
// the central directory numpy's zipfile writes.
std::string zip_of(const std::vector<std::pair<std::string, std::string>>& members, bool deflated) {
  auto u16 = [](std::string& s, unsigned v) {
    s += static_cast<char>(v & 0xFF);
    s += static_cast<char>((v >> 8) & 0xFF);
  };
  auto u32 = [&](std::string& s, unsigned long v) {
    u16(s, static_cast<unsigned>(v & 0xFFFF));
    u16(s, static_cast<unsigned>((v >> 16) & 0xFFFF));
  };
  std::string out, cd;
  for (const auto& [name, data] : members) {
    std::string body = data;
    if (deflated) {
      z_stream z{};
      deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
      body.assign(deflateBound(&z, data.size()), '\0');
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
      z.avail_in = static_cast<uInt>(data.size());
      z.next_out = reinterpret_cast<Bytef*>(body.data());
      z.avail_out = static_cast<uInt>(body.size());
      ::deflate(&z, Z_FINISH);
      body.resize(z.total_out);
      deflateEnd(&z);
    }
    const unsigned long crc =
        crc32(0L, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
    const unsigned long offset = out.size();
    const unsigned method = deflated ? 8 : 0;
    u32(out, 0x04034b50);
    u16(out, 20), u16(out, 0), u16(out, method), u16(out, 0), u16(out, 0);
    u32(out, crc), u32(out, body.size()), u32(out, data.size());
    u16(out, static_cast<unsigned>(name.size())), u16(out, 0);
    out += name + body;
    u32(cd, 0x02014b50);
    u16(cd, 20), u16(cd, 20), u16(cd, 0), u16(cd, method), u16(cd, 0), u16(cd, 0);
    u32(cd, crc), u32(cd, body.size()), u32(cd, data.size());
    u16(cd, static_cast<unsigned>(name.size())), u16(cd, 0), u16(cd, 0), u16(cd, 0), u16(cd, 0);
    u32(cd, 0), u32(cd, offset);
    cd += name;
  }
  const unsigned long cd_at = out.size();
  out += cd;
  u32(out, 0x06054b50);
  u16(out, 0), u16(out, 0), u16(out, static_cast<unsigned>(members.size())),
      u16(out, static_cast<unsigned>(members.size()));
  u32(out, cd.size()), u32(out, cd_at), u16(out, 0);
  return out;
}

// A .npy file with any header (descr, fortran_order and shape as text).
std::string npy(const std::string& descr, bool fortran, const std::string& shape,
                const std::string& data) {
  return semra::npy_header("{'descr': '" + descr + "', 'fortran_order': " +
                           (fortran ? "True" : "False") + ", 'shape': " + shape + ", }") +
         data;
}

}  // namespace

TEST(ArrayFile, MatRoundTripIsBitExactInV5AndV73) {
  for (auto version : {semra::MatVersion::v5, semra::MatVersion::v73}) {
    for (bool complex : {false, true}) {
      const NumericArray a = indexed(complex);
      const auto p = temp_file("trace.mat");
      semra::write_mat_arrays(p, {{"H", &a}}, version);
      const NumericArray b = semra::read_array(p, "H", "trace");
      EXPECT_EQ(b.shape, a.shape);
      EXPECT_EQ(b.is_complex, complex);
      EXPECT_FALSE(b.single);
      EXPECT_TRUE(same_bits(b.re, a.re));
      EXPECT_TRUE(same_bits(b.im, a.im));
      EXPECT_EQ(semra::array_names(p, "trace"), std::vector<std::string>{"H"});
      // v7.3 is HDF5 behind a 512-byte MATLAB header; v5 starts its 128-byte header with text.
      const std::string bytes = read_bytes(p);
      if (version == semra::MatVersion::v73)
        EXPECT_EQ(bytes.substr(512, 4), "\x89HDF");
      else
        EXPECT_EQ(bytes.substr(0, 6), "MATLAB");
    }
  }
}

TEST(ArrayFile, MatlabColumnMajorComesBackInLogicalOrder) {
  // A(i, j) of a 2 x 3 MATLAB matrix stored column by column: A = [1 2 3; 4 5 6].
  const auto p = temp_file("m.mat");
  double col[6] = {1, 4, 2, 5, 3, 6};
  float colf[6] = {1, 4, 2, 5, 3, 6};
  std::int32_t ints[6] = {1, 4, 2, 5, 3, 6};
  size_t dims[2] = {2, 3};
  mat_t* mat = Mat_CreateVer(p.c_str(), nullptr, MAT_FT_MAT5);
  ASSERT_NE(mat, nullptr);
  matvar_t* v = Mat_VarCreate("A", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims, col, 0);
  Mat_VarWrite(mat, v, MAT_COMPRESSION_NONE);
  Mat_VarFree(v);
  v = Mat_VarCreate("S", MAT_C_SINGLE, MAT_T_SINGLE, 2, dims, colf, 0);
  Mat_VarWrite(mat, v, MAT_COMPRESSION_ZLIB);
  Mat_VarFree(v);
  v = Mat_VarCreate("I", MAT_C_INT32, MAT_T_INT32, 2, dims, ints, 0);
  Mat_VarWrite(mat, v, MAT_COMPRESSION_NONE);
  Mat_VarFree(v);
  Mat_Close(mat);
  const NumericArray a = semra::read_array(p, "A", "trace");
  EXPECT_EQ(a.shape, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(a.re, (std::vector<double>{1, 2, 3, 4, 5, 6}));
  const NumericArray s = semra::read_array(p, "S", "trace");
  EXPECT_TRUE(s.single);
  EXPECT_EQ(s.re, (std::vector<double>{1, 2, 3, 4, 5, 6}));
  const std::string e = error_of([&] { semra::read_array(p, "I", "trace"); });
  EXPECT_TRUE(has(e, "m.mat") && has(e, "'I'") && has(e, "integer array")) << e;
  const std::string missing = error_of([&] { semra::read_array(p, "H", "trace"); });
  EXPECT_TRUE(has(missing, "'H': not found") && has(missing, "A, S, I")) << missing;
}

TEST(ArrayFile, TruncatedOrCorruptMatIsOneLineInputError) {
  for (auto version : {semra::MatVersion::v5, semra::MatVersion::v73}) {
    const NumericArray a = indexed(true);
    const auto p = temp_file("t.mat");
    semra::write_mat_arrays(p, {{"H", &a}}, version);
    const std::string whole = read_bytes(p);
    for (std::size_t cut = 0; cut < whole.size(); cut += 29) {
      write_bytes(p, whole.substr(0, cut));
      const std::string e = error_of([&] { semra::read_array(p, "H", "channel trace"); });
      EXPECT_TRUE(has(e, "channel trace '") && has(e, "t.mat")) << cut << ": " << e;
      EXPECT_FALSE(has(e, "\n")) << e;
    }
  }
  // Found by fuzz/channel_trace.cpp: 40 bytes with no MATLAB header sent matio to its MATLAB v4
  // reader, which took 14 s on them; refused from the header now.
  const unsigned char v4ish[] = {0x00, 0x00, 0x00, 0x00, 0x60, 0x00, 0xe2, 0x3e, 0x3f, 0xab,
                                 0xcc, 0x94, 0x3d, 0xd6, 0x21, 0x0d, 0x41, 0x30, 0x16, 0x68,
                                 0xe3, 0x88, 0xb5, 0xf8, 0xe4, 0x3e, 0xf0, 0x20, 0x20, 0x20,
                                 0x0a, 0x00, 0x00, 0x20, 0x00, 0xf3, 0xf7, 0xf2, 0xf3, 0xc1};
  const auto v4 = temp_file("v4.mat");
  write_bytes(v4, std::string(reinterpret_cast<const char*>(v4ish), sizeof v4ish));
  EXPECT_TRUE(
      has(error_of([&] { semra::read_array(v4, "H", "trace"); }), "too short for a MATLAB"));
  std::string v4_long(reinterpret_cast<const char*>(v4ish), sizeof v4ish);
  v4_long.append(200, '\x20');
  write_bytes(v4, v4_long);
  EXPECT_TRUE(has(error_of([&] { semra::read_array(v4, "H", "trace"); }),
                  "not a MATLAB v5, v7 or v7.3 .mat file"));
  const auto p = temp_file("junk.mat");
  write_bytes(p, std::string(300, 'x'));
  EXPECT_TRUE(has(error_of([&] { semra::read_array(p, "H", "trace"); }), "junk.mat"));
  EXPECT_TRUE(has(error_of([&] { semra::read_array(p.parent_path() / "none.mat", "H", "trace"); }),
                  "no such file"));
  EXPECT_TRUE(has(error_of([&] { semra::read_array(p.parent_path() / "x.h5", "H", "trace"); }),
                  "expected a .mat, .npz or .npy file"));
}

TEST(ArrayFile, NpyRoundTripAndDtypes) {
  const NumericArray a = indexed(true);
  const NumericArray b = semra::parse_npy(semra::npy_bytes(a), "f.npy", "H");
  EXPECT_EQ(b.shape, a.shape);
  EXPECT_TRUE(b.is_complex);
  EXPECT_TRUE(same_bits(b.re, a.re) && same_bits(b.im, a.im));
  // float32, little- and big-endian; Fortran order.
  float f[6] = {1, 4, 2, 5, 3, 6};
  std::string le(reinterpret_cast<const char*>(f), sizeof f), be;
  for (std::size_t i = 0; i < 6; ++i)
    for (int k = 3; k >= 0; --k) be += le[i * 4 + static_cast<std::size_t>(k)];
  for (const auto& [descr, data] :
       {std::pair{std::string("<f4"), le}, std::pair{std::string(">f4"), be}}) {
    const NumericArray c = semra::parse_npy(npy(descr, true, "(2, 3)", data), "f.npy", "G");
    EXPECT_TRUE(c.single);
    EXPECT_EQ(c.shape, (std::vector<std::size_t>{2, 3}));
    EXPECT_EQ(c.re, (std::vector<double>{1, 2, 3, 4, 5, 6})) << descr;
  }
  const std::string eight(48, '\0');
  EXPECT_TRUE(
      has(error_of([&] { semra::parse_npy(npy("<i8", false, "(2, 3)", eight), "f.npy", "G"); }),
          "dtype 'i8'"));
  EXPECT_TRUE(
      has(error_of([&] { semra::parse_npy(npy("<f8", false, "(2, 4)", eight), "f.npy", "G"); }),
          "needs 64 bytes of data, the file has 48"));
  EXPECT_TRUE(
      has(error_of([&] { semra::parse_npy(npy("<f8", false, "(2, x)", eight), "f.npy", "G"); }),
          "shape"));
  EXPECT_TRUE(
      has(error_of([&] { semra::parse_npy("PK\x03\x04 not npy", "f.npy", "G"); }), "magic"));
  const std::string whole = semra::npy_bytes(a);
  EXPECT_TRUE(
      has(error_of([&] { semra::parse_npy(whole.substr(0, whole.size() - 1), "f.npy", "H"); }),
          "truncated"));
}

TEST(ArrayFile, NpzStoredAndDeflatedMembers) {
  const NumericArray h = indexed(true), g = indexed(false);
  for (bool deflate : {false, true}) {
    const std::string z =
        zip_of({{"G.npy", semra::npy_bytes(g)}, {"H.npy", semra::npy_bytes(h)}}, deflate);
    EXPECT_EQ(semra::npz_names(z, "t.npz"), (std::vector<std::string>{"G", "H"}));
    const NumericArray b = semra::parse_npz(z, "t.npz", "H");
    EXPECT_TRUE(same_bits(b.re, h.re) && same_bits(b.im, h.im));
    EXPECT_TRUE(same_bits(semra::parse_npz(z, "t.npz", "G").re, g.re));
    EXPECT_TRUE(has(error_of([&] { semra::parse_npz(z, "t.npz", "X"); }),
                    "'X': not found (it holds G, H)"));
    // Cut anywhere: refused, never read past the end.
    for (std::size_t cut : {std::size_t{0}, std::size_t{30}, z.size() / 2, z.size() - 1})
      EXPECT_TRUE(has(error_of([&] { semra::parse_npz(z.substr(0, cut), "t.npz", "H"); }), "t.npz"))
          << cut;
    // One flipped byte inside a member's data: the CRC (or the inflater) says so.
    std::string bad = z;
    bad[200] = static_cast<char>(bad[200] ^ 0x5A);
    const std::string e = error_of([&] { semra::parse_npz(bad, "t.npz", "G"); });
    EXPECT_TRUE(has(e, "corrupt")) << e;
  }
  // Through a file on disk.
  const auto p = temp_file("t.npz");
  write_bytes(p, zip_of({{"G.npy", semra::npy_bytes(g)}}, true));
  EXPECT_TRUE(same_bits(semra::read_array(p, "G", "trace").re, g.re));
}

// A .npz written by NumPy itself (numpy.savez and savez_compressed: zip64 local headers, data
// descriptors), kept in the repo: the reader must take what researchers' NumPy writes, not only
// what our test writer makes.
TEST(ArrayFile, ReadsNpzWrittenByNumpy) {
  for (const char* name : {"numpy_savez.npz", "numpy_savez_compressed.npz"}) {
    const fs::path p = fs::path(SEMRA_SOURCE_DIR) / "tests/core/data" / name;
    ASSERT_TRUE(fs::exists(p)) << p;
    const NumericArray h = semra::read_array(p, "H", "trace");
    ASSERT_EQ(h.shape, (std::vector<std::size_t>{2, 3}));
    ASSERT_TRUE(h.is_complex);
    // H = arange(6).reshape(2, 3) * (1 + 2j)
    for (std::size_t i = 0; i < 6; ++i) {
      EXPECT_EQ(h.re[i], static_cast<double>(i));
      EXPECT_EQ(h.im[i], 2.0 * static_cast<double>(i));
    }
    const NumericArray g = semra::read_array(p, "G", "trace");
    ASSERT_EQ(g.shape, (std::vector<std::size_t>{3, 2}));
    EXPECT_TRUE(g.single);
    // arange(6) + 0.5, float32, Fortran order in the file
    EXPECT_EQ(g.re, (std::vector<double>{0.5, 1.5, 2.5, 3.5, 4.5, 5.5}));
  }
}

namespace {

// A v5 .mat file by hand: the 128-byte header, then one variable (an miMATRIX element: array
// flags of class `cls`, int32 dimensions whose tag claims `dims_bytes`, the name "H"), stored as
// is or inside an miCOMPRESSED element.
std::string v5_file(unsigned cls, std::uint32_t dims_bytes, bool compressed) {
  auto u32 = [](std::string& s, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  std::string m;
  u32(m, 6), u32(m, 8), u32(m, cls), u32(m, 0);         // array flags
  u32(m, 5), u32(m, dims_bytes), u32(m, 1), u32(m, 1);  // dimensions [1, 1]
  u32(m, 1 | (1u << 16)), m.append("H\0\0\0", 4);       // the name, a small element
  u32(m, 9), u32(m, 8), m.append(8, '\0');              // one double
  std::string element;
  u32(element, 14), u32(element, static_cast<std::uint32_t>(m.size())), element += m;
  std::string file(116, ' ');
  file.replace(0, 10, "MATLAB 5.0");
  file.append(8, '\0');
  file.append("\x00\x01IM", 4);
  if (!compressed) return file + element;
  uLongf n = compressBound(element.size());
  std::string z(n, '\0');
  compress2(reinterpret_cast<Bytef*>(z.data()), &n, reinterpret_cast<const Bytef*>(element.data()),
            element.size(), 6);
  z.resize(n);
  u32(file, 15), u32(file, static_cast<std::uint32_t>(z.size()));
  return file + z;
}

}  // namespace

// matio sizes what it allocates for a variable's header from the header itself: fuzz/channel_trace
// found a compressed variable whose dimension count made it calloc 4 GB (the file is kept in
// tests/core/data). Each variable's header is now checked against its bytes before matio reads the
// file, whichever function opens it; cells, structs and the like are refused by class.
TEST(ArrayFile, AVariableHeaderClaimingMoreThanItsBytesIsRefusedBeforeMatioReadsIt) {
  const fs::path found = fs::path(SEMRA_SOURCE_DIR) / "tests/core/data/fuzz_mat_header_oom.mat";
  ASSERT_TRUE(fs::exists(found)) << found;
  for (const auto& e : {error_of([&] { semra::read_array(found, "H", "trace"); }),
                        error_of([&] { (void)semra::has_array(found, "G", "trace"); }),
                        error_of([&] { (void)semra::array_names(found, "trace"); })}) {
    EXPECT_TRUE(has(e, "not a whole MATLAB v5 .mat file")) << e;
    EXPECT_FALSE(has(e, "\n")) << e;
  }
  const auto p = temp_file("hand.mat");
  for (const bool compressed : {false, true}) {
    write_bytes(p, v5_file(6, 8, compressed));  // the well-formed file reads
    EXPECT_EQ(semra::read_array(p, "H", "trace").shape, (std::vector<std::size_t>{1, 1}));
    write_bytes(p, v5_file(6, 0x7ffffff0u, compressed));
    EXPECT_TRUE(has(error_of([&] { semra::read_array(p, "H", "trace"); }),
                    "dimensions are not 2 to 64 int32 values"))
        << compressed;
    write_bytes(p, v5_file(6, 6, compressed));
    EXPECT_TRUE(has(error_of([&] { (void)semra::has_array(p, "H", "trace"); }),
                    "dimensions are not 2 to 64 int32 values"))
        << compressed;
    write_bytes(p, v5_file(2, 8, compressed));  // a struct
    EXPECT_TRUE(has(error_of([&] { (void)semra::array_names(p, "trace"); }),
                    "a trace file holds numeric arrays only"))
        << compressed;
  }
}
