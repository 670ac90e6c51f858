// Finite-difference gradient checks for every layer, activation, loss and softmax variant.
// All functions are evaluated in float32 (the engine's precision) and differenced in double with
// nn::numerical_gradient; see gradcheck.hpp for the error budget behind the tolerances: with h =
// 1e-2 on smooth functions (tanh, identity, softmax, MSE) truncation and rounding are both ~1e-4
// relative, so 2e-3 leaves a margin; ReLU nets use h = 1e-3 (kinks) and 1e-2.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/nn/gradcheck.hpp"
#include "semra/nn/loss.hpp"
#include "semra/nn/mlp.hpp"
#include "semra/nn/softmax.hpp"

namespace {

using semra::Rng;
using namespace semra::nn;

Matrix random_matrix(Eigen::Index rows, Eigen::Index cols, Rng& rng, double lo = -1,
                     double hi = 1) {
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(rng.uniform(lo, hi));
  return m;
}

// L = sum_ij c_ij out_ij in double: a generic scalar head whose dL/dout is simply c.
double weighted_sum(const Matrix& out, const Matrix& c) {
  double s = 0;
  for (Eigen::Index i = 0; i < out.size(); ++i) s += double{out.data()[i]} * c.data()[i];
  return s;
}

struct MlpCase {
  std::vector<int> sizes;
  Activation hidden, output;
  float h;
  double tol;
};

void check_mlp(const MlpCase& tc, std::uint64_t seed) {
  Rng rng(seed, "gradcheck");
  Mlp net(tc.sizes, tc.hidden, tc.output, rng);
  Matrix x = random_matrix(5, tc.sizes.front(), rng);
  const Matrix c = random_matrix(5, tc.sizes.back(), rng);

  net.forward(x);
  const Matrix dx = net.backward(c, {.input_grad = true});
  const Vector analytic = net.grads();

  auto f = [&] { return weighted_sum(net.forward(x), c); };
  const auto num_params = numerical_gradient(f, net.params().data(),
                                             static_cast<std::size_t>(net.params().size()), tc.h);
  const auto rp = compare_gradients(analytic, num_params);
  EXPECT_LT(rp.max_rel_error, tc.tol) << net.shape_string() << " worst param " << rp.worst;

  const auto num_input = numerical_gradient(f, x.data(), static_cast<std::size_t>(x.size()), tc.h);
  const Eigen::Map<const Eigen::VectorXf> dx_flat(dx.data(), dx.size());
  const auto ri = compare_gradients(dx_flat, num_input);
  EXPECT_LT(ri.max_rel_error, tc.tol) << net.shape_string() << " worst input " << ri.worst;
}

TEST(NnGradient, DenseLayerIdentity) {
  check_mlp({{4, 3}, Activation::Identity, Activation::Identity, 1e-2f, 2e-3}, 1);
}

TEST(NnGradient, DenseLayerWithEachOutputActivation) {
  check_mlp({{4, 3}, Activation::Identity, Activation::Tanh, 1e-2f, 2e-3}, 2);
  check_mlp({{4, 3}, Activation::Identity, Activation::Relu, 1e-3f, 1e-2}, 3);
}

TEST(NnGradient, MlpTanh) {
  check_mlp({{6, 8, 7, 4}, Activation::Tanh, Activation::Identity, 1e-2f, 2e-3}, 4);
}

TEST(NnGradient, MlpRelu) {
  check_mlp({{6, 8, 7, 4}, Activation::Relu, Activation::Identity, 1e-3f, 1e-2}, 5);
}

TEST(NnGradient, MlpIdentityHidden) {
  check_mlp({{6, 8, 4}, Activation::Identity, Activation::Identity, 1e-2f, 2e-3}, 6);
}

TEST(NnGradient, MlpTanhOutput) {
  check_mlp({{5, 6, 3}, Activation::Relu, Activation::Tanh, 1e-3f, 1e-2}, 7);
}

// Element-wise activations on their own, at points away from ReLU's kink.
TEST(NnGradient, Activations) {
  for (Activation a : {Activation::Identity, Activation::Relu, Activation::Tanh}) {
    Rng rng(8, "act");
    Matrix z = random_matrix(3, 4, rng, 0.2, 1.5);
    for (Eigen::Index i = 0; i < z.size(); i += 2) z.data()[i] = -z.data()[i];
    const Matrix c = random_matrix(3, 4, rng);
    auto f = [&] {
      Matrix y = z;
      apply_activation(a, y);
      return weighted_sum(y, c);
    };
    Matrix y = z;
    apply_activation(a, y);
    Matrix g = c;
    activation_backward(a, y, g);
    const auto num = numerical_gradient(f, z.data(), static_cast<std::size_t>(z.size()), 1e-2f);
    const auto r = compare_gradients(Eigen::Map<const Eigen::VectorXf>(g.data(), g.size()), num);
    EXPECT_LT(r.max_rel_error, 2e-3) << to_string(a);
  }
}

// ---- losses ----

// Residuals placed on both sides of the Huber threshold (delta = 1), away from |d| = delta.
Matrix residual_targets(const Matrix& pred, Rng& rng) {
  Matrix t = pred;
  for (Eigen::Index i = 0; i < t.size(); ++i) {
    const double mag = (i % 2 == 0) ? rng.uniform(0.1, 0.8) : rng.uniform(1.3, 3.0);
    t.data()[i] = pred.data()[i] + static_cast<float>(i % 3 == 0 ? mag : -mag);
  }
  return t;
}

TEST(NnGradient, MseAndHuberLosses) {
  for (LossKind kind : {LossKind::Mse, LossKind::Huber}) {
    Rng rng(9, "loss");
    Matrix pred = random_matrix(4, 3, rng);
    const Matrix target = residual_targets(pred, rng);
    Matrix grad(4, 3), scratch(4, 3);
    loss(kind, pred, target, grad);
    auto f = [&] { return loss(kind, pred, target, scratch); };
    const auto num =
        numerical_gradient(f, pred.data(), static_cast<std::size_t>(pred.size()), 1e-2f);
    const auto r =
        compare_gradients(Eigen::Map<const Eigen::VectorXf>(grad.data(), grad.size()), num);
    EXPECT_LT(r.max_rel_error, 2e-3) << to_string(kind);
  }
}

TEST(NnGradient, SelectedMaskedAndVectorLosses) {
  for (LossKind kind : {LossKind::Mse, LossKind::Huber}) {
    Rng rng(10, "loss");
    Matrix pred = random_matrix(4, 3, rng);
    const Matrix target = residual_targets(pred, rng);
    Eigen::VectorXi cols(4);
    cols << 2, 0, 1, 2;
    Vector tsel(4);
    for (int i = 0; i < 4; ++i) tsel[i] = target(i, cols[i]);
    MaskMatrix mask(4, 3);
    mask << 1, 0, 1, 0, 0, 1, 1, 1, 1, 0, 1, 0;
    Matrix grad(4, 3), scratch(4, 3);

    selected_loss(kind, pred, cols, tsel, grad);
    auto fs = [&] { return selected_loss(kind, pred, cols, tsel, scratch); };
    auto num = numerical_gradient(fs, pred.data(), static_cast<std::size_t>(pred.size()), 1e-2f);
    auto r = compare_gradients(Eigen::Map<const Eigen::VectorXf>(grad.data(), grad.size()), num);
    EXPECT_LT(r.max_rel_error, 2e-3) << "selected " << to_string(kind);
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 3; ++j)
        if (j != cols[i]) {
          EXPECT_EQ(grad(i, j), 0.0f);
        }

    masked_loss(kind, pred, target, mask, grad);
    auto fm = [&] { return masked_loss(kind, pred, target, mask, scratch); };
    num = numerical_gradient(fm, pred.data(), static_cast<std::size_t>(pred.size()), 1e-2f);
    r = compare_gradients(Eigen::Map<const Eigen::VectorXf>(grad.data(), grad.size()), num);
    EXPECT_LT(r.max_rel_error, 2e-3) << "masked " << to_string(kind);

    Vector pv(4), gv(4), sv(4);
    for (int i = 0; i < 4; ++i) pv[i] = pred(i, cols[i]);
    const double lv = vector_loss(kind, pv, tsel, gv);
    EXPECT_NEAR(lv, selected_loss(kind, pred, cols, tsel, scratch), 1e-12);
    auto fv = [&] { return vector_loss(kind, pv, tsel, sv); };
    num = numerical_gradient(fv, pv.data(), 4, 1e-2f);
    r = compare_gradients(gv, num);
    EXPECT_LT(r.max_rel_error, 2e-3) << "vector " << to_string(kind);
  }
}

