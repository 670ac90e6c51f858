#pragma once
// The MessagePack writer and reader of the experiment records (docs/outputs.md
// "experiments/*.msgpack"): written directly rather than through a JSON tree, since a
// paper-length experiment pools ~10^6 samples. Internal to experiments/.
#include <bit>
#include <climits>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "semra/core/error.hpp"

namespace semra::detail {

// A MessagePack writer for the record (big-endian, smallest encodings, as the spec asks).
class MsgPack {
 public:
  void map(std::size_t n) { head(n, 0x80, 16, 0xde, 0xdf); }
  void array(std::size_t n) { head(n, 0x90, 16, 0xdc, 0xdd); }
  void str(std::string_view s) {
    if (s.size() < 32) {
      byte(static_cast<std::uint8_t>(0xa0 | s.size()));
    } else if (s.size() < 256) {
      byte(0xd9), be(static_cast<std::uint8_t>(s.size()));
    } else if (s.size() < 65536) {
      byte(0xda), be(static_cast<std::uint16_t>(s.size()));
    } else {
      byte(0xdb), be(static_cast<std::uint32_t>(s.size()));
    }
    out_.append(s.data(), s.size());
  }
  void uint(std::uint64_t v) {
    if (v < 128) {
      byte(static_cast<std::uint8_t>(v));
    } else if (v < 256) {
      byte(0xcc), be(static_cast<std::uint8_t>(v));
    } else if (v < 65536) {
      byte(0xcd), be(static_cast<std::uint16_t>(v));
    } else if (v <= 0xffffffffULL) {
      byte(0xce), be(static_cast<std::uint32_t>(v));
    } else {
      byte(0xcf), be(v);
    }
  }
  void integer(std::int64_t v) {
    if (v >= 0) return uint(static_cast<std::uint64_t>(v));
    if (v >= -32) return byte(static_cast<std::uint8_t>(v));
    if (v >= -128) return byte(0xd0), be(static_cast<std::uint8_t>(v));
    if (v >= -32768) return byte(0xd1), be(static_cast<std::uint16_t>(v));
    if (v >= INT32_MIN) return byte(0xd2), be(static_cast<std::uint32_t>(v));
    byte(0xd3), be(static_cast<std::uint64_t>(v));
  }
  void f64(double v) { byte(0xcb), be(std::bit_cast<std::uint64_t>(v)); }
  void f32(float v) { byte(0xca), be(std::bit_cast<std::uint32_t>(v)); }
  // FNV-1a 64 of every byte before its value, as a uint64 always in its 9-byte form (so the
  // value sits at a fixed offset from the end of the record).
  void checksum() {
    byte(0xcf);
    be(fnv1a64(out_));
  }
  std::string take() { return std::move(out_); }

 private:
  void byte(std::uint8_t b) { out_.push_back(static_cast<char>(b)); }
  template <class U>
  void be(U v) {
    char b[sizeof(U)];
    for (std::size_t i = 0; i < sizeof(U); ++i)
      b[i] = static_cast<char>((v >> (8 * (sizeof(U) - 1 - i))) & 0xff);
    out_.append(b, sizeof(U));
  }
  void head(std::size_t n, std::uint8_t fix, std::size_t fix_max, std::uint8_t t16,
            std::uint8_t t32) {
    if (n < fix_max) {
      byte(static_cast<std::uint8_t>(fix | n));
    } else if (n < 65536) {
      byte(t16), be(static_cast<std::uint16_t>(n));
    } else {
      byte(t32), be(static_cast<std::uint32_t>(n));
    }
  }
  std::string out_;
};

// The reading side, for the records this file writes (and any other MessagePack encoding of
// the same values: every integer and float width is accepted where a number is expected).
class MsgPackReader {
 public:
  MsgPackReader(std::string_view data, std::string what) : d_(data), what_(std::move(what)) {}

