// The NN kernels of one instruction-set variant. CMakeLists.txt compiles this file once per variant
// with that variant's flags (-march=x86-64-v3, -march=x86-64-v4, ...) and SEMRA_ISA_NS set to its
// namespace, then makes every symbol of the object local except SEMRA_ISA_NS::kernels(): the Eigen
// templates instantiated here exist once per variant and never meet the others' (decisions.md,
// "ISA variants"). Do not include semra headers that use Eigen types in their interfaces: only raw
// pointers cross to the rest of the library.
//
// The baseline variant must give exactly the numbers of the code it replaced (Mlp's Eigen
// expressions at default flags), so every kernel is the same Eigen expression in every variant;
// the variants differ only in what the compiler and Eigen make of it.
#include <Eigen/Core>

#include "semra/nn/kernels.hpp"

#ifndef SEMRA_ISA_NS
#error "SEMRA_ISA_NS must name the variant's namespace (set by CMakeLists.txt)"
#endif

namespace semra::nn::SEMRA_ISA_NS {

namespace {

using Index = Kernels::Index;
using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatMap = Eigen::Map<Mat>;
using CMatMap = Eigen::Map<const Mat>;
using CVecMap = Eigen::Map<const Eigen::VectorXf>;
using VecMap = Eigen::Map<Eigen::VectorXf>;

// Values of semra::nn::Activation (activation.hpp, which this file must not include).
constexpr std::uint8_t kRelu = 1, kTanh = 2;

void dense_forward(const float* x, Index rows, Index in, const float* w, const float* b, Index out,
                   std::uint8_t act, float* y) {
  MatMap Y(y, rows, out);
  Y.noalias() = CMatMap(x, rows, in) * CMatMap(w, out, in).transpose();
  Y.rowwise() += CVecMap(b, out).transpose();
  if (act == kRelu)
    Y = Y.cwiseMax(0.0f);
  else if (act == kTanh)
    Y = Y.array().tanh();
}

void activation_backward(std::uint8_t act, const float* y, float* delta, Index n) {
  CMatMap Y(y, 1, n);
  MatMap D(delta, 1, n);
  if (act == kRelu)
    D = (Y.array() > 0.0f).select(D, 0.0f);
  else if (act == kTanh)
    D.array() *= 1.0f - Y.array().square();
}

void dense_param_grad(const float* delta, Index rows, Index out, const float* x, Index in,
                      float* wg, float* bg, bool accumulate) {
  const CMatMap D(delta, rows, out), X(x, rows, in);
  MatMap WG(wg, out, in);
  VecMap BG(bg, out);
  if (accumulate) {
    WG.noalias() += D.transpose() * X;
    BG += D.colwise().sum().transpose();
  } else {
    WG.noalias() = D.transpose() * X;
    BG = D.colwise().sum().transpose();
  }
}

void dense_input_grad(const float* delta, Index rows, Index out, const float* w, Index in,
                      float* dx) {
  MatMap(dx, rows, in).noalias() = CMatMap(delta, rows, out) * CMatMap(w, out, in);
}

}  // namespace

__attribute__((visibility("default"))) const Kernels& kernels() {
  static constexpr Kernels k{dense_forward, activation_backward, dense_param_grad,
                             dense_input_grad};
  return k;
}

}  // namespace semra::nn::SEMRA_ISA_NS
