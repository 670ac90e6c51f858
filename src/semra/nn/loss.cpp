#include "semra/nn/loss.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "semra/core/error.hpp"

namespace semra::nn {

std::string_view to_string(LossKind k) {
  switch (k) {
    case LossKind::Mse:
      return "mse";
    case LossKind::Huber:
      return "huber";
  }
  return "?";
}

LossKind parse_loss(std::string_view name) {
  if (name == "mse") return LossKind::Mse;
  if (name == "huber") return LossKind::Huber;
  throw InputError("unknown loss '" + std::string(name) + "' (expected one of: mse, huber)");
}

namespace {

// Element loss and its derivative for d = pred - target (before the 1/N of the mean).
struct Elem {
  double value;
  float grad;
};
inline Elem elem(LossKind kind, float d, float delta) {
  if (kind == LossKind::Mse) return {double{d} * d, 2.0f * d};
  const float a = std::abs(d);
  if (a <= delta) return {0.5 * double{d} * d, d};
  return {double{delta} * (a - 0.5 * delta), d > 0.0f ? delta : -delta};
}

void check_shape(const Eigen::Ref<const Matrix>& pred, Eigen::Index rows, Eigen::Index cols,
                 const char* what) {
  if (pred.rows() != rows || pred.cols() != cols)
    throw std::invalid_argument(std::string(what) + ": shape mismatch");
}

}  // namespace

double loss(LossKind kind, const Eigen::Ref<const Matrix>& pred,
            const Eigen::Ref<const Matrix>& target, Eigen::Ref<Matrix> grad, float huber_delta) {
  check_shape(target, pred.rows(), pred.cols(), "loss");
  check_shape(grad, pred.rows(), pred.cols(), "loss");
  const Eigen::Index n = pred.size();
  if (n == 0) return 0.0;
  const float inv_n = 1.0f / static_cast<float>(n);
  double total = 0.0;
  for (Eigen::Index r = 0; r < pred.rows(); ++r) {
    for (Eigen::Index c = 0; c < pred.cols(); ++c) {
      const Elem e = elem(kind, pred(r, c) - target(r, c), huber_delta);
      total += e.value;
      grad(r, c) = e.grad * inv_n;
    }
  }
  return total / static_cast<double>(n);
}

double vector_loss(LossKind kind, const Eigen::Ref<const Vector>& pred,
                   const Eigen::Ref<const Vector>& target, Eigen::Ref<Vector> grad,
                   float huber_delta) {
  const Eigen::Index n = pred.size();
  if (target.size() != n || grad.size() != n)
    throw std::invalid_argument("vector_loss: size mismatch");
  if (n == 0) return 0.0;
  const float inv_n = 1.0f / static_cast<float>(n);
  double total = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const Elem e = elem(kind, pred[i] - target[i], huber_delta);
    total += e.value;
    grad[i] = e.grad * inv_n;
  }
  return total / static_cast<double>(n);
}

double selected_loss(LossKind kind, const Eigen::Ref<const Matrix>& pred,
                     const Eigen::Ref<const Eigen::VectorXi>& cols,
                     const Eigen::Ref<const Vector>& target, Eigen::Ref<Matrix> grad,
                     float huber_delta) {
  const Eigen::Index n = pred.rows();
  if (cols.size() != n || target.size() != n)
    throw std::invalid_argument("selected_loss: one column and one target per row expected");
  check_shape(grad, pred.rows(), pred.cols(), "selected_loss");
  grad.setZero();
  if (n == 0) return 0.0;
  const float inv_n = 1.0f / static_cast<float>(n);
  double total = 0.0;
  for (Eigen::Index r = 0; r < n; ++r) {
    const int c = cols[r];
    if (c < 0 || c >= pred.cols())
      throw std::invalid_argument("selected_loss: column out of range");
    const Elem e = elem(kind, pred(r, c) - target[r], huber_delta);
    total += e.value;
    grad(r, c) = e.grad * inv_n;
  }
  return total / static_cast<double>(n);
}

double masked_loss(LossKind kind, const Eigen::Ref<const Matrix>& pred,
                   const Eigen::Ref<const Matrix>& target, const MaskMatrix& mask,
                   Eigen::Ref<Matrix> grad, float huber_delta) {
  check_shape(target, pred.rows(), pred.cols(), "masked_loss");
  check_shape(grad, pred.rows(), pred.cols(), "masked_loss");
  if (mask.rows() != pred.rows() || mask.cols() != pred.cols())
    throw std::invalid_argument("masked_loss: mask shape mismatch");
  Eigen::Index n = 0;
  for (Eigen::Index i = 0; i < mask.size(); ++i) n += mask.data()[i] ? 1 : 0;
  grad.setZero();
  if (n == 0) return 0.0;
  const float inv_n = 1.0f / static_cast<float>(n);
  double total = 0.0;
  for (Eigen::Index r = 0; r < pred.rows(); ++r) {
    for (Eigen::Index c = 0; c < pred.cols(); ++c) {
      if (!mask(r, c)) continue;
      const Elem e = elem(kind, pred(r, c) - target(r, c), huber_delta);
      total += e.value;
      grad(r, c) = e.grad * inv_n;
    }
  }
  return total / static_cast<double>(n);
}

}  // namespace semra::nn
