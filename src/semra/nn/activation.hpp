#pragma once
// Element-wise activations. Derivatives are written in terms of the activation's OUTPUT y, so the
// MLP only needs to cache post-activation values for backward:
//   relu:     y = max(0, x),  dy/dx = [y > 0]   (0 at the kink, as PyTorch)
//   tanh:     y = tanh(x),    dy/dx = 1 - y^2
//   identity: y = x,          dy/dx = 1
#include <cstdint>
#include <string>
#include <string_view>

#include "semra/nn/tensor.hpp"

namespace semra::nn {

enum class Activation : std::uint8_t { Identity = 0, Relu = 1, Tanh = 2 };

std::string_view to_string(Activation a);
// Accepts "identity", "relu", "tanh"; throws semra::InputError naming the valid values otherwise.
Activation parse_activation(std::string_view name);

// act'(.) at one point, from the activation's output y.
inline float activation_derivative(Activation a, float y) {
  switch (a) {
    case Activation::Relu:
      return y > 0.0f ? 1.0f : 0.0f;
    case Activation::Tanh:
      return 1.0f - y * y;
    case Activation::Identity:
      break;
  }
  return 1.0f;
}

// In place: z <- act(z).
void apply_activation(Activation a, Eigen::Ref<Matrix> z);
// In place: grad <- grad * act'(.) where act' is evaluated from the activation's output y.
void activation_backward(Activation a, const Eigen::Ref<const Matrix>& y, Eigen::Ref<Matrix> grad);

}  // namespace semra::nn
