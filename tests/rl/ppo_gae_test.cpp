// GAE(gamma, lambda) against hand-computed cases (episode end, truncation bootstrap, the vector
// env's reset steps, a rollout that ends mid-episode), the value normaliser, and the masked
// categorical policy's sampling.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/rl/ppo.hpp"

namespace {

using semra::Rng;
using namespace semra::rl;

// gamma = 0.9, lambda = 0.8 (gamma lambda = 0.72), T = 5, two environments, rows [t][e].
//   env 0: terminated at t = 1, so t = 2 is its reset step (valid 0); truncated at t = 3, so t = 4
//          is its reset step, whose recorded value V_4 = 5 is V of the truncated episode's final
//          observation; V_5 = 6 belongs to the next episode and must not be used.
//   env 1: no episode end; the rollout's last step bootstraps from V_5 = 3.
struct GaeCase {
  std::vector<float> rewards, values;
  std::vector<std::uint8_t> term, trunc, valid;
};

GaeCase gae_case() {
  GaeCase c;
  c.rewards = {1, 1, 3, 0, 0, -1, 1, 2, 0, 1};
  c.values = {1, 0.5f, 2, -1, 3, 2, 4, 0, 5, 1, 6, 3};
  c.term = {0, 0, 1, 0, 0, 0, 0, 0, 0, 0};
  c.trunc = {0, 0, 0, 0, 0, 0, 1, 0, 0, 0};
  c.valid = {1, 1, 1, 1, 0, 1, 1, 1, 0, 1};
  return c;
}

TEST(PpoGae, HandComputedWithEpisodeEndsTruncationAndResetSteps) {
  const GaeCase c = gae_case();
  std::vector<float> adv(10), ret(10);
  gae(5, 2, 1, c.rewards.data(), c.values.data(), c.term.data(), c.trunc.data(), c.valid.data(),
      0.9f, 0.8f, adv.data(), ret.data());
  // env 0:
  //   t = 4: reset step -> A = 0, R = V_4 = 5.
  //   t = 3: truncated: delta = r + gamma V_4 - V_3 = 1 + 0.9 * 5 - 4 = 1.5; no A_4 term.
  //   t = 2: reset step -> A = 0, R = 3.
  //   t = 1: terminated: delta = 3 + 0 - 2 = 1; A = 1.
  //   t = 0: delta = 1 + 0.9 * 2 - 1 = 1.8; A = 1.8 + 0.72 * 1 = 2.52.
  const float env0_adv[5] = {2.52f, 1.0f, 0.0f, 1.5f, 0.0f};
  const float env0_ret[5] = {3.52f, 3.0f, 3.0f, 5.5f, 5.0f};
  // env 1 (values 0.5, -1, 2, 0, 1; bootstrap 3; rewards 1, 0, -1, 2, 1):
  //   delta_4 = 1 + 2.7 - 1 = 2.7                      A_4 = 2.7
  //   delta_3 = 2 + 0.9 - 0 = 2.9                      A_3 = 2.9 + 0.72 * 2.7 = 4.844
  //   delta_2 = -1 + 0 - 2 = -3                        A_2 = -3 + 0.72 * 4.844 = 0.48768
  //   delta_1 = 0 + 1.8 + 1 = 2.8                      A_1 = 2.8 + 0.72 * 0.48768 = 3.1511296
  //   delta_0 = 1 - 0.9 - 0.5 = -0.4                   A_0 = -0.4 + 0.72 * 3.1511296 = 1.8688133
  const float env1_adv[5] = {1.8688133f, 3.1511296f, 0.48768f, 4.844f, 2.7f};
  const float env1_v[5] = {0.5f, -1.0f, 2.0f, 0.0f, 1.0f};
  for (int t = 0; t < 5; ++t) {
    EXPECT_NEAR(adv[static_cast<std::size_t>(2 * t)], env0_adv[t], 1e-5f) << "env 0, t " << t;
    EXPECT_NEAR(ret[static_cast<std::size_t>(2 * t)], env0_ret[t], 1e-5f) << "env 0, t " << t;
    EXPECT_NEAR(adv[static_cast<std::size_t>(2 * t + 1)], env1_adv[t], 1e-5f) << "env 1, t " << t;
    EXPECT_NEAR(ret[static_cast<std::size_t>(2 * t + 1)], env1_adv[t] + env1_v[t], 1e-5f);
  }
}

// Env 1 again through the definition A_t = sum_l (gamma lambda)^l delta_{t+l} (eq. 16) in double,
// and with gamma = lambda = 1 the Monte Carlo return minus V_t plus the bootstrap.
TEST(PpoGae, MatchesTheDefinitionAndMonteCarlo) {
  const float r[5] = {1, 0, -1, 2, 1}, v[6] = {0.5f, -1, 2, 0, 1, 3};
  const std::uint8_t zero[5] = {0, 0, 0, 0, 0}, one[5] = {1, 1, 1, 1, 1};
  for (auto [gamma, lambda] : {std::pair{0.9, 0.8}, std::pair{0.99, 0.95}, std::pair{1.0, 1.0}}) {
    float adv[5], ret[5];
    gae(5, 1, 1, r, v, zero, zero, one, static_cast<float>(gamma), static_cast<float>(lambda), adv,
        ret);
    for (int t = 0; t < 5; ++t) {
      double expected = 0.0, weight = 1.0;
      for (int l = t; l < 5; ++l) {
        expected += weight * (r[l] + gamma * v[l + 1] - v[l]);
        weight *= gamma * lambda;
      }
      EXPECT_NEAR(adv[t], expected, 1e-5) << gamma << " " << lambda << " t " << t;
      if (gamma == 1.0) {
        double mc = v[5] - v[t];
        for (int l = t; l < 5; ++l) mc += r[l];
        EXPECT_NEAR(adv[t], mc, 1e-5);
      }
    }
  }
}

// Several value columns per environment (per-agent values): column c follows environment c / k's
// episode flags; doubling a column's rewards and values doubles its advantages.
TEST(PpoGae, ColumnsPerEnvironmentShareTheirEnvironmentsFlags) {
  const GaeCase c = gae_case();
  std::vector<float> rewards(20), values(24), adv(20), ret(20), ref_adv(10), ref_ret(10);
  for (std::size_t i = 0; i < 10; ++i) {
    rewards[2 * i] = c.rewards[i];
    rewards[2 * i + 1] = 2 * c.rewards[i];
  }
  for (std::size_t i = 0; i < 12; ++i) {
    values[2 * i] = c.values[i];
    values[2 * i + 1] = 2 * c.values[i];
  }
  gae(5, 2, 2, rewards.data(), values.data(), c.term.data(), c.trunc.data(), c.valid.data(), 0.9f,
      0.8f, adv.data(), ret.data());
  gae(5, 2, 1, c.rewards.data(), c.values.data(), c.term.data(), c.trunc.data(), c.valid.data(),
      0.9f, 0.8f, ref_adv.data(), ref_ret.data());
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_FLOAT_EQ(adv[2 * i], ref_adv[i]);
    EXPECT_NEAR(adv[2 * i + 1], 2 * ref_adv[i], 1e-5f);
    EXPECT_NEAR(ret[2 * i + 1], 2 * ref_ret[i], 1e-5f);
  }
}