  [[noreturn]] void fail(const std::string& why) const {
    throw InputError(what_ + " is corrupt (" + why + " at byte " + std::to_string(pos_) + ")");
  }
  std::size_t map() { return head(0x80, 0x8f, 0xde, 0xdf, "a map"); }
  std::size_t array() { return head(0x90, 0x9f, 0xdc, 0xdd, "an array"); }
  std::string str() {
    const std::uint8_t t = byte();
    std::size_t n = 0;
    if ((t & 0xe0) == 0xa0) {
      n = t & 0x1f;
    } else if (t == 0xd9) {
      n = be<std::uint8_t>();
    } else if (t == 0xda) {
      n = be<std::uint16_t>();
    } else if (t == 0xdb) {
      n = be<std::uint32_t>();
    } else {
      fail("expected a string");
    }
    need(n);
    std::string s(d_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  std::int64_t integer() {
    const std::uint8_t t = byte();
    if (t <= 0x7f) return t;
    if (t >= 0xe0) return static_cast<std::int8_t>(t);
    switch (t) {
      case 0xcc:
        return be<std::uint8_t>();
      case 0xcd:
        return be<std::uint16_t>();
      case 0xce:
        return be<std::uint32_t>();
      case 0xcf: {
        const auto v = be<std::uint64_t>();
        if (v > static_cast<std::uint64_t>(INT64_MAX)) fail("integer out of range");
        return static_cast<std::int64_t>(v);
      }
      case 0xd0:
        return static_cast<std::int8_t>(be<std::uint8_t>());
      case 0xd1:
        return static_cast<std::int16_t>(be<std::uint16_t>());
      case 0xd2:
        return static_cast<std::int32_t>(be<std::uint32_t>());
      case 0xd3:
        return static_cast<std::int64_t>(be<std::uint64_t>());
      default:
        fail("expected an integer");
    }
  }
  std::uint64_t uinteger() {
    if (peek() == 0xcf) {
      byte();
      return be<std::uint64_t>();
    }
    const auto v = integer();
    if (v < 0) fail("expected a non-negative integer");
    return static_cast<std::uint64_t>(v);
  }
  double f64() {
    const std::uint8_t t = peek();
    if (t == 0xcb) return byte(), std::bit_cast<double>(be<std::uint64_t>());
    if (t == 0xca) return byte(), std::bit_cast<float>(be<std::uint32_t>());
    if (t == 0xcf) return byte(), static_cast<double>(be<std::uint64_t>());
    return static_cast<double>(integer());
  }
  float f32() {
    if (peek() == 0xca) return byte(), std::bit_cast<float>(be<std::uint32_t>());
    return static_cast<float>(f64());
  }
  // Skips one value of any type (fields written by another version).
  void skip() {
    const std::uint8_t t = peek();
    if ((t & 0xe0) == 0xa0 || t == 0xd9 || t == 0xda || t == 0xdb) return (void)str();
    if ((t & 0xf0) == 0x80 || t == 0xde || t == 0xdf) {
      for (std::size_t n = map(); n-- > 0;) skip(), skip();
      return;
    }
    if ((t & 0xf0) == 0x90 || t == 0xdc || t == 0xdd) {
      for (std::size_t n = array(); n-- > 0;) skip();
      return;
    }
    if (t == 0xc0 || t == 0xc2 || t == 0xc3) return (void)byte();
    if (t == 0xc4 || t == 0xc5 || t == 0xc6) {
      byte();
      const std::size_t n = t == 0xc4   ? be<std::uint8_t>()
                            : t == 0xc5 ? be<std::uint16_t>()
                                        : be<std::uint32_t>();
      need(n);
      pos_ += n;
      return;
    }
    (void)f64();  // every remaining valid type is a number
  }
  void expect_end() const {
    if (pos_ != d_.size()) fail("trailing bytes");
  }

 private:
  void need(std::size_t n) const {
    if (n > d_.size() - pos_) fail("truncated");
  }
  std::uint8_t peek() const {
    need(1);
    return static_cast<std::uint8_t>(d_[pos_]);
  }
  std::uint8_t byte() {
    const auto b = peek();
    ++pos_;
    return b;
  }
  template <class U>
  U be() {
    need(sizeof(U));
    U v = 0;
    for (std::size_t i = 0; i < sizeof(U); ++i)
      v = static_cast<U>((static_cast<std::uint64_t>(v) << 8) |
                         static_cast<unsigned char>(d_[pos_ + i]));
    pos_ += sizeof(U);
    return v;
  }
  std::size_t head(std::uint8_t fix_lo, std::uint8_t fix_hi, std::uint8_t t16, std::uint8_t t32,
                   const char* what) {
    const std::uint8_t t = byte();
    std::size_t n = 0;
    if (t >= fix_lo && t <= fix_hi) {
      n = t & 0x0f;
    } else if (t == t16) {
      n = be<std::uint16_t>();
    } else if (t == t32) {
      n = be<std::uint32_t>();
    } else {
      fail(std::string("expected ") + what);
    }
    // Every element takes at least one byte: a corrupt count cannot make us allocate wildly.
    need(n);
    return n;
  }
  std::string_view d_;
  std::size_t pos_ = 0;
  std::string what_;
};

}  // namespace semra::detail
