// OFDMA downlink of the vderl scenario: disc geometry, Rayleigh d^-2 channels per RB, SINR with
// co-channel interference (eq. 4), rates and multi-RB accounting.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "semra/radio/ofdma.hpp"
#include "semra/radio/units.hpp"

namespace radio = semra::radio;

TEST(OfdmaGeometry, ServersEvenlyOnTheRing) {
  const auto s = radio::disc_server_positions(5, 250.0);
  ASSERT_EQ(s.size(), 5u);
  for (std::size_t v = 0; v < s.size(); ++v) {
    EXPECT_NEAR(std::hypot(s[v].x_m, s[v].y_m), 250.0, 1e-9);
    const auto& n = s[(v + 1) % s.size()];
    EXPECT_NEAR(radio::distance_m(s[v], n), 2 * 250.0 * std::sin(radio::kPi / 5), 1e-9);
  }
  const auto one = radio::disc_server_positions(1, 250.0);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].x_m, 0.0);
}

TEST(OfdmaGeometry, UsersInsideAreasAndSortedServiceLists) {
  radio::DiscGeometry g;  // V = 5, U = 50, 500 / 250 / 300 m
  semra::Rng rng(7, "geometry");
  const auto t = radio::draw_disc_topology(g, rng);
  ASSERT_EQ(t.users.size(), 50u);
  for (int k = 0; k < g.users; ++k) {
    const auto& u = t.users[static_cast<std::size_t>(k)];
    EXPECT_LE(std::hypot(u.x_m, u.y_m), g.area_radius_m + 1e-9);
    int covering = 0;
    for (int v = 0; v < g.servers; ++v)
      covering +=
          radio::distance_m(u, t.servers[static_cast<std::size_t>(v)]) <= g.service_radius_m;
    EXPECT_GE(covering, 1) << "user " << k << " outside every service area";
    EXPECT_EQ(covering, t.coverage[static_cast<std::size_t>(k)]);
  }
  for (int v = 0; v < g.servers; ++v) {
    const auto& area = t.in_area[static_cast<std::size_t>(v)];
    for (std::size_t i = 1; i < area.size(); ++i)
      EXPECT_LE(t.distance_m[static_cast<std::size_t>(v) * 50 + area[i - 1]],
                t.distance_m[static_cast<std::size_t>(v) * 50 + area[i]]);
  }
  // Deterministic per stream.
  semra::Rng rng2(7, "geometry");
  const auto t2 = radio::draw_disc_topology(g, rng2);
  EXPECT_EQ(t2.users[13].x_m, t.users[13].x_m);
}

TEST(OfdmaChannel, SinrOnAHandBuiltCase) {
  // Two servers, two users, one RB. d(0,0) = 10 m, d(1,0) = 20 m, d(0,1) = 30 m, d(1,1) = 5 m.
  const std::vector<double> d = {10, 30, 20, 5};  // [v * U + k]
  radio::OfdmaChannel ch(2, 2, 1, d);
  ch.set_fading(0, 0, 0, 2.0);
  ch.set_fading(1, 0, 0, 0.5);
  ch.set_fading(0, 1, 0, 1.0);
  ch.set_fading(1, 1, 0, 3.0);
  EXPECT_DOUBLE_EQ(ch.gain(0, 0, 0), 2.0 / 100.0);
  EXPECT_DOUBLE_EQ(ch.gain(1, 1, 0), 3.0 / 25.0);
  const double p = 1.0, noise = 1e-4;
  // Both servers transmit on RB 0: server 0 -> user 0, server 1 -> user 1.
  const int alloc[2] = {0, 1};
  const double sinr0 = p * 0.02 / (p * 0.5 / 400.0 + noise);
  const double sinr1 = p * 3.0 / 25.0 / (p * 1.0 / 900.0 + noise);
  EXPECT_NEAR(ch.sinr(0, 0, 0, alloc, p, noise), sinr0, 1e-12);
  EXPECT_NEAR(ch.sinr(1, 1, 0, alloc, p, noise), sinr1, 1e-12);
  // Server 1 silent: no interference for user 0.
  const int alone[2] = {0, radio::kNoUser};
  EXPECT_NEAR(ch.sinr(0, 0, 0, alone, p, noise), p * 0.02 / noise, 1e-9);
  double rates[2];
  radio::ofdma_rates(ch, alloc, p, noise, 2e6, rates);
  EXPECT_NEAR(rates[0], 2e6 * std::log2(1 + sinr0), 1e-6);
  EXPECT_NEAR(rates[1], 2e6 * std::log2(1 + sinr1), 1e-6);
  radio::ofdma_rates(ch, alone, p, noise, 2e6, rates);
  EXPECT_EQ(rates[1], 0.0);
  EXPECT_NEAR(radio::noise_power_w(2e6, -174.0), 2e6 * std::pow(10.0, -20.4), 1e-25);
}

TEST(OfdmaChannel, RayleighPowerHasUnitMeanAndDistanceClamp) {
  const std::vector<double> d = {0.5, 100.0};  // clamped by the caller's topology; here raw
  radio::OfdmaChannel ch(1, 2, 4, d);
  semra::Rng rng(3, "fading");
  double sum = 0.0, sum_sq = 0.0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    ch.draw_fading(rng);
    const double g = ch.gain(0, 1, i % 4) / ch.path_gain(0, 1);
    sum += g;
    sum_sq += g * g;
  }
  EXPECT_NEAR(sum / n, 1.0, 0.03);               // Exp(1): mean 1
  EXPECT_NEAR(sum_sq / n, 2.0, 0.15);            // E[g^2] = 2
  EXPECT_NEAR(ch.path_gain(0, 1), 1e-4, 1e-15);  // d^-2
}

TEST(OfdmaAccounting, MultiRbCountsServersNotRbs) {
  // V = 3, Q = 2, U = 4. alloc[q * V + v].
  const int alloc[6] = {0, 0, 2,   // RB 0: servers 0 and 1 both serve user 0
                        1, 3, 0};  // RB 1: server 2 also serves user 0
  int per_user[4];
  EXPECT_EQ(radio::count_servers_per_user(alloc, 3, 2, 4, per_user), 1);
  EXPECT_EQ(per_user[0], 3);
  EXPECT_EQ(per_user[1], 1);
  EXPECT_EQ(per_user[2], 1);
  EXPECT_EQ(per_user[3], 1);
  const int twice[2] = {1, 1};  // one server, two RBs, the same user: one server
  int pu[2];
  EXPECT_EQ(radio::count_servers_per_user(twice, 1, 2, 2, pu), 0);
  EXPECT_EQ(pu[1], 1);
}
