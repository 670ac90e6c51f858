// Unit tests of the dhdrl radio models against hand-computed values.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <vector>

#include "semra/core/work_team.hpp"
#include "semra/radio/antenna.hpp"
#include "semra/radio/fading.hpp"
#include "semra/radio/geometry.hpp"
#include "semra/radio/multipath.hpp"
#include "semra/radio/pathloss.hpp"
#include "semra/radio/sinr.hpp"
#include "semra/radio/units.hpp"

using namespace semra::radio;

TEST(PathLoss, HandComputedValues) {
  EXPECT_NEAR(path_loss_db(1000.0), 120.9, 1e-12);                          // log10(1) = 0
  EXPECT_NEAR(path_loss_db(100.0), 120.9 - 37.6, 1e-12);                    // log10(0.1) = -1
  EXPECT_NEAR(path_loss_db(200.0), 120.9 + 37.6 * std::log10(0.2), 1e-12);  // 94.619 dB
  EXPECT_NEAR(path_loss_db(200.0), 94.6186, 1e-3);
  EXPECT_NEAR(path_loss_db(0.1), path_loss_db(1.0), 1e-12);  // clamped at 1 m
}

TEST(Geometry, HexCellCountsAndFirstRing) {
  EXPECT_EQ(hex_cell_count(0), 1);
  EXPECT_EQ(hex_cell_count(1), 7);
  EXPECT_EQ(hex_cell_count(2), 19);
  EXPECT_EQ(hex_cell_count(3), 37);
  for (int r = 0; r <= 3; ++r) {
    EXPECT_EQ(static_cast<int>(hex_bs_positions(r, 200.0).size()), hex_cell_count(r));
  }
  const auto p = hex_bs_positions(1, 200.0);
  EXPECT_NEAR(p[0].x_m, 0.0, 1e-9);
  EXPECT_NEAR(p[0].y_m, 0.0, 1e-9);
  for (int n = 0; n < 6; ++n) {
    const double a = deg_to_rad(-30.0 + 60.0 * n);
    EXPECT_NEAR(p[1 + n].x_m, 400.0 * std::cos(a), 1e-9) << n;
    EXPECT_NEAR(p[1 + n].y_m, 400.0 * std::sin(a), 1e-9) << n;
  }
  // Every BS of 37 cells is distinct and its nearest neighbour is at 2R.
  const auto q = hex_bs_positions(3, 200.0);
  for (std::size_t i = 0; i < q.size(); ++i) {
    double nearest = 1e18;
    for (std::size_t j = 0; j < q.size(); ++j) {
      if (i != j) nearest = std::min(nearest, distance_m(q[i], q[j]));
    }
    EXPECT_NEAR(nearest, 400.0, 1e-6);
  }
}

TEST(Geometry, UserDropWithinAnnulus) {
  semra::Rng rng(1, "topology");
  const Point bs{100.0, -50.0};
  for (int i = 0; i < 1000; ++i) {
    const double d = distance_m(bs, drop_user(rng, bs, 10.0, 200.0));
    EXPECT_GE(d, 10.0 - 1e-9);
    EXPECT_LE(d, 200.0 + 1e-9);
  }
}

TEST(Antenna, DftCodebookIsOrthonormal) {
  const DftCodebook cb(8, 8);
  for (int c = 0; c < 8; ++c) {
    for (int d = 0; d < 8; ++d) {
      cplx ip{};
      for (int n = 0; n < 8; ++n) ip += std::conj(cb.word(c)[n]) * cb.word(d)[n];
      EXPECT_NEAR(std::abs(ip), c == d ? 1.0 : 0.0, 1e-12) << c << "," << d;
    }
  }
  // w_c[n] = exp(j 2 pi n c / N) / sqrt(N)
  EXPECT_NEAR(std::arg(cb.word(1)[1]), 2.0 * kPi / 8.0, 1e-12);
  EXPECT_NEAR(std::abs(cb.word(3)[5]), 1.0 / std::sqrt(8.0), 1e-12);
}

TEST(Antenna, SteeringVectorsHaveUnitNorm) {
  std::vector<cplx> a(8);
  for (double phi : {-3.0, -1.0, 0.0, 0.3, 1.5707963, 2.9}) {
    steering_vector(8, phi, a.data());
    double norm2 = 0.0;
    for (const auto& x : a) norm2 += std::norm(x);
    EXPECT_NEAR(norm2, 1.0, 1e-12);
    EXPECT_NEAR(std::arg(a[1] / a[0]), std::remainder(kPi * std::cos(phi), 2.0 * kPi), 1e-9);
  }
  // Broadside (phi = 90 deg): all phases equal, so codeword 0 captures all the power.
  steering_vector(8, kPi / 2.0, a.data());
  const DftCodebook cb(8, 8);
  EXPECT_NEAR(std::norm(project(a.data(), cb.word(0), 8)), 1.0, 1e-12);
}

