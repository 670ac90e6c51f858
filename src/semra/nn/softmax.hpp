#pragma once
// Row-wise softmax and log-softmax (one distribution per row), numerically stable (the row max is
// subtracted first), and masked variants for action masks (1 = valid, 0 = invalid).
//
// Masked convention: an invalid entry gets probability exactly 0 and log-probability
// kMaskedLogProb, a large FINITE negative, so expressions such as p * log p or exp(log p) stay
// finite (0, not NaN); the backward functions give invalid entries a gradient of exactly 0 and
// leave them out of the row sums. A row with no valid entry throws std::invalid_argument. Outputs
// may alias inputs (in place).
//
// Formulas (z logits, p = softmax(z), l = log p, g the upstream gradient):
//   softmax:      p_i = exp(z_i - m) / sum_j exp(z_j - m),          m = max_j z_j
//   log_softmax:  l_i = z_i - m - log sum_j exp(z_j - m)
//   softmax backward:      dz_i = p_i (g_i - sum_j p_j g_j)
//   log_softmax backward:  dz_i = g_i - p_i sum_j g_j
// (masked: the sums run over valid j only, and dz_i = 0 for invalid i).
#include "semra/nn/tensor.hpp"

namespace semra::nn {

inline constexpr float kMaskedLogProb = -1e30f;

void softmax(const Eigen::Ref<const Matrix>& logits, Eigen::Ref<Matrix> probs);
void log_softmax(const Eigen::Ref<const Matrix>& logits, Eigen::Ref<Matrix> log_probs);
void masked_softmax(const Eigen::Ref<const Matrix>& logits, const MaskMatrix& mask,
                    Eigen::Ref<Matrix> probs);
void masked_log_softmax(const Eigen::Ref<const Matrix>& logits, const MaskMatrix& mask,
                        Eigen::Ref<Matrix> log_probs);

void softmax_backward(const Eigen::Ref<const Matrix>& probs,
                      const Eigen::Ref<const Matrix>& grad_probs, Eigen::Ref<Matrix> grad_logits);
void log_softmax_backward(const Eigen::Ref<const Matrix>& log_probs,
                          const Eigen::Ref<const Matrix>& grad_log_probs,
                          Eigen::Ref<Matrix> grad_logits);
void masked_softmax_backward(const Eigen::Ref<const Matrix>& probs, const MaskMatrix& mask,
                             const Eigen::Ref<const Matrix>& grad_probs,
                             Eigen::Ref<Matrix> grad_logits);
void masked_log_softmax_backward(const Eigen::Ref<const Matrix>& log_probs, const MaskMatrix& mask,
                                 const Eigen::Ref<const Matrix>& grad_log_probs,
                                 Eigen::Ref<Matrix> grad_logits);

}  // namespace semra::nn