// Hand values: d = pred - target.
TEST(NnLoss, KnownValues) {
  Matrix pred(1, 3), target(1, 3), grad(1, 3);
  pred << 1.0f, 0.0f, -2.0f;
  target << 0.5f, 3.0f, -2.0f;  // d = 0.5, -3, 0
  // MSE = (0.25 + 9 + 0) / 3; grad = 2 d / 3.
  EXPECT_NEAR(mse_loss(pred, target, grad), 9.25 / 3.0, 1e-7);
  EXPECT_FLOAT_EQ(grad(0, 0), 1.0f / 3.0f);
  EXPECT_FLOAT_EQ(grad(0, 1), -2.0f);
  EXPECT_FLOAT_EQ(grad(0, 2), 0.0f);
  // Huber(delta 1) = (0.5 * 0.25 + 1 * (3 - 0.5) + 0) / 3; grad = (0.5, -1, 0) / 3.
  EXPECT_NEAR(huber_loss(pred, target, grad), (0.125 + 2.5) / 3.0, 1e-7);
  EXPECT_FLOAT_EQ(grad(0, 0), 0.5f / 3.0f);
  EXPECT_FLOAT_EQ(grad(0, 1), -1.0f / 3.0f);
  // delta = 2: (0.125 + 2 * (3 - 1) + 0) / 3.
  EXPECT_NEAR(huber_loss(pred, target, grad, 2.0f), (0.125 + 4.0) / 3.0, 1e-7);
  EXPECT_FLOAT_EQ(grad(0, 1), -2.0f / 3.0f);
}