TEST(Fading, GaussMarkovVarianceAndLag1Correlation) {
  // Stationary AR(1) with variance 1/L = 0.25 and rho = 0.64: measured over 200k steps.
  semra::Rng rng(7, "fading");
  const GaussMarkov gm{0.64, 0.25};
  std::complex<double> g = complex_normal(rng, 0.25);
  const int n = 200000;
  double power = 0.0, first_power = 0.0;
  std::complex<double> lag1{};
  for (int t = 0; t < n; ++t) {
    const auto next = gm.next(rng, g);
    power += std::norm(g);
    lag1 += next * std::conj(g);
    g = next;
  }
  power /= n;
  lag1 /= static_cast<double>(n);
  // Std error of the mean power ~ 0.25 * sqrt((1 + rho^2)/(1 - rho^2) / n) ~ 0.0008; allow 5 sigma.
  EXPECT_NEAR(power, 0.25, 0.004);
  EXPECT_NEAR(lag1.real() / power, 0.64, 0.01);
  EXPECT_NEAR(lag1.imag() / power, 0.0, 0.01);
  // The very first draws already have the stationary variance (no drift from 1/L to 1).
  for (int rep = 0; rep < 20000; ++rep) first_power += std::norm(complex_normal(rng, 0.25));
  EXPECT_NEAR(first_power / 20000.0, 0.25, 0.01);
}

TEST(Multipath, ChannelGainMatchesExplicitVectorAndFadingStaysStationary) {
  const std::vector<Point> tx{{0.0, 0.0}, {400.0, 0.0}};
  const std::vector<Point> rx{{100.0, 50.0}, {380.0, -120.0}};
  const DftCodebook cb(8, 8);
  MultipathParams mp;
  semra::Rng sh(1, "shadowing"), aod(1, "aod"), fad(1, "fading");
  MultipathChannel ch;
  ch.reset(tx, rx, cb, mp, sh, aod, fad);
  for (int t = 0; t < 2; ++t) {
    for (int r = 0; r < 2; ++r) {
      const auto h = ch.channel_vector(t, r);
      for (int c = 0; c < 8; ++c) {
        cplx hw{};
        for (int n = 0; n < 8; ++n) hw += h[n] * cb.word(c)[n];
        EXPECT_NEAR(ch.gain(t, r, c) / std::norm(hw), 1.0, 1e-9);
      }
    }
  }
  // Mean of sum_l |g_l|^2 over pairs and many slots stays L * 1/L = 1.
  double acc = 0.0;
  const int steps = 20000;
  for (int s = 0; s < steps; ++s) {
    ch.step(fad);
    for (int t = 0; t < 2; ++t)
      for (int r = 0; r < 2; ++r)
        for (int l = 0; l < 4; ++l) acc += std::norm(ch.fading(t, r, l));
  }
  EXPECT_NEAR(acc / (steps * 4.0), 1.0, 0.03);
}

// step() on a WorkTeam splits the pairs into parts computed at once, each from its own copy of the
// stream advanced to where the serial loop would be: the fading and the stream after the step are
// the serial ones at any team size.
TEST(Multipath, StepOnATeamGivesTheSerialFadingAndStream) {
  std::vector<Point> pts;
  for (int i = 0; i < 19; ++i) pts.push_back({150.0 * i, 40.0 * (i % 3)});
  const DftCodebook cb(8, 8);
  const MultipathParams mp;  // 19 x 19 pairs x 4 paths = 1444 gains: two or three parts
  auto run = [&](int threads) {
    semra::Rng sh(3, "shadowing"), aod(3, "aod"), fad(3, "fading");
    MultipathChannel ch;
    ch.reset(pts, pts, cb, mp, sh, aod, fad);
    semra::WorkTeam team(threads);
    for (int s = 0; s < 5; ++s) ch.step(fad, &team);
    std::vector<cplx> g;
    for (int t = 0; t < 19; ++t)
      for (int r = 0; r < 19; ++r)
        for (int l = 0; l < 4; ++l) g.push_back(ch.fading(t, r, l));
    g.push_back({fad.uniform(), 0.0});  // the stream's next draw
    return g;
  };
  const auto one = run(1);
  EXPECT_EQ(run(2), one);
  EXPECT_EQ(run(3), one);
}

TEST(Sinr, HandBuiltTwoCellCase) {
  // Two BSs, one UT each; single path, no fading randomness: gains set by hand.
  // UT0 receives 1e-9 W from BS0 (serving) and 2e-10 W from BS1; noise -114 dBm = 3.98e-15 W.
  const double noise_w = dbm_to_w(-114.0);
  EXPECT_NEAR(noise_w, 3.981071705534969e-15, 1e-24);
  const std::vector<double> rx0{1e-9, 2e-10};
  EXPECT_NEAR(sinr(rx0, 0, noise_w), 1e-9 / (2e-10 + noise_w), 1e-12);
  EXPECT_NEAR(linear_to_db(sinr(rx0, 0, noise_w)), 6.9896, 1e-3);
  // UT1 served by BS1 with the roles swapped; BS0 switched off -> SNR.
  const std::vector<double> rx1{0.0, 5e-12};
  EXPECT_NEAR(sinr(rx1, 1, noise_w), 5e-12 / noise_w, 1e-9);
  // Full chain: p = 38 dBm, distance 200 m, no shadowing, one path at broadside, g = 1, codeword 0.
  const double p_w = dbm_to_w(38.0);
  const double g_serv = db_to_linear(-path_loss_db(200.0));
  const double g_int = db_to_linear(-path_loss_db(400.0));
  const std::vector<double> rx{p_w * g_serv, p_w * g_int};
  const double expected_db =
      (-path_loss_db(200.0)) - linear_to_db(db_to_linear(-path_loss_db(400.0)) + noise_w / p_w);
  EXPECT_NEAR(linear_to_db(sinr(rx, 0, noise_w)), expected_db, 1e-9);
  EXPECT_NEAR(expected_db, 37.6 * std::log10(2.0), 1e-3);  // interference-limited: 11.32 dB
}
