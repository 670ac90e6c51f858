#pragma once
// Size of a network without building it, for memory estimates (experiments/limits.hpp).
#include <cstddef>
#include <vector>

namespace semra::nn {

// Weights and biases of an Mlp with these layer sizes (input, hidden..., output); a double, so
// that absurd sizes cannot overflow.
inline double parameter_count(const std::vector<double>& sizes) {
  double n = 0;
  for (std::size_t i = 1; i < sizes.size(); ++i) n += (sizes[i - 1] + 1) * sizes[i];
  return n;
}

}  // namespace semra::nn