// ---- softmax ----

TEST(NnGradient, SoftmaxAndLogSoftmax) {
  Rng rng(11, "softmax");
  Matrix z = random_matrix(3, 5, rng, -2, 2);
  const Matrix c = random_matrix(3, 5, rng);
  Matrix y(3, 5), gz(3, 5);

  softmax(z, y);
  softmax_backward(y, c, gz);
  auto fs = [&] {
    Matrix p(3, 5);
    softmax(z, p);
    return weighted_sum(p, c);
  };
  auto num = numerical_gradient(fs, z.data(), static_cast<std::size_t>(z.size()), 1e-2f);
  auto r = compare_gradients(Eigen::Map<const Eigen::VectorXf>(gz.data(), gz.size()), num);
  EXPECT_LT(r.max_rel_error, 2e-3);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(y.row(i).sum(), 1.0f, 1e-6f);

  log_softmax(z, y);
  log_softmax_backward(y, c, gz);
  auto fl = [&] {
    Matrix l(3, 5);
    log_softmax(z, l);
    return weighted_sum(l, c);
  };
  num = numerical_gradient(fl, z.data(), static_cast<std::size_t>(z.size()), 1e-2f);
  r = compare_gradients(Eigen::Map<const Eigen::VectorXf>(gz.data(), gz.size()), num);
  EXPECT_LT(r.max_rel_error, 2e-3);
}

TEST(NnGradient, MaskedSoftmaxAndLogSoftmax) {
  Rng rng(12, "softmax");
  Matrix z = random_matrix(3, 5, rng, -2, 2);
  const Matrix c = random_matrix(3, 5, rng);
  MaskMatrix mask(3, 5);
  mask << 1, 0, 1, 1, 0,  //
      0, 0, 0, 1, 0,      // a single valid action
      1, 1, 1, 1, 1;
  Matrix y(3, 5), gz(3, 5);

  masked_softmax(z, mask, y);
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(y.row(i).sum(), 1.0f, 1e-6f);
    for (int j = 0; j < 5; ++j)
      if (!mask(i, j)) {
        EXPECT_EQ(y(i, j), 0.0f);  // exactly zero
      }
  }
  EXPECT_EQ(y(1, 3), 1.0f);
  masked_softmax_backward(y, mask, c, gz);
  auto fs = [&] {
    Matrix p(3, 5);
    masked_softmax(z, mask, p);
    return weighted_sum(p, c);
  };
  auto num = numerical_gradient(fs, z.data(), static_cast<std::size_t>(z.size()), 1e-2f);
  auto r = compare_gradients(Eigen::Map<const Eigen::VectorXf>(gz.data(), gz.size()), num);
  EXPECT_LT(r.max_rel_error, 2e-3);
  // The unmasked backward applied to masked probabilities gives the same (0 where p = 0).
  Matrix gz2(3, 5);
  softmax_backward(y, c, gz2);
  EXPECT_TRUE(gz2.isApprox(gz, 1e-6f));

  masked_log_softmax(z, mask, y);
  masked_log_softmax_backward(y, mask, c, gz);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 5; ++j) {
      ASSERT_TRUE(std::isfinite(gz(i, j)));
      if (!mask(i, j)) {
        EXPECT_EQ(y(i, j), kMaskedLogProb);
        EXPECT_EQ(gz(i, j), 0.0f);
        EXPECT_EQ(std::exp(y(i, j)), 0.0f);
      }
    }
  auto fl = [&] {
    Matrix l(3, 5);
    masked_log_softmax(z, mask, l);
    double s = 0;  // invalid entries are constants: leave them out of the sum to keep it O(1)
    for (Eigen::Index i = 0; i < l.size(); ++i)
      if (mask.data()[i]) s += double{l.data()[i]} * c.data()[i];
    return s;
  };
  num = numerical_gradient(fl, z.data(), static_cast<std::size_t>(z.size()), 1e-2f);
  r = compare_gradients(Eigen::Map<const Eigen::VectorXf>(gz.data(), gz.size()), num);
  EXPECT_LT(r.max_rel_error, 2e-3);

  // p * log p (an entropy term) stays finite with masked entries.
  Matrix p(3, 5);
  masked_softmax(z, mask, p);
  EXPECT_TRUE(std::isfinite((p.array() * y.array()).sum()));
}

