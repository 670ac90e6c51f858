#pragma once
// Regression losses with PyTorch's definitions and reduction='mean'. Each returns the loss value
// (accumulated in double) and writes dL/dpred into `grad` (same shape as pred, overwritten).
//   MSE:    l(d) = d^2,                                   dl/dd = 2 d
//   Huber:  l(d) = 0.5 d^2              if |d| <= delta,  dl/dd = d
//                  delta (|d| - delta/2) otherwise,        dl/dd = delta sign(d)
// with d = pred - target; L = (1/N) sum over the N entries that take part.
// (PyTorch's HuberLoss(delta); with delta = 1 it is also SmoothL1Loss(beta=1).)
//
// The selected form is what DQN needs: only Q(s_i, a_i) enters the loss, so row i contributes the
// single entry pred(i, cols[i]) against target[i]; N = rows; every other entry of grad is 0.
// The masked form uses the entries where mask == 1; N = their count (N = 0 gives loss 0, grad 0).
#include <cstdint>
#include <string_view>

#include "semra/nn/tensor.hpp"

namespace semra::nn {

enum class LossKind : std::uint8_t { Mse = 0, Huber = 1 };

std::string_view to_string(LossKind k);
// Accepts "mse", "huber"; throws semra::InputError naming the valid values otherwise.
LossKind parse_loss(std::string_view name);

double loss(LossKind kind, const Eigen::Ref<const Matrix>& pred,
            const Eigen::Ref<const Matrix>& target, Eigen::Ref<Matrix> grad,
            float huber_delta = 1.0f);
inline double mse_loss(const Eigen::Ref<const Matrix>& pred, const Eigen::Ref<const Matrix>& target,
                       Eigen::Ref<Matrix> grad) {
  return loss(LossKind::Mse, pred, target, grad);
}
inline double huber_loss(const Eigen::Ref<const Matrix>& pred,
                         const Eigen::Ref<const Matrix>& target, Eigen::Ref<Matrix> grad,
                         float delta = 1.0f) {
  return loss(LossKind::Huber, pred, target, grad, delta);
}

// Vectors: pred[i] against target[i], N = size (e.g. the Q(s_i, a_i) of Mlp::forward_selected).
double vector_loss(LossKind kind, const Eigen::Ref<const Vector>& pred,
                   const Eigen::Ref<const Vector>& target, Eigen::Ref<Vector> grad,
                   float huber_delta = 1.0f);

double selected_loss(LossKind kind, const Eigen::Ref<const Matrix>& pred,
                     const Eigen::Ref<const Eigen::VectorXi>& cols,
                     const Eigen::Ref<const Vector>& target, Eigen::Ref<Matrix> grad,
                     float huber_delta = 1.0f);

double masked_loss(LossKind kind, const Eigen::Ref<const Matrix>& pred,
                   const Eigen::Ref<const Matrix>& target, const MaskMatrix& mask,
                   Eigen::Ref<Matrix> grad, float huber_delta = 1.0f);

}  // namespace semra::nn
