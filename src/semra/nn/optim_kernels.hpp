#pragma once
// Element-wise update loops of the Adam and RMSprop optimisers (optim.hpp has the formulas), in
// several instruction sets chosen at run time: every path performs the same IEEE single-precision
// operations in the same order (no fused multiply-add), so all give bit-identical results and the
// choice only changes speed. The step is bound by the divider (a sqrt and a division per
// parameter), which AVX doubles in width. Default compiler flags (x86-64 = SSE2) stay the build
// baseline; AVX is used only when the CPU and OS support it.
//
// We do not use Eigen's .sqrt() for these: with EIGEN_FAST_MATH (Eigen's default) its SSE/AVX float
// sqrt is an rsqrt approximation, whereas PyTorch's is the correctly rounded one.
#include <Eigen/Core>

namespace semra::nn::kernels {

enum class Isa { Scalar, Sse2, Avx };
// The fastest path this CPU supports.
Isa best_isa();
bool isa_supported(Isa isa);

struct RmsPropArgs {
  float alpha, lr, eps, weight_decay;
  bool eps_inside_sqrt;
};
// Per element, with g' = g + weight_decay * p:
//   v <- alpha v + (1 - alpha) g'^2
//   p <- p - lr (g' / (sqrt(v) + eps))      [or sqrt(v + eps) when eps_inside_sqrt]
// except that p is left untouched where g' == 0 (the update is 0 there; skipping it saves the sqrt
// and the division for the zero-gradient rows that are common in practice, e.g. the output rows of
// untaken DQN actions and dead ReLU units). This equals PyTorch's p - lr * 0 / denom except for the
// sign of a zero p, and for eps = 0 with v = 0, where PyTorch would produce 0/0 = NaN.
void rmsprop(float* p, const float* g, float* v, Eigen::Index n, const RmsPropArgs& a,
             Isa isa = best_isa());

struct AdamArgs {
  float beta1, beta2, step_size, bc2_sqrt, eps, weight_decay;
};
// Per element, with g' = g + weight_decay * p:
//   m <- m + (1 - beta1) (g' - m);  v <- beta2 v + (1 - beta2) g'^2
//   p <- p - step_size (m / (sqrt(v) / bc2_sqrt + eps))
void adam(float* p, const float* g, float* m, float* v, Eigen::Index n, const AdamArgs& a,
          Isa isa = best_isa());

}  // namespace semra::nn::kernels
