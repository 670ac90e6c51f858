// An embeddings file (semantic.embeddings): every vector accepted must have the declared dimension
// and finite entries, since the ISS metric (eq. 6) divides by their norms.
#include <cmath>

#include "fuzz.hpp"
#include "semra/semantic/embeddings.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  semra::fuzz::expect_input_errors_only([&] {
    const auto e = semra::semantic::parse_embeddings(semra::fuzz::text(data, size), "e.json");
    semra::fuzz::require(e.dim >= 1, "accepted dim < 1");
    for (const auto* table : {&e.images, &e.triples})
      for (const auto& [key, v] : *table) {
        semra::fuzz::require(static_cast<int>(v.size()) == e.dim, "vector of the wrong size");
        for (double x : v) semra::fuzz::require(std::isfinite(x), "accepted a non-finite entry");
      }
  });
  return 0;
}
