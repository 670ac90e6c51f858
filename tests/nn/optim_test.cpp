// Optimiser steps against hand-computed values. The problem throughout: two parameters
// p0 = (1, -2) and three gradients g1 = (0.5, -0.25), g2 = (-0.25, 0.75), g3 = (0.1, 0) (the zero
// exercises RMSprop's zero-gradient path). Expected values were worked out in double from the
// formulas in optim.hpp; the first steps are derived in the comments. Tolerance 2e-6: float
// rounding.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "semra/core/error.hpp"
#include "semra/core/rng.hpp"
#include "semra/nn/optim.hpp"
#include "semra/nn/optim_kernels.hpp"

namespace {

using namespace semra::nn;

std::vector<Vector> run(const OptimizerConfig& cfg) {
  Optimizer opt(cfg, 2);
  Vector p(2);
  p << 1.0f, -2.0f;
  const float g[3][2] = {{0.5f, -0.25f}, {-0.25f, 0.75f}, {0.1f, 0.0f}};
  std::vector<Vector> out;
  for (const auto& gi : g) {
    Vector grad(2);
    grad << gi[0], gi[1];
    opt.step(p, grad);
    out.push_back(p);
  }
  return out;
}

void expect_steps(const std::vector<Vector>& got, const double (&want)[3][2]) {
  for (int t = 0; t < 3; ++t)
    for (int i = 0; i < 2; ++i)
      EXPECT_NEAR(got[static_cast<std::size_t>(t)][i], want[t][i], 2e-6) << "step " << t + 1;
}

TEST(NnOptim, SgdPlain) {
  // p1 = p0 - 0.1 g1 = (0.95, -1.975); p2 = p1 - 0.1 g2 = (0.975, -2.05); p3 = (0.965, -2.05).
  const double want[3][2] = {{0.95, -1.975}, {0.975, -2.05}, {0.965, -2.05}};
  expect_steps(run(OptimizerConfig::sgd(0.1f)), want);
}

TEST(NnOptim, SgdMomentum) {
  // b1 = g1 (PyTorch copies the first gradient), p1 = (0.95, -1.975);
  // b2 = 0.9 b1 + g2 = (0.2, 0.525), p2 = p1 - 0.1 b2 = (0.93, -2.0275);
  // b3 = 0.9 b2 + g3 = (0.28, 0.4725), p3 = (0.902, -2.07475).
  const double want[3][2] = {{0.95, -1.975}, {0.93, -2.0275}, {0.902, -2.07475}};
  expect_steps(run(OptimizerConfig::sgd(0.1f, 0.9f)), want);
}

TEST(NnOptim, Adam) {
  // lr 0.1, betas (0.9, 0.999), eps 1e-8. Step 1: m = 0.1 g1, v = 0.001 g1^2, bias corrections
  // 1 - 0.9 = 0.1 and 1 - 0.999 = 0.001, so m_hat = g1, sqrt(v_hat) = |g1| and
  // p1 = p0 - 0.1 * g1 / (|g1| + 1e-8) = (0.9 + 2e-9, -1.9 - 4e-9).
  // Step 2: m = (0.095 - 0.025, ...) etc.; values from the formula in double.
  const double want[3][2] = {{0.900000002, -1.900000004},
                             {0.8733662987078463, -1.9494189864458513},
                             {0.8418419430257161, -1.9876200029543536}};
  expect_steps(run(OptimizerConfig::adam(0.1f)), want);
}

TEST(NnOptim, RmspropPyTorch) {
  // lr 0.01, alpha 0.99, eps 1e-8. Step 1: v = 0.01 * 0.25 = 0.0025, sqrt(v) = 0.05,
  // p1[0] = 1 - 0.01 * 0.5 / (0.05 + 1e-8) = 0.90000002. Step 2: v = 0.99 * 0.0025 + 0.01 * 0.0625
  // = 0.0031, p2[0] = p1[0] + 0.01 * 0.25 / (sqrt(0.0031) + 1e-8) = 0.94490134. Step 3: g3[1] = 0
  // leaves p[1] unchanged.
  const double want[3][2] = {{0.900000019999996, -1.9000000399999841},
                             {0.9449013374421751, -1.9949158275632235},
                             {0.9271374176630169, -1.9949158275632235}};
  expect_steps(run(OptimizerConfig::torch_rmsprop(0.01f)), want);
}

TEST(NnOptim, RmspropKerasWithDecay) {
  // Keras 2: rho 0.9, eps 1e-7 outside the sqrt, lr 1e-3 with decay 0.1: lr_1 = 1e-3,
  // lr_2 = 1e-3 / 1.1, lr_3 = 1e-3 / 1.2. Step 1: v = 0.1 * 0.25 = 0.025,
  // p1[0] = 1 - 1e-3 * 0.5 / (sqrt(0.025) + 1e-7) = 0.99683772.
  const double want[3][2] = {{0.9968377243398303, -1.9968377263398265},
                             {0.9981781049689069, -1.9995787374613327},
                             {0.9976697767112089, -1.9995787374613327}};
  const auto cfg = OptimizerConfig::keras_rmsprop(1e-3f, 0.1f);
  EXPECT_FLOAT_EQ(cfg.alpha, 0.9f);
  EXPECT_FLOAT_EQ(cfg.eps, 1e-7f);
  expect_steps(run(cfg), want);
}

TEST(NnOptim, RmspropEpsInsideSqrt) {
  // lr 0.01, alpha 0.9, eps 1e-2 inside: p1[0] = 1 - 0.01 * 0.5 / sqrt(0.025 + 0.01) = 0.97327388.
  auto cfg = OptimizerConfig::torch_rmsprop(0.01f);
  cfg.alpha = 0.9f;
  cfg.eps = 1e-2f;
  cfg.eps_inside_sqrt = true;
  const double want[3][2] = {{0.9732738758087576, -1.9803883864861815},
                             {0.9859738885087767, -2.008363530733391},
                             {0.9807663320695437, -2.008363530733391}};
  expect_steps(run(cfg), want);
}

TEST(NnOptim, LearningRateDecayAndWeightDecay) {
  auto cfg = OptimizerConfig::sgd(0.5f);
  cfg.lr_decay = 1.0f;
  Optimizer opt(cfg, 1);
  EXPECT_FLOAT_EQ(opt.current_lr(), 0.5f);  // t = 1 uses lr
  Vector p(1), g(1);
  p << 1.0f;
  g << 1.0f;
  opt.step(p, g);
  EXPECT_FLOAT_EQ(opt.current_lr(), 0.25f);  // lr / (1 + 1 * 1)
  opt.step(p, g);
  EXPECT_FLOAT_EQ(p[0], 1.0f - 0.5f - 0.25f);
  EXPECT_NEAR(opt.current_lr(), 0.5f / 3.0f, 1e-7f);

  // L2 weight decay adds wd * p to the gradient: p = 2, g = 0, wd = 0.1, lr = 1 -> 2 - 0.2.
  auto wcfg = OptimizerConfig::sgd(1.0f);
  wcfg.weight_decay = 0.1f;
  Optimizer w(wcfg, 1);
  p << 2.0f;
  g << 0.0f;
  w.step(p, g);
  EXPECT_FLOAT_EQ(p[0], 1.8f);
}

TEST(NnOptim, ClipGradNorm) {
  Vector g(2);
  g << 3.0f, 4.0f;  // norm 5
  EXPECT_FLOAT_EQ(clip_grad_norm(g, 10.0f), 5.0f);
  EXPECT_FLOAT_EQ(g[0], 3.0f);  // untouched below the limit
  EXPECT_FLOAT_EQ(clip_grad_norm(g, 1.0f), 5.0f);
  // torch: g * max_norm / (norm + 1e-6)
  EXPECT_NEAR(g[0], 3.0 / (5.0 + 1e-6), 1e-7);
  EXPECT_NEAR(g.norm(), 1.0, 1e-6);
}

// Every instruction-set path gives bit-identical results (same IEEE operations, same order).
TEST(NnOptim, KernelPathsAreBitIdentical) {
  using kernels::Isa;
  semra::Rng rng(21, "kernels");
  const Eigen::Index n = 1003;  // not a multiple of 8: exercises every tail
  Vector p0(n), g(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    p0[i] = static_cast<float>(rng.uniform(-1, 1));
    g[i] = (i % 7 == 0 || (i > 500 && i < 540)) ? 0.0f : static_cast<float>(rng.normal() * 0.1);
  }
  for (float wd : {0.0f, 0.01f}) {
    for (bool inside : {false, true}) {
      std::vector<Vector> results;
      for (Isa isa : {Isa::Scalar, Isa::Sse2, Isa::Avx}) {
        if (!kernels::isa_supported(isa)) continue;
        Vector p = p0, v = Vector::Zero(n), m = Vector::Zero(n), v2 = Vector::Zero(n);
        Vector q = p0;
        for (int step = 0; step < 5; ++step) {
          kernels::rmsprop(p.data(), g.data(), v.data(), n, {0.9f, 1e-2f, 1e-7f, wd, inside}, isa);
          kernels::adam(q.data(), g.data(), m.data(), v2.data(), n,
                        {0.9f, 0.999f, 1e-2f, 0.03f, 1e-8f, wd}, isa);
        }
        Vector all(4 * n);
        all << p, v, q, m;
        results.push_back(all);
      }
      ASSERT_GE(results.size(), 1u);
      for (std::size_t k = 1; k < results.size(); ++k)
        EXPECT_EQ(std::memcmp(results[0].data(), results[k].data(),
                              static_cast<std::size_t>(results[0].size()) * sizeof(float)),
                  0)
            << "path " << k << " wd " << wd << " inside " << inside;
    }
  }
}

TEST(NnOptim, SaveLoadRoundTripContinuesIdentically) {
  for (auto cfg : {OptimizerConfig::adam(0.01f), OptimizerConfig::keras_rmsprop(1e-3f, 1e-2f),
                   OptimizerConfig::sgd(0.1f, 0.9f)}) {
    Optimizer a(cfg, 3);
    Vector p(3), g(3);
    p << 1, 2, 3;
    g << 0.1f, -0.2f, 0.3f;
    a.step(p, g);
    a.step(p, g);
    std::stringstream ss;
    a.save(ss);
    Optimizer b(cfg, 3);
    b.load(ss, "test record");
    EXPECT_EQ(b.steps(), 2);
    EXPECT_EQ(b.config(), a.config());
    Vector pa = p, pb = p;
    a.step(pa, g);
    b.step(pb, g);
    EXPECT_EQ(pa, pb);
    EXPECT_EQ(a.state1(), b.state1());
    EXPECT_EQ(a.state2(), b.state2());
  }
}

TEST(NnOptim, LoadRejectsMismatchAndCorruption) {
  Optimizer a(OptimizerConfig::adam(), 3);
  std::stringstream good;
  a.save(good);
  const std::string bytes = good.str();

  Optimizer wrong_size(OptimizerConfig::adam(), 4);
  std::stringstream s1(bytes);
  EXPECT_THROW(wrong_size.load(s1, "r"), semra::InputError);

  Optimizer wrong_kind(OptimizerConfig::torch_rmsprop(), 3);
  std::stringstream s2(bytes);
  EXPECT_THROW(wrong_kind.load(s2, "r"), semra::InputError);

  std::string flipped = bytes;
  flipped[flipped.size() - 12] ^= 0x40;
  std::stringstream s3(flipped);
  EXPECT_THROW(a.load(s3, "r"), semra::InputError);

  std::stringstream s4(bytes.substr(0, bytes.size() - 3));
  EXPECT_THROW(a.load(s4, "r"), semra::InputError);
}

// Config values name the RMSprop they mean; plain "rmsprop" is a scenario's own word (Keras 2's in
// dhdrl, PyTorch's in vderl), resolved before it gets here.
TEST(NnOptim, ConfigNamesSayWhichRmsprop) {
  const OptimizerConfig torch = OptimizerConfig::torch_rmsprop(0.01f);
  EXPECT_EQ(torch.kind, OptimizerKind::RmsProp);
  EXPECT_EQ(torch.alpha, 0.99f);
  EXPECT_EQ(torch.eps, 1e-8f);
  const OptimizerConfig keras = OptimizerConfig::keras_rmsprop(0.01f);
  EXPECT_EQ(keras.kind, OptimizerKind::RmsProp);
  EXPECT_EQ(keras.alpha, 0.9f);
  EXPECT_EQ(keras.eps, 1e-7f);
  EXPECT_EQ(OptimizerConfig::named("rmsprop_torch", 0.01f, "k"), torch);
  EXPECT_EQ(OptimizerConfig::named("rmsprop_keras", 0.01f, "k"), keras);
  EXPECT_EQ(OptimizerConfig::named("adam", 0.01f, "k"), OptimizerConfig::adam(0.01f));
  EXPECT_EQ(OptimizerConfig::named("sgd", 0.01f, "k"), OptimizerConfig::sgd(0.01f));
  try {
    OptimizerConfig::named("rmsprop", 0.01f, "training.optimizer");
    ADD_FAILURE() << "plain rmsprop accepted";
  } catch (const semra::InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "training.optimizer: unknown optimizer 'rmsprop' (expected one of: sgd, adam, "
              "rmsprop_torch, rmsprop_keras)");
  }
}

}  // namespace
