#include "semra/core/stats.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace st = semra::stats;

TEST(Stats, MeanStddevCi95) {
  const std::vector<double> x{1, 2, 3, 4, 5};
  EXPECT_DOUBLE_EQ(st::mean(x), 3.0);
  EXPECT_NEAR(st::stddev(x), std::sqrt(2.5), 1e-12);
  // t_{0.975,4} = 2.7764 -> 2.7764 * sqrt(2.5) / sqrt(5)
  EXPECT_NEAR(st::ci95(x), 2.7764 * std::sqrt(2.5) / std::sqrt(5.0), 1e-9);
  EXPECT_EQ(st::ci95({3.0}), 0.0);
}

TEST(Stats, TQuantileLargeDofApproachesNormal) {
  EXPECT_NEAR(st::t975(1000), 1.9623, 1e-3);
  EXPECT_NEAR(st::t975(40), 2.0211, 1e-3);
}

TEST(Stats, PercentileLinearInterpolation) {
  const std::vector<float> x{4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(st::percentile(x, 0), 1.0);
  EXPECT_DOUBLE_EQ(st::percentile(x, 100), 4.0);
  EXPECT_DOUBLE_EQ(st::percentile(x, 50), 2.5);
  EXPECT_NEAR(st::percentile(x, 10), 1.3, 1e-9);
}

TEST(Stats, WelchPValueMatchesReference) {
  // t = -2 / sqrt(2.5/5 + 2.5/5) = -2, dof = 8; two-sided p of Student t(8) at |t| = 2 is
  // 0.080516 (scipy.stats.ttest_ind(a, b, equal_var=False) gives the same).
  const std::vector<double> a{1, 2, 3, 4, 5}, b{3, 4, 5, 6, 7};
  EXPECT_NEAR(st::welch_p_value(a, b), 0.080516, 2e-5);
  EXPECT_NEAR(st::welch_p_value(a, a), 1.0, 1e-12);
  EXPECT_TRUE(std::isnan(st::welch_p_value({1}, b)));
}

TEST(Stats, IncompleteBetaKnownValues) {
  EXPECT_NEAR(st::incomplete_beta(1, 1, 0.3), 0.3, 1e-12);
  EXPECT_NEAR(st::incomplete_beta(2, 3, 0.4), 0.5248, 1e-10);
}

// Finite values whose sum or squared deviations overflow a double still have a representable mean
// and CI: they were silently inf. A spread that is itself beyond a double stays inf.
TEST(Stats, MeanAndCiOfHugeFiniteValuesDoNotOverflow) {
  EXPECT_EQ(semra::stats::mean({1e308, 1e308}), 1e308);
  EXPECT_EQ(semra::stats::ci95({1e308, 1e308}), 0.0);
  EXPECT_NEAR(semra::stats::mean({1.5e308, 1.7e308, 1.6e308}) / 1.6e308, 1.0, 1e-14);
  // sd of {1e308, 1.2e308, 1.4e308} is 2e307: its squares (4e614) overflow a plain sum.
  EXPECT_NEAR(semra::stats::stddev({1e308, 1.2e308, 1.4e308}) / 2e307, 1.0, 1e-12);
  EXPECT_TRUE(std::isfinite(semra::stats::ci95({1e308, 1.2e308, 1.4e308})));
  EXPECT_EQ(semra::stats::mean({1e308, -1e308}), 0.0);
  EXPECT_TRUE(std::isinf(semra::stats::stddev({1.7e308, -1.7e308})));  // 2.4e308 > DBL_MAX
  // Ordinary values: the plain computation, bit for bit.
  const std::vector<double> x = {0.1, 0.2, 0.3};
  EXPECT_EQ(semra::stats::mean(x), (0.1 + 0.2 + 0.3) / 3.0);
}
