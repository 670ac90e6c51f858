#pragma once
// FNV-1a 64, the one checksum of semra's stored files (models, optimiser and replay records,
// checkpoints, experiment records) and the name hash of the RNG streams. Not cryptographic: it
// detects corruption (a flipped bit, a truncated or spliced file), not tampering.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace semra {

// Incremental: feed bytes in any pieces, read value() at any time.
class Fnv1a64 {
 public:
  void add(const void* data, std::size_t n) {
    const auto* c = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) h_ = (h_ ^ c[i]) * kPrime;
  }
  constexpr void add(std::string_view s) {
    for (char c : s) h_ = (h_ ^ static_cast<unsigned char>(c)) * kPrime;
  }
  constexpr std::uint64_t value() const { return h_; }

 private:
  static constexpr std::uint64_t kPrime = 0x100000001b3ULL;
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

constexpr std::uint64_t fnv1a64(std::string_view s) {
  Fnv1a64 h;
  h.add(s);
  return h.value();
}

}  // namespace semra
