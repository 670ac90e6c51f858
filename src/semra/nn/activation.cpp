#include "semra/nn/activation.hpp"

#include "semra/core/error.hpp"

namespace semra::nn {

std::string_view to_string(Activation a) {
  switch (a) {
    case Activation::Identity:
      return "identity";
    case Activation::Relu:
      return "relu";
    case Activation::Tanh:
      return "tanh";
  }
  return "?";
}

Activation parse_activation(std::string_view name) {
  if (name == "identity") return Activation::Identity;
  if (name == "relu") return Activation::Relu;
  if (name == "tanh") return Activation::Tanh;
  throw InputError("unknown activation '" + std::string(name) +
                   "' (expected one of: identity, relu, tanh)");
}

void apply_activation(Activation a, Eigen::Ref<Matrix> z) {
  switch (a) {
    case Activation::Identity:
      return;
    case Activation::Relu:
      z = z.cwiseMax(0.0f);
      return;
    case Activation::Tanh:
      z = z.array().tanh();
      return;
  }
}

void activation_backward(Activation a, const Eigen::Ref<const Matrix>& y, Eigen::Ref<Matrix> grad) {
  switch (a) {
    case Activation::Identity:
      return;
    case Activation::Relu:
      grad = (y.array() > 0.0f).select(grad, 0.0f);
      return;
    case Activation::Tanh:
      grad.array() *= 1.0f - y.array().square();
      return;
  }
}

}  // namespace semra::nn
