#include "semra/core/rng.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using semra::Rng;

TEST(Rng, SameSeedAndNameGiveSameStream) {
  Rng a(42, "fading"), b(42, "fading");
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next_u64(), b.next_u64());
}

TEST(Rng, DifferentNamesOrSeedsGiveDifferentStreams) {
  Rng a(42, "fading"), b(42, "topology"), c(43, "fading");
  const auto x = a.next_u64();
  EXPECT_NE(x, b.next_u64());
  EXPECT_NE(x, c.next_u64());
}

TEST(Rng, ChildIsIndependentOfParentDraws) {
  Rng a(7, "agents"), b(7, "agents");
  for (int i = 0; i < 10; ++i) b.next_u64();
  Rng ca = a.child("agent", 3), cb = b.child("agent", 3);
  EXPECT_EQ(ca.next_u64(), cb.next_u64());
  EXPECT_NE(a.child("agent", 3).next_u64(), a.child("agent", 4).next_u64());
}

TEST(Rng, UniformMomentsAndRange) {
  Rng r(1, "u");
  const int n = 200000;
  double s = 0, s2 = 0;
  for (int i = 0; i < n; ++i) {
    const double u = r.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    s += u;
    s2 += u * u;
  }
  EXPECT_NEAR(s / n, 0.5, 0.005);
  EXPECT_NEAR(s2 / n - (s / n) * (s / n), 1.0 / 12.0, 0.002);
}

TEST(Rng, UniformIntIsUnbiasedOverSmallRange) {
  Rng r(2, "i");
  std::vector<int> count(7, 0);
  const int n = 70000;
  for (int i = 0; i < n; ++i) {
    const int k = r.uniform_int(7);
    ASSERT_GE(k, 0);
    ASSERT_LT(k, 7);
    ++count[k];
  }
  // Each bin ~ Binomial(n, 1/7): sd ~ 92; 5 sd tolerance.
  for (int c : count) EXPECT_NEAR(c, n / 7.0, 460);
}

TEST(Rng, NormalAndExponentialMoments) {
  Rng r(3, "n");
  const int n = 200000;
  double s = 0, s2 = 0, e = 0;
  for (int i = 0; i < n; ++i) {
    const double x = r.normal();
    s += x;
    s2 += x * x;
    e += r.exponential();
  }
  EXPECT_NEAR(s / n, 0.0, 0.01);
  EXPECT_NEAR(s2 / n, 1.0, 0.015);
  EXPECT_NEAR(e / n, 1.0, 0.01);
}

TEST(Rng, StateRoundTrip) {
  Rng r(9, "s");
  r.next_u64();
  const auto st = r.state();
  const auto x = r.next_u64();
  r.set_state(st);
  EXPECT_EQ(r.next_u64(), x);
}