// The first update sees exactly the batch statistics (debiasing); then an exponential moving
// average of E[x] and E[x^2] with weight beta; variance floored at 1e-2; weight-0 rows ignored.
TEST(PpoValueNorm, DebiasedRunningMoments) {
  ValueNormalizer norm(0.5);
  EXPECT_NEAR(norm.stddev(), 0.1, 1e-12);  // before any data: mean 0, variance floor 1e-2
  const float x[4] = {1, 3, 100, 5}, w[4] = {1, 1, 0, 1};
  norm.update(x, w, 4);
  EXPECT_NEAR(norm.mean(), 3.0, 1e-12);
  EXPECT_NEAR(norm.stddev(), std::sqrt(35.0 / 3.0 - 9.0), 1e-12);
  EXPECT_NEAR(norm.normalize(5.0f), (5.0 - 3.0) / std::sqrt(8.0 / 3.0), 1e-6);
  EXPECT_NEAR(norm.denormalize(norm.normalize(7.25f)), 7.25f, 1e-5f);
  const float y[2] = {10, 10}, wy[2] = {1, 1};
  norm.update(y, wy, 2);
  // m = (0.5 * 0.5 * 3 + 0.5 * 10) / 0.75 = 23/3; E[x^2] = (0.25 * 35/3 + 50) / 0.75.
  const double m = 23.0 / 3.0, m2 = (0.25 * 35.0 / 3.0 + 50.0) / 0.75;
  EXPECT_NEAR(norm.mean(), m, 1e-9);
  EXPECT_NEAR(norm.stddev(), std::sqrt(m2 - m * m), 1e-9);
  const float none[2] = {0, 0};
  norm.update(y, none, 2);
  EXPECT_NEAR(norm.mean(), m, 1e-9);
}

// Masked categorical: frequencies match softmax over the valid actions, masked actions are never
// drawn, log pi is returned with the action; greedy ties go to the lowest index.
TEST(PpoCategorical, SamplesTheMaskedSoftmax) {
  const float logits[5] = {0.0f, 1.0f, 5.0f, 1.0f, -1.0f};
  const std::uint8_t mask[5] = {1, 1, 0, 1, 1};
  Rng rng(1, "cat");
  std::vector<int> counts(5, 0);
  float lp = 0.0f, ws[5];
  const int n = 40000;
  double z = 0.0;
  for (int j : {0, 1, 3, 4}) z += std::exp(static_cast<double>(logits[j]));
  for (int i = 0; i < n; ++i) {
    const int a = sample_masked_categorical(logits, mask, 5, rng, &lp, ws);
    ++counts[static_cast<std::size_t>(a)];
    ASSERT_NEAR(lp, logits[a] - std::log(z), 1e-6);
  }
  EXPECT_EQ(counts[2], 0);
  for (int j : {0, 1, 3, 4}) {
    const double p = std::exp(static_cast<double>(logits[j])) / z;
    // 4.5 standard deviations of a binomial count.
    EXPECT_NEAR(counts[static_cast<std::size_t>(j)], n * p, 4.5 * std::sqrt(n * p * (1 - p))) << j;
  }
  EXPECT_EQ(greedy_masked_categorical(logits, mask, 5), 1);
  EXPECT_EQ(greedy_masked_categorical(logits, nullptr, 5), 2);
  const std::uint8_t none[5] = {0, 0, 0, 0, 0};
  EXPECT_EQ(greedy_masked_categorical(logits, none, 5), -1);
  EXPECT_THROW(sample_masked_categorical(logits, none, 5, rng, &lp, ws), std::invalid_argument);
}

}  // namespace
