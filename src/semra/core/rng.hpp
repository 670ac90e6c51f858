#pragma once
// Random streams. Every random component of an experiment draws from its own stream, derived from
// (experiment seed, component name), so adding a draw in one component never shifts another's.
//
// Generator: xoshiro256** (Blackman & Vigna), state seeded by splitmix64 from
// key = splitmix64(seed) ^ fnv1a64(name). All distributions are implemented here (not <random>'s
// distributions, whose algorithms differ between standard libraries), so a seed gives the same
// numbers with any compiler.
#include <array>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "semra/core/checksum.hpp"

namespace semra {

constexpr std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class Rng {
 public:
  using State = std::array<std::uint64_t, 4>;

  Rng() : Rng(0, "default") {}
  Rng(std::uint64_t seed, std::string_view name) {
    std::uint64_t s = seed;
    key_ = splitmix64(s) ^ fnv1a64(name);
    std::uint64_t x = key_;
    for (auto& w : s_) w = splitmix64(x);
  }

  // A stream for a sub-component (e.g. "agent3"), independent of this stream's draws so far.
  Rng child(std::string_view name) const { return Rng(key_, name); }
  Rng child(std::string_view name, std::uint64_t index) const {
    return Rng(key_ ^ (index * 0x9e3779b97f4a7c15ULL + 1), name);
  }

  std::uint64_t next_u64() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Skips n draws of next_u64 (uniform() and normal() use one per value): a stream split into
  // parts that are computed at once (WorkTeam) starts each part where the serial loop would be.
  void discard(std::uint64_t n) {
    for (std::uint64_t i = 0; i < n; ++i) next_u64();
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  double uniform(double a, double b) { return a + (b - a) * uniform(); }

  // Uniform integer in [0, n), unbiased (Lemire's multiply-and-reject). n must be > 0.
  int uniform_int(int n) {
    const std::uint64_t range = static_cast<std::uint64_t>(n);
    std::uint64_t x = next_u64() >> 32;
    std::uint64_t m = x * range;
    std::uint32_t low = static_cast<std::uint32_t>(m);
    if (low < range) {
      const std::uint32_t threshold =
          static_cast<std::uint32_t>(-static_cast<std::uint32_t>(range) % range);
      while (low < threshold) {
        x = next_u64() >> 32;
        m = x * range;
        low = static_cast<std::uint32_t>(m);
      }
    }
    return static_cast<int>(m >> 32);
  }

  // Standard normal by Box-Muller (one value per call; no cached spare, so the state is just s_).
  double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.14159265358979323846 * u2);
  }
  double normal(double mean, double stddev) { return mean + stddev * normal(); }

  // Exponential with mean 1.
  double exponential() { return -std::log(1.0 - uniform()); }

  const State& state() const { return s_; }
  void set_state(const State& s) { s_ = s; }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t key_ = 0;
  State s_{};
};

}  // namespace semra