TEST(NnSoftmax, StableForLargeLogitsAndRejectsEmptyMask) {
  Matrix z(1, 3), y(1, 3);
  z << 1000.0f, 999.0f, -1000.0f;
  softmax(z, y);
  EXPECT_TRUE(y.allFinite());
  EXPECT_NEAR(y(0, 0), 1.0f / (1.0f + std::exp(-1.0f)), 1e-6f);
  log_softmax(z, y);
  EXPECT_TRUE(y.allFinite());
  MaskMatrix none = MaskMatrix::Zero(1, 3);
  EXPECT_THROW(masked_softmax(z, none, y), std::invalid_argument);
  EXPECT_THROW(masked_log_softmax(z, none, y), std::invalid_argument);
}

// ---- selected forward/backward = the full ones with a one-entry-per-row gradient ----

TEST(NnMlp, SelectedForwardBackwardMatchFull) {
  for (Activation out_act : {Activation::Identity, Activation::Tanh}) {
    Rng rng(13, "selected");
    Mlp a({7, 9, 6, 5}, Activation::Relu, out_act, rng);
    Mlp b = a;
    const Matrix x = random_matrix(6, 7, rng);
    Eigen::VectorXi cols(6);
    cols << 4, 0, 2, 2, 1, 3;
    Vector target(6);
    for (int i = 0; i < 6; ++i) target[i] = static_cast<float>(rng.uniform(-1, 1));

    const Matrix& q = a.forward(x);
    Matrix gfull(6, 5);
    const double la = selected_loss(LossKind::Huber, q, cols, target, gfull);
    const Matrix dxa = a.backward(gfull, {.input_grad = true});

    Vector qs(6), gs(6);
    b.forward_selected(x, cols, qs);
    for (int i = 0; i < 6; ++i) EXPECT_NEAR(qs[i], q(i, cols[i]), 1e-6f);
    const double lb = vector_loss(LossKind::Huber, qs, target, gs);
    EXPECT_NEAR(la, lb, 1e-6);
    const Matrix dxb = b.backward_selected(gs, {.input_grad = true});
    EXPECT_LT((a.grads() - b.grads()).cwiseAbs().maxCoeff(), 1e-6f);
    EXPECT_LT((dxa - dxb).cwiseAbs().maxCoeff(), 1e-6f);
  }
}

TEST(NnMlp, AccumulateAndInputOnlyOptions) {
  Rng rng(14, "options");
  Mlp net({4, 6, 3}, Activation::Tanh, Activation::Identity, rng);
  const Matrix x1 = random_matrix(3, 4, rng), x2 = random_matrix(2, 4, rng);
  const Matrix g1 = random_matrix(3, 3, rng), g2 = random_matrix(2, 3, rng);
  net.forward(x1);
  net.backward(g1);
  const Vector grad1 = net.grads();
  net.forward(x2);
  net.backward(g2);
  const Vector grad2 = net.grads();
  net.forward(x1);
  net.backward(g1);
  net.forward(x2);
  net.backward(g2, {.accumulate = true});
  EXPECT_LT((net.grads() - (grad1 + grad2)).cwiseAbs().maxCoeff(), 1e-6f);

  // Input gradient only: grads() untouched.
  net.forward(x1);
  const Vector before = net.grads();
  const Matrix dx = net.backward(g1, {.input_grad = true, .param_grads = false});
  EXPECT_EQ(net.grads(), before);
  EXPECT_EQ(dx.rows(), 3);
  EXPECT_EQ(dx.cols(), 4);
}

}  // namespace
