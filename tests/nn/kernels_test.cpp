// The ISA variants of the NN kernels (semra/nn/kernels.hpp): each one the machine supports against
// a double-precision reference, and the baseline variant bit for bit against the Eigen expressions
// Mlp evaluated before variants existed (this file is compiled with the default flags, so these
// expressions are the baseline code).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "semra/core/error.hpp"
#include "semra/core/isa.hpp"
#include "semra/core/rng.hpp"
#include "semra/nn/activation.hpp"
#include "semra/nn/kernels.hpp"
#include "semra/nn/tensor.hpp"

namespace {

using semra::Isa;
using semra::Rng;
using namespace semra::nn;

Matrix random_matrix(Eigen::Index rows, Eigen::Index cols, Rng& rng) {
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(rng.uniform(-1, 1));
  return m;
}

// |a - b| <= tol (1 + |b|) for every entry; b in double.
void expect_near(const Matrix& a, const Eigen::MatrixXd& b, double tol, const std::string& what) {
  ASSERT_EQ(a.rows(), b.rows());
  ASSERT_EQ(a.cols(), b.cols());
  double worst = 0;
  for (Eigen::Index r = 0; r < a.rows(); ++r)
    for (Eigen::Index c = 0; c < a.cols(); ++c)
      worst = std::max(worst, std::abs(double{a(r, c)} - b(r, c)) / (1 + std::abs(b(r, c))));
  EXPECT_LE(worst, tol) << what;
}

struct Shape {
  int rows, in, out;
};
// The engine's real shapes (DQN batch 8 and 1, the vderl learners' batch 128) and odd sizes that
// leave remainders in every vector width.
constexpr Shape kShapes[] = {{8, 74, 64},   {8, 32, 100}, {1, 74, 64}, {128, 288, 64},
                             {128, 64, 41}, {3, 5, 7},    {17, 33, 19}};

TEST(NnKernels, EveryVariantMatchesADoubleReference) {
  for (Isa isa : semra::kAllIsas) {
    if (!semra::isa_supported(isa)) {
      std::printf("[ SKIPPED  ] %s kernels: not supported here\n",
                  std::string(semra::to_string(isa)).c_str());
      continue;
    }
    const Kernels& k = kernels_for(isa);
    for (const Shape& s : kShapes) {
      const std::string what = std::string(semra::to_string(isa)) + " " + std::to_string(s.rows) +
                               "x" + std::to_string(s.in) + "->" + std::to_string(s.out);
      Rng rng(static_cast<std::uint64_t>(s.rows * 1000 + s.in), "kernels");
      const Matrix x = random_matrix(s.rows, s.in, rng), w = random_matrix(s.out, s.in, rng);
      const Matrix b = random_matrix(1, s.out, rng), delta = random_matrix(s.rows, s.out, rng);
      const Eigen::MatrixXd xd = x.cast<double>(), wd = w.cast<double>(), dd = delta.cast<double>();
      Eigen::MatrixXd pre = xd * wd.transpose();
      pre.rowwise() += b.cast<double>().row(0);
      for (std::uint8_t act : {0, 1, 2}) {
        Matrix y(s.rows, s.out);
        k.dense_forward(x.data(), s.rows, s.in, w.data(), b.data(), s.out, act, y.data());
        Eigen::MatrixXd ref = pre;
        if (act == 1) ref = ref.cwiseMax(0.0);
        if (act == 2) ref = ref.array().tanh();
        expect_near(y, ref, 2e-5, what + " forward act " + std::to_string(act));
        // tanh' = 1 - y^2 and relu' = [y > 0], from the output.
        Matrix g = delta;
        k.activation_backward(act, y.data(), g.data(), g.size());
        Eigen::MatrixXd gref_rm(s.rows, s.out);
        for (Eigen::Index i = 0; i < g.size(); ++i)
          gref_rm(i / s.out, i % s.out) =
              dd(i / s.out, i % s.out) * (act == 1   ? (y.data()[i] > 0 ? 1.0 : 0.0)
                                          : act == 2 ? 1 - double{y.data()[i]} * y.data()[i]
                                                     : 1.0);
        expect_near(g, gref_rm, 1e-6, what + " activation backward " + std::to_string(act));
      }
      Matrix wg(s.out, s.in), bg(1, s.out);
      k.dense_param_grad(delta.data(), s.rows, s.out, x.data(), s.in, wg.data(), bg.data(), false);
      expect_near(wg, dd.transpose() * xd, 2e-5, what + " weight gradient");
      expect_near(bg, dd.colwise().sum(), 2e-5, what + " bias gradient");
      k.dense_param_grad(delta.data(), s.rows, s.out, x.data(), s.in, wg.data(), bg.data(), true);
      expect_near(wg, 2 * dd.transpose() * xd, 4e-5, what + " accumulated weight gradient");
      expect_near(bg, 2 * dd.colwise().sum(), 4e-5, what + " accumulated bias gradient");
      Matrix dx(s.rows, s.in);
      k.dense_input_grad(delta.data(), s.rows, s.out, w.data(), s.in, dx.data());
      expect_near(dx, dd * wd, 2e-5, what + " input gradient");
    }
  }
}

// SEMRA_ISA=baseline must reproduce the numbers of semra before ISA variants: the same Eigen
// expressions, evaluated here with the default flags.
TEST(NnKernels, BaselineIsBitIdenticalToThePortableEigenCode) {
  const Kernels& k = kernels_for(Isa::Baseline);
  for (const Shape& s : kShapes) {
    Rng rng(static_cast<std::uint64_t>(s.out), "baseline");
    const Matrix x = random_matrix(s.rows, s.in, rng), w = random_matrix(s.out, s.in, rng);
    const semra::nn::Vector b = random_matrix(s.out, 1, rng);
    const Matrix delta = random_matrix(s.rows, s.out, rng);
    for (Activation act : {Activation::Identity, Activation::Relu, Activation::Tanh}) {
      Matrix expected(s.rows, s.out), y(s.rows, s.out);
      expected.noalias() = x * w.transpose();
      expected.rowwise() += b.transpose();
      apply_activation(act, expected);
      k.dense_forward(x.data(), s.rows, s.in, w.data(), b.data(), s.out,
                      static_cast<std::uint8_t>(act), y.data());
      EXPECT_TRUE(y == expected) << "forward " << to_string(act);
      Matrix g_expected = delta, g = delta;
      activation_backward(act, expected, g_expected);
      k.activation_backward(static_cast<std::uint8_t>(act), y.data(), g.data(), g.size());
      EXPECT_TRUE(g == g_expected) << "activation backward " << to_string(act);
    }
    Matrix wg_expected(s.out, s.in), wg(s.out, s.in);
    semra::nn::Vector bg_expected(s.out), bg(s.out);
    wg_expected.noalias() = delta.transpose() * x;
    bg_expected = delta.colwise().sum().transpose();
    k.dense_param_grad(delta.data(), s.rows, s.out, x.data(), s.in, wg.data(), bg.data(), false);
    EXPECT_TRUE(wg == wg_expected && bg == bg_expected) << "parameter gradients";
    Matrix dx_expected(s.rows, s.in), dx(s.rows, s.in);
    dx_expected.noalias() = delta * w;
    k.dense_input_grad(delta.data(), s.rows, s.out, w.data(), s.in, dx.data());
    EXPECT_TRUE(dx == dx_expected) << "input gradient";
  }
}

}  // namespace
