#pragma once
// Little-endian binary records with a running FNV-1a 64 checksum, shared by the model, optimiser
// and replay-buffer formats. A record is: 8-byte magic, u32 version, payload, u64 FNV-1a of every
// byte before the checksum. Readers throw semra::InputError("<name>: <what>") on any problem, so a
// caller can report one clear line that names the file.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <istream>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "semra/core/checksum.hpp"
#include "semra/core/error.hpp"

namespace semra::nn {

static_assert(std::endian::native == std::endian::little,
              "semra's binary formats are little-endian; add byte swapping for this host");

class BinaryWriter {
 public:
  explicit BinaryWriter(std::ostream& os) : os_(os) {}
  void bytes(const void* p, std::size_t n) {
    hash_.add(p, n);
    os_.write(static_cast<const char*>(p), static_cast<std::streamsize>(n));
  }
  void u8(std::uint8_t v) { bytes(&v, 1); }
  void u32(std::uint32_t v) { bytes(&v, 4); }
  void u64(std::uint64_t v) { bytes(&v, 8); }
  void f32(float v) { bytes(&v, 4); }
  void f64(double v) { bytes(&v, 8); }
  void floats(const float* p, std::size_t n) { bytes(p, n * sizeof(float)); }
  // Writes the checksum of everything written so far (not itself hashed).
  void checksum() {
    const std::uint64_t h = hash_.value();
    os_.write(reinterpret_cast<const char*>(&h), 8);
  }

 private:
  std::ostream& os_;
  Fnv1a64 hash_;
};

class BinaryReader {
 public:
  BinaryReader(std::istream& is, std::string_view name) : is_(is), name_(name) {}
  [[noreturn]] void fail(const std::string& what) const { throw InputError(name_ + ": " + what); }
  void bytes(void* p, std::size_t n) {
    is_.read(static_cast<char*>(p), static_cast<std::streamsize>(n));
    if (static_cast<std::size_t>(is_.gcount()) != n)
      fail("truncated file (unexpected end of data)");
    hash_.add(p, n);
  }
  std::uint8_t u8() { return get<std::uint8_t>(); }
  std::uint32_t u32() { return get<std::uint32_t>(); }
  std::uint64_t u64() { return get<std::uint64_t>(); }
  float f32() { return get<float>(); }
  double f64() { return get<double>(); }
  // Reads n floats in bounded chunks, so a corrupted count cannot make us allocate more memory than
  // the data actually present.
  void floats(std::vector<float>& out, std::uint64_t n) {
    out.clear();
    constexpr std::uint64_t kChunk = 1 << 16;
    while (out.size() < n) {
      const std::size_t k =
          static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, n - out.size()));
      const std::size_t at = out.size();
      out.resize(at + k);
      bytes(out.data() + at, k * sizeof(float));
    }
  }
  // Checks the 8-byte magic; `what` names the expected kind of file for the message.
  void magic(const char (&expected)[9], std::string_view what) {
    char m[8];
    bytes(m, 8);
    if (std::memcmp(m, expected, 8) != 0) fail("not a " + std::string(what) + " (bad magic)");
  }
  void version(std::uint32_t supported) {
    const std::uint32_t v = u32();
    if (v != supported)
      fail("unsupported format version " + std::to_string(v) + " (this build reads version " +
           std::to_string(supported) + ")");
  }
  // Reads the stored checksum and compares it with the hash of everything read before it.
  void checksum() {
    const std::uint64_t expected = hash_.value();
    std::uint64_t stored = 0;
    is_.read(reinterpret_cast<char*>(&stored), 8);
    if (is_.gcount() != 8) fail("truncated file (checksum missing)");
    if (stored != expected) fail("checksum mismatch (file corrupted)");
  }
  const std::string& name() const { return name_; }

 private:
  template <class T>
  T get() {
    T v;
    bytes(&v, sizeof v);
    return v;
  }
  std::istream& is_;
  std::string name_;
  Fnv1a64 hash_;
};

}  // namespace semra::nn
