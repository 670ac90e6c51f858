#include "semra/experiments/tensorboard.hpp"

#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "semra/core/error.hpp"

namespace semra::tensorboard {
namespace {

constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1U) ? (c >> 1) ^ 0x82F63B78U : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto kCrcTable = make_crc_table();

// ---- protocol buffer wire format (https://protobuf.dev/programming-guides/encoding/) ----
enum Wire : std::uint32_t { kVarint = 0, kFixed64 = 1, kBytes = 2, kFixed32 = 5 };

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}
void put_key(std::string& out, std::uint32_t field, Wire wire) {
  put_varint(out, field << 3 | wire);
}
template <class T>
void put_le(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));  // x86-64 and aarch64 are little endian, as the format is
  out.append(b, sizeof(T));
}
void put_bytes(std::string& out, std::uint32_t field, std::string_view s) {
  put_key(out, field, kBytes);
  put_varint(out, s.size());
  out.append(s);
}

// Field numbers of tensorflow/core/util/event.proto and framework/summary.proto.
constexpr std::uint32_t kEventWallTime = 1, kEventStep = 2, kEventFileVersion = 3,
                        kEventSummary = 5;
constexpr std::uint32_t kSummaryValue = 1;
constexpr std::uint32_t kValueTag = 1, kValueSimpleValue = 2;

// Reads protocol buffer fields from a byte range; throws on malformed input.
class Fields {
 public:
  Fields(std::string_view b, const std::string& what) : b_(b), what_(what) {}
  bool next() {
    if (pos_ >= b_.size()) return false;
    const std::uint64_t key = varint();
    field = static_cast<std::uint32_t>(key >> 3);
    wire = static_cast<std::uint32_t>(key & 7);
    switch (wire) {
      case kVarint:
        value = varint();
        break;
      case kFixed64:
        bytes = take(8);
        break;
      case kFixed32:
        bytes = take(4);
        break;
      case kBytes:
        bytes = take(varint());
        break;
      default:
        fail("unsupported wire type " + std::to_string(wire));
    }
    return true;
  }
  template <class T>
  T fixed() const {
    T v;
    if (bytes.size() != sizeof(T)) fail("wrong field width");
    std::memcpy(&v, bytes.data(), sizeof(T));
    return v;
  }
  [[noreturn]] void fail(const std::string& why) const {
    throw InputError(what_ + ": malformed Event (" + why + ")");
  }

  std::uint32_t field = 0, wire = 0;
  std::uint64_t value = 0;
  std::string_view bytes;

 private:
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= b_.size()) fail("truncated varint");
      const auto c = static_cast<unsigned char>(b_[pos_++]);
      v |= static_cast<std::uint64_t>(c & 0x7F) << shift;
      if (!(c & 0x80)) return v;
    }
    fail("varint too long");
  }
  std::string_view take(std::uint64_t n) {
    if (n > b_.size() - pos_) fail("field runs past the record");
    const auto s = b_.substr(pos_, static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return s;
  }
  std::string_view b_;
  std::size_t pos_ = 0;
  const std::string& what_;
};

std::uint32_t le32(std::string_view b, std::size_t at) {
  std::uint32_t v;
  std::memcpy(&v, b.data() + at, 4);
  return v;
}

}  // namespace

std::uint32_t crc32c(std::string_view data, std::uint32_t crc) {
  crc = ~crc;
  for (unsigned char c : data) crc = kCrcTable[(crc ^ c) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

std::uint32_t masked_crc32c(std::string_view data) {
  const std::uint32_t crc = crc32c(data);
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8U;
}

std::string record(std::string_view data) {
  std::string out;
  out.reserve(data.size() + 16);
  put_le<std::uint64_t>(out, data.size());
  put_le<std::uint32_t>(out, masked_crc32c(out));
  out.append(data);
  put_le<std::uint32_t>(out, masked_crc32c(data));
  return out;
}

std::string file_version_event(double wall_time_s) {
  std::string e;
  put_key(e, kEventWallTime, kFixed64);
  put_le<double>(e, wall_time_s);
  put_bytes(e, kEventFileVersion, "brain.Event:2");
  return e;
}

std::string scalars_event(double wall_time_s, std::int64_t step,
                          const std::vector<std::string>& tags, const std::vector<double>& values) {
  std::string summary;
  for (std::size_t i = 0; i < tags.size() && i < values.size(); ++i) {
    std::string v;
    put_bytes(v, kValueTag, tags[i]);
    put_key(v, kValueSimpleValue, kFixed32);
    put_le<float>(v, static_cast<float>(values[i]));
    put_bytes(summary, kSummaryValue, v);
  }
  std::string e;
  put_key(e, kEventWallTime, kFixed64);
  put_le<double>(e, wall_time_s);
  put_key(e, kEventStep, kVarint);
  put_varint(e, static_cast<std::uint64_t>(step));  // int64: two's complement, as protobuf does
  put_bytes(e, kEventSummary, summary);
  return e;
}

std::vector<Event> read_events(std::string_view bytes, const std::string& what) {
  std::vector<Event> out;
  std::size_t pos = 0;
  while (bytes.size() - pos >= 12) {
    const std::string where = what + " at byte " + std::to_string(pos);
    std::uint64_t len;
    std::memcpy(&len, bytes.data() + pos, 8);
    if (le32(bytes, pos + 8) != masked_crc32c(bytes.substr(pos, 8)))
      throw InputError(where + ": record length fails its CRC32C");
    if (len > bytes.size() - pos - 12 || bytes.size() - pos - 12 - len < 4) break;  // truncated
    const auto data = bytes.substr(pos + 12, static_cast<std::size_t>(len));
    if (le32(bytes, pos + 12 + len) != masked_crc32c(data))
      throw InputError(where + ": record data fails its CRC32C");
    Event e;
    Fields f(data, where);
    while (f.next()) {
      if (f.field == kEventWallTime && f.wire == kFixed64) e.wall_time_s = f.fixed<double>();
      if (f.field == kEventStep && f.wire == kVarint) e.step = static_cast<std::int64_t>(f.value);
      if (f.field == kEventFileVersion && f.wire == kBytes) e.file_version = f.bytes;
      if (f.field == kEventSummary && f.wire == kBytes) {
        Fields s(f.bytes, where);
        while (s.next()) {
          if (s.field != kSummaryValue || s.wire != kBytes) continue;
          Fields v(s.bytes, where);
          std::pair<std::string, float> scalar{"", 0.0f};
          while (v.next()) {
            if (v.field == kValueTag && v.wire == kBytes) scalar.first = v.bytes;
            if (v.field == kValueSimpleValue && v.wire == kFixed32)
              scalar.second = v.fixed<float>();
          }
          e.scalars.push_back(std::move(scalar));
        }
      }
    }
    pos += 12 + static_cast<std::size_t>(len) + 4;
    e.end_offset = pos;
    out.push_back(std::move(e));
  }
  return out;
}

std::string event_file_name(double wall_time_s) {
  char host[256] = "localhost";
  if (::gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "localhost");
  host[sizeof host - 1] = '\0';
  char buf[64];
  std::snprintf(buf, sizeof buf, "%010lld", static_cast<long long>(wall_time_s));
  return std::string("events.out.tfevents.") + buf + "." + host;
}

double wall_time_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace semra::tensorboard
