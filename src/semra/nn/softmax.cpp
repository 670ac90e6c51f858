#include "semra/nn/softmax.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace semra::nn {

namespace {

void check_same(const Eigen::Ref<const Matrix>& a, Eigen::Index rows, Eigen::Index cols,
                const char* what) {
  if (a.rows() != rows || a.cols() != cols)
    throw std::invalid_argument(std::string(what) + ": shape mismatch");
}

void check_mask(const MaskMatrix& mask, Eigen::Index rows, Eigen::Index cols, const char* what) {
  if (mask.rows() != rows || mask.cols() != cols)
    throw std::invalid_argument(std::string(what) + ": mask shape mismatch");
}

// Row max over valid entries; throws when the row has none.
float masked_row_max(const Eigen::Ref<const Matrix>& z, const MaskMatrix& mask, Eigen::Index r,
                     const char* what) {
  float m = -std::numeric_limits<float>::infinity();
  bool any = false;
  for (Eigen::Index c = 0; c < z.cols(); ++c) {
    if (mask(r, c)) {
      any = true;
      m = std::max(m, z(r, c));
    }
  }
  if (!any) throw std::invalid_argument(std::string(what) + ": a row has no valid entry");
  return m;
}

}  // namespace

void softmax(const Eigen::Ref<const Matrix>& logits, Eigen::Ref<Matrix> probs) {
  check_same(probs, logits.rows(), logits.cols(), "softmax");
  for (Eigen::Index r = 0; r < logits.rows(); ++r) {
    const float m = logits.row(r).maxCoeff();
    probs.row(r) = (logits.row(r).array() - m).exp();
    probs.row(r) /= probs.row(r).sum();
  }
}

void log_softmax(const Eigen::Ref<const Matrix>& logits, Eigen::Ref<Matrix> log_probs) {
  check_same(log_probs, logits.rows(), logits.cols(), "log_softmax");
  for (Eigen::Index r = 0; r < logits.rows(); ++r) {
    const float m = logits.row(r).maxCoeff();
    const float lse = m + std::log((logits.row(r).array() - m).exp().sum());
    log_probs.row(r).array() = logits.row(r).array() - lse;
  }
}

void masked_softmax(const Eigen::Ref<const Matrix>& logits, const MaskMatrix& mask,
                    Eigen::Ref<Matrix> probs) {
  check_same(probs, logits.rows(), logits.cols(), "masked_softmax");
  check_mask(mask, logits.rows(), logits.cols(), "masked_softmax");
  for (Eigen::Index r = 0; r < logits.rows(); ++r) {
    const float m = masked_row_max(logits, mask, r, "masked_softmax");
    float sum = 0.0f;
    for (Eigen::Index c = 0; c < logits.cols(); ++c) {
      const float e = mask(r, c) ? std::exp(logits(r, c) - m) : 0.0f;
      probs(r, c) = e;
      sum += e;
    }
    probs.row(r) /= sum;  // sum >= 1 (the max entry contributes exp(0)); 0 / sum stays exactly 0
  }
}

void masked_log_softmax(const Eigen::Ref<const Matrix>& logits, const MaskMatrix& mask,
                        Eigen::Ref<Matrix> log_probs) {
  check_same(log_probs, logits.rows(), logits.cols(), "masked_log_softmax");
  check_mask(mask, logits.rows(), logits.cols(), "masked_log_softmax");
  for (Eigen::Index r = 0; r < logits.rows(); ++r) {
    const float m = masked_row_max(logits, mask, r, "masked_log_softmax");
    float sum = 0.0f;
    for (Eigen::Index c = 0; c < logits.cols(); ++c)
      if (mask(r, c)) sum += std::exp(logits(r, c) - m);
    const float lse = m + std::log(sum);
    for (Eigen::Index c = 0; c < logits.cols(); ++c)
      log_probs(r, c) = mask(r, c) ? logits(r, c) - lse : kMaskedLogProb;
  }
}

void softmax_backward(const Eigen::Ref<const Matrix>& probs,
                      const Eigen::Ref<const Matrix>& grad_probs, Eigen::Ref<Matrix> grad_logits) {
  check_same(grad_probs, probs.rows(), probs.cols(), "softmax_backward");
  check_same(grad_logits, probs.rows(), probs.cols(), "softmax_backward");
  for (Eigen::Index r = 0; r < probs.rows(); ++r) {
    const float dot = probs.row(r).dot(grad_probs.row(r));
    grad_logits.row(r).array() = probs.row(r).array() * (grad_probs.row(r).array() - dot);
  }
}

void log_softmax_backward(const Eigen::Ref<const Matrix>& log_probs,
                          const Eigen::Ref<const Matrix>& grad_log_probs,
                          Eigen::Ref<Matrix> grad_logits) {
  check_same(grad_log_probs, log_probs.rows(), log_probs.cols(), "log_softmax_backward");
  check_same(grad_logits, log_probs.rows(), log_probs.cols(), "log_softmax_backward");
  for (Eigen::Index r = 0; r < log_probs.rows(); ++r) {
    const float sum = grad_log_probs.row(r).sum();
    grad_logits.row(r).array() =
        grad_log_probs.row(r).array() - log_probs.row(r).array().exp() * sum;
  }
}

void masked_softmax_backward(const Eigen::Ref<const Matrix>& probs, const MaskMatrix& mask,
                             const Eigen::Ref<const Matrix>& grad_probs,
                             Eigen::Ref<Matrix> grad_logits) {
  check_same(grad_probs, probs.rows(), probs.cols(), "masked_softmax_backward");
  check_same(grad_logits, probs.rows(), probs.cols(), "masked_softmax_backward");
  check_mask(mask, probs.rows(), probs.cols(), "masked_softmax_backward");
  for (Eigen::Index r = 0; r < probs.rows(); ++r) {
    float dot = 0.0f;
    for (Eigen::Index c = 0; c < probs.cols(); ++c)
      if (mask(r, c)) dot += probs(r, c) * grad_probs(r, c);
    for (Eigen::Index c = 0; c < probs.cols(); ++c)
      grad_logits(r, c) = mask(r, c) ? probs(r, c) * (grad_probs(r, c) - dot) : 0.0f;
  }
}

void masked_log_softmax_backward(const Eigen::Ref<const Matrix>& log_probs, const MaskMatrix& mask,
                                 const Eigen::Ref<const Matrix>& grad_log_probs,
                                 Eigen::Ref<Matrix> grad_logits) {
  check_same(grad_log_probs, log_probs.rows(), log_probs.cols(), "masked_log_softmax_backward");
  check_same(grad_logits, log_probs.rows(), log_probs.cols(), "masked_log_softmax_backward");
  check_mask(mask, log_probs.rows(), log_probs.cols(), "masked_log_softmax_backward");
  for (Eigen::Index r = 0; r < log_probs.rows(); ++r) {
    float sum = 0.0f;
    for (Eigen::Index c = 0; c < log_probs.cols(); ++c)
      if (mask(r, c)) sum += grad_log_probs(r, c);
    for (Eigen::Index c = 0; c < log_probs.cols(); ++c)
      grad_logits(r, c) =
          mask(r, c) ? grad_log_probs(r, c) - std::exp(log_probs(r, c)) * sum : 0.0f;
  }
}

}  // namespace semra::nn
