// TensorBoard event files: the CRC32C against published test vectors, and what we write decoded by
// a reader written here from the format's definition (independent of src/'s reader): record
// framing, both masked CRCs, the Event and Summary fields.
#include "semra/experiments/tensorboard.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "semra/core/error.hpp"

namespace tb = semra::tensorboard;

namespace {

// Bit-at-a-time CRC32C, the definition (no table).
std::uint32_t crc32c_reference(const std::string& data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::uint32_t mask(std::uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

template <class T>
T le(const std::string& b, std::size_t at) {
  T v;
  std::memcpy(&v, b.data() + at, sizeof(T));
  return v;
}

struct Decoded {
  double wall_time = -1;
  std::int64_t step = -1;
  std::string file_version;
  std::vector<std::pair<std::string, float>> values;
};

std::uint64_t varint(const std::string& b, std::size_t& p) {
  std::uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    const auto c = static_cast<unsigned char>(b.at(p++));
    v |= std::uint64_t(c & 0x7F) << shift;
    if (!(c & 0x80)) return v;
  }
}

// Only the fields and wire types the format defines for them.
Decoded decode_event(const std::string& e) {
  Decoded d;
  std::size_t p = 0;
  while (p < e.size()) {
    const auto key = varint(e, p);
    if (key == (1 << 3 | 1)) {
      d.wall_time = le<double>(e, p), p += 8;
    } else if (key == (2 << 3 | 0)) {
      d.step = static_cast<std::int64_t>(varint(e, p));
    } else if (key == (3 << 3 | 2)) {
      const auto n = varint(e, p);
      d.file_version = e.substr(p, n), p += n;
    } else if (key == (5 << 3 | 2)) {
      const auto n = varint(e, p);
      const std::string summary = e.substr(p, n);
      p += n;
      std::size_t q = 0;
      while (q < summary.size()) {
        EXPECT_EQ(varint(summary, q), 1u << 3 | 2) << "Summary.value";
        const auto m = varint(summary, q);
        const std::string value = summary.substr(q, m);
        q += m;
        std::size_t r = 0;
        std::pair<std::string, float> tv;
        while (r < value.size()) {
          const auto k = varint(value, r);
          if (k == (1 << 3 | 2)) {
            const auto len = varint(value, r);
            tv.first = value.substr(r, len), r += len;
          } else {
            EXPECT_EQ(k, 2u << 3 | 5) << "Value.simple_value";
            tv.second = le<float>(value, r), r += 4;
          }
        }
        d.values.push_back(tv);
      }
    } else {
      ADD_FAILURE() << "unexpected field key " << key;
      return d;
    }
  }
  return d;
}

// Splits framed records, checking both CRCs.
std::vector<std::string> records(const std::string& file) {
  std::vector<std::string> out;
  std::size_t p = 0;
  while (p < file.size()) {
    EXPECT_GE(file.size() - p, 16u);
    const auto len = le<std::uint64_t>(file, p);
    EXPECT_EQ(le<std::uint32_t>(file, p + 8), mask(crc32c_reference(file.substr(p, 8))));
    const std::string data = file.substr(p + 12, len);
    EXPECT_EQ(le<std::uint32_t>(file, p + 12 + len), mask(crc32c_reference(data)));
    out.push_back(data);
    p += 12 + len + 4;
  }
  return out;
}

}  // namespace

TEST(TensorBoard, Crc32cMatchesPublishedTestVectors) {
  // "123456789" (the CRC catalogue's check value) and RFC 3720 appendix B.4.
  EXPECT_EQ(tb::crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(tb::crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(tb::crc32c(std::string(32, '\xFF')), 0x62A8AB43u);
  std::string ascending;
  for (int i = 0; i < 32; ++i) ascending += static_cast<char>(i);
  EXPECT_EQ(tb::crc32c(ascending), 0x46DD794Eu);
  EXPECT_EQ(tb::crc32c(ascending), crc32c_reference(ascending));
  // Continuing a CRC over pieces gives the CRC of the whole.
  EXPECT_EQ(tb::crc32c("6789", tb::crc32c("12345")), 0xE3069283u);
  EXPECT_EQ(tb::masked_crc32c("123456789"), mask(0xE3069283u));
}

TEST(TensorBoard, ScalarEventHasTheExactProtobufBytes) {
  // Event{wall_time: 1.5, step: 3, summary{value{tag: "qoe", simple_value: 0.25}}}, encoded by
  // hand from event.proto / summary.proto field numbers.
  const std::string expected(
      "\x09\x00\x00\x00\x00\x00\x00\xF8\x3F"  // 1: wall_time, fixed64
      "\x10\x03"                              // 2: step, varint
      "\x2A\x0C"                              // 5: summary, 12 bytes
      "\x0A\x0A"                              // 1: value, 10 bytes
      "\x0A\x03qoe"                           // 1: tag
      "\x15\x00\x00\x80\x3E",                 // 2: simple_value, fixed32
      25);
  EXPECT_EQ(tb::scalars_event(1.5, 3, {"qoe"}, {0.25}), expected);
}

TEST(TensorBoard, WrittenRecordsDecodeToTheirFields) {
  std::string file = tb::record(tb::file_version_event(1700000000.25));
  const std::vector<std::string> tags{"qoe", "sinr_db", "k"};
  for (std::int64_t step = 0; step < 300; step += 10)
    file += tb::record(tb::scalars_event(1700000001.0 + step, step, tags,
                                         {0.5 + step * 1e-3, -3.25 * step, 1e6 + step}));
  const auto recs = records(file);
  ASSERT_EQ(recs.size(), 31u);
  const auto first = decode_event(recs[0]);
  EXPECT_EQ(first.file_version, "brain.Event:2");
  EXPECT_DOUBLE_EQ(first.wall_time, 1700000000.25);
  for (std::size_t i = 1; i < recs.size(); ++i) {
    const auto e = decode_event(recs[i]);
    const std::int64_t step = static_cast<std::int64_t>(i - 1) * 10;
    EXPECT_EQ(e.step, step);
    EXPECT_DOUBLE_EQ(e.wall_time, 1700000001.0 + step);
    ASSERT_EQ(e.values.size(), 3u);
    EXPECT_EQ(e.values[0].first, "qoe");
    EXPECT_EQ(e.values[1].first, "sinr_db");
    EXPECT_EQ(e.values[2].first, "k");
    EXPECT_EQ(e.values[0].second, static_cast<float>(0.5 + step * 1e-3));
    EXPECT_EQ(e.values[1].second, static_cast<float>(-3.25 * step));
    EXPECT_EQ(e.values[2].second, static_cast<float>(1e6 + step));
  }
  // Our own reader (used to cut files on --resume) agrees.
  const auto events = tb::read_events(file, "test");
  ASSERT_EQ(events.size(), 31u);
  EXPECT_EQ(events[0].file_version, "brain.Event:2");
  EXPECT_EQ(events[30].step, 290);
  EXPECT_EQ(events[30].scalars[1], (std::pair<std::string, float>{"sinr_db", -3.25f * 290}));
  EXPECT_EQ(events.back().end_offset, file.size());
}

TEST(TensorBoard, LargeStepsUseMultiByteVarints) {
  const auto e = decode_event(tb::scalars_event(0, 123456789012LL, {"x"}, {1}));
  EXPECT_EQ(e.step, 123456789012LL);
}

TEST(TensorBoard, ReaderRejectsCorruptionAndStopsAtATornRecord) {
  std::string file = tb::record(tb::file_version_event(1));
  file += tb::record(tb::scalars_event(2, 7, {"a"}, {1}));
  // A killed writer leaves part of a record: the complete ones are read.
  const std::string torn = file + tb::record(tb::scalars_event(3, 8, {"a"}, {2})).substr(0, 20);
  EXPECT_EQ(tb::read_events(torn, "torn").size(), 2u);
  // A flipped bit in the data fails its CRC; one in the length fails the length's CRC.
  std::string bad = file;
  bad[bad.size() - 6] ^= 0x01;
  EXPECT_THROW(tb::read_events(bad, "bad"), semra::InputError);
  bad = file;
  bad[0] ^= 0x01;
  EXPECT_THROW(tb::read_events(bad, "bad"), semra::InputError);
}

TEST(TensorBoard, FileNameFollowsTensorFlow) {
  const std::string n = tb::event_file_name(1700000000.9);
  EXPECT_EQ(n.rfind("events.out.tfevents.1700000000.", 0), 0u) << n;
  EXPECT_GT(n.size(), std::string("events.out.tfevents.1700000000.").size());
}
