// Finite-difference checks of the PPO loss pieces (rl/ppo.hpp), as tests/nn/gradient_test.cpp does
// for the engine: the clipped surrogate with its entropy bonus over masked logits, the value loss
// with and without clipping (MSE and Huber), and both through an Mlp to its parameters. Points are
// placed away from the kinks (ratio at 1 +- eps, |V - V_old| at the value clip, |d| at the Huber
// delta), where central differences are meaningless; h = 1e-2 on smooth pieces gives ~1e-4
// relative accuracy in float (nn/gradcheck.hpp), so 2e-3 leaves a margin.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/nn/gradcheck.hpp"
#include "semra/nn/mlp.hpp"
#include "semra/rl/ppo.hpp"

namespace {

using semra::Rng;
using namespace semra::rl;
namespace nn = semra::nn;

nn::Matrix random_matrix(Eigen::Index rows, Eigen::Index cols, Rng& rng) {
  nn::Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(rng.uniform(-1, 1));
  return m;
}

// A minibatch of 7 rows over 5 actions whose probability ratios r = pi / pi_old are set to chosen
// values: inside the clip range, and outside it on the clipped and on the unclipped side for both
// signs of the advantage. Row 6 takes no part (weight 0, all actions masked).
struct PolicyCase {
  nn::Matrix logits;
  nn::MaskMatrix masks;
  Eigen::VectorXi actions;
  nn::Vector old_log_probs, advantages, weights;
  std::vector<float> ratios;
};

PolicyCase policy_case(Rng& rng) {
  PolicyCase c;
  const int n = 7, na = 5;
  c.logits = random_matrix(n, na, rng);
  c.masks.resize(n, na);
  c.masks << 1, 1, 1, 1, 1,  //
      1, 0, 1, 1, 0,         //
      0, 1, 1, 0, 1,         //
      1, 1, 0, 1, 1,         //
      1, 1, 1, 0, 0,         //
      0, 0, 1, 1, 1,         //
      0, 0, 0, 0, 0;
  c.actions.resize(n);
  c.actions << 2, 3, 1, 4, 0, 2, 0;
  // r inside; r = 1.5 with A > 0 (clipped: no surrogate gradient); 1.5 with A < 0 (unclipped);
  // 0.5 with A < 0 (clipped); 0.5 with A > 0 (unclipped); inside again; unused.
  c.ratios = {1.05f, 1.5f, 1.5f, 0.5f, 0.5f, 0.9f, 1.0f};
  c.advantages.resize(n);
  c.advantages << 0.7f, 1.3f, -0.8f, -1.1f, 0.6f, -0.4f, 2.0f;
  c.weights = nn::Vector::Ones(n);
  c.weights[6] = 0.0f;
  std::vector<float> lp(na);
  c.old_log_probs.resize(n);
  for (int i = 0; i < n; ++i) {
    if (i == 6) {
      c.old_log_probs[i] = 0.0f;
      continue;
    }
    masked_log_softmax_row(&c.logits(i, 0), &c.masks(i, 0), na, lp.data());
    c.old_log_probs[i] = lp[static_cast<std::size_t>(c.actions[i])] -
                         std::log(c.ratios[static_cast<std::size_t>(i)]);
  }
  return c;
}

TEST(PpoGradient, ClippedSurrogateWithEntropyOverMaskedLogits) {
  for (float entropy_coef : {0.0f, 0.05f}) {
    Rng rng(1, "policy");
    PolicyCase c = policy_case(rng);
    PolicyLossWorkspace ws, scratch_ws;
    nn::Matrix grad, scratch_grad;
    const PolicyLossStats s =
        ppo_policy_loss(c.logits, c.masks, c.actions, c.old_log_probs, c.advantages, c.weights,
                        0.2f, entropy_coef, ws, grad);
    EXPECT_DOUBLE_EQ(s.weight, 6.0);
    // Ratios outside [0.8, 1.2]: rows 1-4.
    EXPECT_NEAR(s.clip_fraction, 4.0 / 6.0, 1e-12);
    auto f = [&] {
      return ppo_policy_loss(c.logits, c.masks, c.actions, c.old_log_probs, c.advantages, c.weights,
                             0.2f, entropy_coef, scratch_ws, scratch_grad)
          .loss;
    };
    const auto num = nn::numerical_gradient(f, c.logits.data(),
                                            static_cast<std::size_t>(c.logits.size()), 1e-2f);
    const auto r =
        nn::compare_gradients(Eigen::Map<const nn::Vector>(grad.data(), grad.size()), num);
    EXPECT_LT(r.max_rel_error, 2e-3) << "entropy_coef " << entropy_coef << ", worst " << r.worst;
    for (Eigen::Index i = 0; i < grad.rows(); ++i)
      for (Eigen::Index j = 0; j < grad.cols(); ++j)
        if (!c.masks(i, j)) {
          EXPECT_EQ(grad(i, j), 0.0f) << "masked entry " << i << "," << j;
        }
    // Without the entropy bonus, the clipped rows (1 and 3) get no gradient at all.
    if (entropy_coef == 0.0f) {
      EXPECT_EQ(grad.row(1).cwiseAbs().maxCoeff(), 0.0f);
      EXPECT_EQ(grad.row(3).cwiseAbs().maxCoeff(), 0.0f);
      EXPECT_GT(grad.row(2).cwiseAbs().maxCoeff(), 0.0f);
      EXPECT_GT(grad.row(4).cwiseAbs().maxCoeff(), 0.0f);
    }
  }
}

// Hand values at r = 1 (first epoch): L = -mean(A) - c_2 mean(S); two actions of equal logits
// have S = log 2.
TEST(PpoLoss, KnownValuesAtRatioOne) {
  nn::Matrix logits(2, 3);
  logits << 0.5f, 0.5f, 9.0f, 1.0f, 2.0f, 3.0f;
  nn::MaskMatrix masks(2, 3);
  masks << 1, 1, 0, 1, 1, 1;
  Eigen::VectorXi actions(2);
  actions << 0, 2;
  std::vector<float> lp(3);
  nn::Vector old(2), adv(2), w = nn::Vector::Ones(2);
  masked_log_softmax_row(&logits(0, 0), &masks(0, 0), 3, lp.data());
  EXPECT_NEAR(lp[0], std::log(0.5), 1e-6);
  EXPECT_EQ(lp[2], nn::kMaskedLogProb);
  old[0] = lp[0];
  masked_log_softmax_row(&logits(1, 0), &masks(1, 0), 3, lp.data());
  old[1] = lp[2];
  double h1 = 0.0;
  for (float l : lp) h1 -= std::exp(static_cast<double>(l)) * l;
  adv << 2.0f, -1.0f;
  PolicyLossWorkspace ws;
  nn::Matrix grad;
  const auto s = ppo_policy_loss(logits, masks, actions, old, adv, w, 0.2f, 0.1f, ws, grad);
  EXPECT_NEAR(s.loss, -(0.5 * (2.0 - 1.0) + 0.1 * 0.5 * (std::log(2.0) + h1)), 1e-6);
  EXPECT_NEAR(s.entropy, 0.5 * (std::log(2.0) + h1), 1e-6);
  EXPECT_NEAR(s.approx_kl, 0.0, 1e-7);
  EXPECT_EQ(s.clip_fraction, 0.0);
  // d(-A/2 log pi_0)/dz_0 at pi_0 = 1/2, entropy at its maximum (gradient 0): -(2/2)(1 - 1/2).
  EXPECT_NEAR(grad(0, 0), -0.5f, 1e-6f);
  EXPECT_NEAR(grad(0, 1), 0.5f, 1e-6f);
  EXPECT_EQ(grad(0, 2), 0.0f);
}

// Rows inside the clip range (0, 5), outside it with the plain term the larger (1, 2), outside it
// with the clipped term the larger (3, 4: V moved past R by more than the clip, so the max is the
// constant clipped term and there is no gradient), residuals on both sides of the Huber delta.
TEST(PpoGradient, ValueLossWithAndWithoutClipping) {
  nn::Vector v(7), old(7), ret(7), w(7);
  v << 0.5f, 1.0f, -0.2f, 1.0f, 0.3f, -1.5f, 4.0f;
  old << 0.45f, 0.5f, 0.4f, 0.0f, 0.9f, -1.4f, 0.0f;
  ret << 0.1f, 0.6f, 3.0f, 0.9f, 0.35f, 1.0f, 0.0f;
  w << 1, 1, 1, 1, 1, 1, 0;
  for (auto kind : {nn::LossKind::Mse, nn::LossKind::Huber})
    for (float clip : {0.0f, 0.2f}) {
      nn::Vector grad(7), scratch(7);
      ppo_value_loss(v, old, ret, w, clip, kind, 1.0f, 0.5f, grad);
      auto f = [&] { return ppo_value_loss(v, old, ret, w, clip, kind, 1.0f, 0.5f, scratch); };
      const auto num = nn::numerical_gradient(f, v.data(), 7, 1e-2f);
      const auto r = nn::compare_gradients(grad, num);
      EXPECT_LT(r.max_rel_error, 2e-3)
          << nn::to_string(kind) << " clip " << clip << " worst " << r.worst;
      EXPECT_EQ(grad[6], 0.0f);
      for (int i : {0, 1, 2, 5}) EXPECT_NE(grad[i], 0.0f) << i;
      for (int i : {3, 4}) {
        if (clip > 0.0f)
          EXPECT_EQ(grad[i], 0.0f) << i;
        else
          EXPECT_NE(grad[i], 0.0f) << i;
      }
    }
  // Clipped term larger: V moved past R beyond the clip range. V_old = 0, V = 1, R = 0.9:
  // plain (0.1)^2 / 2 < clipped (0.2 - 0.9)^2 / 2, and V^clip is constant: zero gradient.
  nn::Vector v1(1), o1(1), r1(1), w1(1), g1(1);
  v1 << 1.0f;
  o1 << 0.0f;
  r1 << 0.9f;
  w1 << 1.0f;
  const double l = ppo_value_loss(v1, o1, r1, w1, 0.2f, nn::LossKind::Mse, 1.0f, 1.0f, g1);
  EXPECT_NEAR(l, 0.5 * 0.7 * 0.7, 1e-6);
  EXPECT_EQ(g1[0], 0.0f);
  EXPECT_NEAR(ppo_value_loss(v1, o1, r1, w1, 0.0f, nn::LossKind::Mse, 1.0f, 1.0f, g1),
              0.5 * 0.1 * 0.1, 1e-7);
  EXPECT_NEAR(g1[0], 0.1f, 1e-6f);
  // Huber beyond delta: delta (|d| - delta / 2), slope delta sign(d).
  r1 << -2.0f;
  EXPECT_NEAR(ppo_value_loss(v1, o1, r1, w1, 0.0f, nn::LossKind::Huber, 1.0f, 1.0f, g1), 2.5, 1e-6);
  EXPECT_NEAR(g1[0], 1.0f, 1e-7f);
}

// The actor's loss through a 6-8-5 tanh network to its parameters, and the critic's through a
// 4-8-1 tanh network, as the learner back-propagates them.
TEST(PpoGradient, ThroughTheNetworksToTheParameters) {
  Rng rng(3, "nets");
  PolicyCase c = policy_case(rng);
  nn::Mlp actor({6, 8, 5}, nn::Activation::Tanh, nn::Activation::Identity, rng);
  const nn::Matrix x = random_matrix(7, 6, rng);
  // Old log-probabilities from the network's own policy at chosen ratios.
  {
    const nn::Matrix z = actor.forward(x);
    std::vector<float> lp(5);
    for (int i = 0; i < 6; ++i) {
      masked_log_softmax_row(&z(i, 0), &c.masks(i, 0), 5, lp.data());
      c.old_log_probs[i] = lp[static_cast<std::size_t>(c.actions[i])] -
                           std::log(c.ratios[static_cast<std::size_t>(i)]);
    }
  }
  PolicyLossWorkspace lp, slp;
  nn::Matrix grad, sgrad;
  ppo_policy_loss(actor.forward(x), c.masks, c.actions, c.old_log_probs, c.advantages, c.weights,
                  0.2f, 0.05f, lp, grad);
  actor.backward(grad);
  const nn::Vector analytic = actor.grads();
  auto f = [&] {
    return ppo_policy_loss(actor.forward(x), c.masks, c.actions, c.old_log_probs, c.advantages,
                           c.weights, 0.2f, 0.05f, slp, sgrad)
        .loss;
  };
  auto num = nn::numerical_gradient(f, actor.params().data(),
                                    static_cast<std::size_t>(actor.params().size()), 1e-2f);
  auto r = nn::compare_gradients(analytic, num);
  EXPECT_LT(r.max_rel_error, 2e-3) << "actor, worst parameter " << r.worst;

  nn::Mlp critic({4, 8, 1}, nn::Activation::Tanh, nn::Activation::Identity, rng);
  const nn::Matrix s = random_matrix(6, 4, rng);
  nn::Vector old(6), ret(6), w = nn::Vector::Ones(6), v(6), g(6), sv(6), sg(6);
  const nn::Matrix v0 = critic.forward(s);
  for (int i = 0; i < 6; ++i) {
    old[i] = v0(i, 0) + (i % 2 ? 0.05f : -0.6f);  // rows 1, 3, 5 inside the clip range
    ret[i] = v0(i, 0) + (i % 3 ? 1.5f : -0.4f);
  }
  v = critic.forward(s).col(0);
  ppo_value_loss(v, old, ret, w, 0.2f, nn::LossKind::Huber, 1.0f, 1.0f, g);
  critic.backward(Eigen::Map<const nn::Matrix>(g.data(), 6, 1));
  const nn::Vector critic_analytic = critic.grads();
  auto fc = [&] {
    sv = critic.forward(s).col(0);
    return ppo_value_loss(sv, old, ret, w, 0.2f, nn::LossKind::Huber, 1.0f, 1.0f, sg);
  };
  num = nn::numerical_gradient(fc, critic.params().data(),
                               static_cast<std::size_t>(critic.params().size()), 1e-2f);
  r = nn::compare_gradients(critic_analytic, num);
  EXPECT_LT(r.max_rel_error, 2e-3) << "critic, worst parameter " << r.worst;
}

}  // namespace
