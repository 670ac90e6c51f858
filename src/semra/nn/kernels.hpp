#pragma once
// The NN engine's hot loops, one table of function pointers per instruction-set variant
// (semra/core/isa.hpp). Each variant is the same source (src/semra/nn/isa/kernels_impl.cpp)
// compiled with its own target flags into its own namespace, and linked with every symbol but its
// entry point made local, so Eigen templates instantiated with AVX-512 can never be picked by the
// linker for the baseline code (docs/decisions.md, "ISA variants"). Only raw pointers and sizes
// cross this interface: Eigen types assume alignments that differ between the variants.
#include <cstddef>
#include <cstdint>

#include "semra/core/isa.hpp"

namespace semra::nn {

struct Kernels {
  using Index = std::ptrdiff_t;
  // y (rows x out) = act(x (rows x in) W^T + b); W row-major out x in, b out floats, act an
  // Activation. y must not overlap x.
  void (*dense_forward)(const float* x, Index rows, Index in, const float* w, const float* b,
                        Index out, std::uint8_t act, float* y);
  // delta (n floats) *= act'(y), with the derivative written from the activation's output y.
  void (*activation_backward)(std::uint8_t act, const float* y, float* delta, Index n);
  // wg (out x in) = delta^T x and bg (out) = the column sums of delta, or += both when accumulate;
  // delta rows x out, x rows x in.
  void (*dense_param_grad)(const float* delta, Index rows, Index out, const float* x, Index in,
                           float* wg, float* bg, bool accumulate);
  // dx (rows x in) = delta (rows x out) W (out x in).
  void (*dense_input_grad)(const float* delta, Index rows, Index out, const float* w, Index in,
                           float* dx);
};

// The active variant's table (active_isa()).
const Kernels& active_kernels();
// A given variant's table; throws std::invalid_argument when this build does not contain it.
const Kernels& kernels_for(Isa isa);

}  // namespace semra::nn
