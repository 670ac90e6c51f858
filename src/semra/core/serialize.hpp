#pragma once
// A small binary writer and reader for checkpoint state: a scenario writes its full state
// (networks, optimiser states, replay buffers, exploration state, environment state, RNG streams,
// the metrics recorded so far) into bytes and reads them back to continue bit-identically. The
// runner stores the bytes atomically and never looks inside them.
//
// Format: little-endian, no padding, no self-description beyond what the writer puts in. Integers
// and floats are written as their raw bytes, so doubles and floats round-trip exactly (NaN payloads
// and signed zeros included). tag() writes a short section name that the reader checks, so a
// reader that gets out of step with its writer fails with a message naming the section instead of
// silently reading garbage.
//
//   StateWriter w;
//   w.tag("agent");  w.u64(step);  w.rng(explore_rng);  w.vec(replay_rewards);  w.saved(mlp);
//   std::string bytes = w.take();
//
//   StateReader r(bytes, "checkpoint of dhdrl seed 3");
//   r.expect_tag("agent");  step = r.u64();  r.rng(explore_rng);  replay_rewards = r.vec<float>();
//   r.load_into(mlp);  r.expect_end();
#include <bit>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "semra/core/error.hpp"
#include "semra/core/rng.hpp"

namespace semra {

static_assert(std::endian::native == std::endian::little,
              "checkpoint state is little-endian; add byte swapping for this host");

class StateWriter {
 public:
  void raw(const void* p, std::size_t n) {
    if (n > 0)
      buf_.append(static_cast<const char*>(p), n);  // (an empty vector's data() may be null)
  }
  void u8(std::uint8_t v) { raw(&v, 1); }
  void u32(std::uint32_t v) { raw(&v, 4); }
  void u64(std::uint64_t v) { raw(&v, 8); }
  void i64(std::int64_t v) { raw(&v, 8); }
  void f32(float v) { raw(&v, 4); }
  void f64(double v) { raw(&v, 8); }
  void boolean(bool v) { u8(v ? 1 : 0); }
  // Length-prefixed bytes (also for nested records such as a saved network).
  void str(std::string_view s) {
    u64(s.size());
    raw(s.data(), s.size());
  }
  // A section marker checked by StateReader::expect_tag.
  void tag(std::string_view name) { str(name); }
  // Any trivially copyable value (a struct of numbers, an enum).
  template <class T>
  void pod(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    raw(&v, sizeof(T));
  }
  // A vector of trivially copyable values: count, then the raw elements.
  template <class T>
  void vec(const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    u64(v.size());
    raw(v.data(), v.size() * sizeof(T));
  }
  // The generator state of an RNG stream (restore into a stream built from the same seed and name).
  void rng(const Rng& r) {
    for (std::uint64_t w : r.state()) u64(w);
  }
  // An object with `void save(std::ostream&) const` (nn::Mlp, optimisers, replay buffers).
  template <class T>
  void saved(const T& obj) {
    std::ostringstream os(std::ios::binary);
    obj.save(os);
    str(os.str());
  }

  std::size_t size() const { return buf_.size(); }
  const std::string& bytes() const { return buf_; }
  std::string take() { return std::move(buf_); }

 private:
  std::string buf_;
};

class StateReader {
 public:
  // `name` says what is being read, for error messages ("checkpoint of dhdrl seed 3").
  StateReader(std::string_view data, std::string name) : data_(data), name_(std::move(name)) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(name_ + ": " + what + " (at byte " + std::to_string(pos_) + ")");
  }
  void raw(void* p, std::size_t n) {
    if (n > data_.size() - pos_) fail("truncated state (unexpected end of data)");
    if (n == 0) return;  // memcpy with a null pointer is undefined even for 0 bytes
    std::memcpy(p, data_.data() + pos_, n);
    pos_ += n;
  }
  std::uint8_t u8() { return get<std::uint8_t>(); }
  std::uint32_t u32() { return get<std::uint32_t>(); }
  std::uint64_t u64() { return get<std::uint64_t>(); }
  std::int64_t i64() { return get<std::int64_t>(); }
  float f32() { return get<float>(); }
  double f64() { return get<double>(); }
  bool boolean() {
    const auto v = u8();
    if (v > 1) fail("corrupt boolean");
    return v == 1;
  }
  std::string str() {
    const std::uint64_t n = u64();
    if (n > data_.size() - pos_) fail("truncated state (string longer than the data)");
    std::string s(data_.substr(pos_, static_cast<std::size_t>(n)));
    pos_ += static_cast<std::size_t>(n);
    return s;
  }
  void expect_tag(std::string_view name) {
    const std::size_t at = pos_;
    std::string got;
    try {
      got = str();
    } catch (const InputError&) {
      pos_ = at;
      fail("expected section '" + std::string(name) + "'");
    }
    if (got != name) {
      pos_ = at;
      fail("expected section '" + std::string(name) + "', found '" + got.substr(0, 40) + "'");
    }
  }
  template <class T>
  T pod() {
    static_assert(std::is_trivially_copyable_v<T>);
    return get<T>();
  }
  template <class T>
  std::vector<T> vec() {
    static_assert(std::is_trivially_copyable_v<T>);
    const std::uint64_t n = u64();
    // Checked against the bytes present, so a corrupt count cannot allocate unbounded memory.
    if (n > (data_.size() - pos_) / sizeof(T))
      fail("truncated state (vector longer than the data)");
    std::vector<T> v(static_cast<std::size_t>(n));
    raw(v.data(), v.size() * sizeof(T));
    return v;
  }
  // Reads into an existing vector, keeping its capacity (no reallocation when it is large enough).
  template <class T>
  void vec_into(std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    const std::uint64_t n = u64();
    if (n > (data_.size() - pos_) / sizeof(T))
      fail("truncated state (vector longer than the data)");
    v.resize(static_cast<std::size_t>(n));
    raw(v.data(), v.size() * sizeof(T));
  }
  void rng(Rng& r) {
    Rng::State s;
    for (auto& w : s) w = u64();
    r.set_state(s);
  }
  // An object with `void load(std::istream&, std::string_view name)`.
  template <class T>
  void load_into(T& obj) {
    std::istringstream is(str(), std::ios::binary);
    obj.load(is, name_);
  }

  bool at_end() const { return pos_ == data_.size(); }
  void expect_end() const {
    if (!at_end()) fail(std::to_string(data_.size() - pos_) + " unread bytes at the end");
  }
  const std::string& name() const { return name_; }

 private:
  template <class T>
  T get() {
    T v;
    raw(&v, sizeof(T));
    return v;
  }
  std::string_view data_;
  std::size_t pos_ = 0;
  std::string name_;
};

}  // namespace semra
