#include "semra/radio/ofdma.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "semra/radio/units.hpp"

namespace semra::radio {

std::vector<Point> disc_server_positions(int servers, double ring_radius_m) {
  std::vector<Point> s;
  if (servers == 1) return {Point{0.0, 0.0}};
  for (int v = 0; v < servers; ++v) {
    const double a = 2.0 * kPi * v / servers;
    s.push_back(Point{ring_radius_m * std::cos(a), ring_radius_m * std::sin(a)});
  }
  return s;
}

DiscTopology draw_disc_topology(const DiscGeometry& g, Rng& rng) {
  DiscTopology t;
  t.servers = disc_server_positions(g.servers, g.server_ring_radius_m);
  // A service area must reach into the area disc, or the rejection loop below would never end.
  bool reachable = false;
  for (const auto& s : t.servers)
    reachable |= std::hypot(s.x_m, s.y_m) < g.area_radius_m + g.service_radius_m;
  if (!reachable) throw std::invalid_argument("no service area intersects the network area");

  auto inside = [&](const Point& p, int v) {
    return distance_m(p, t.servers[static_cast<std::size_t>(v)]) <= g.service_radius_m;
  };
  std::vector<Point> users;
  users.reserve(static_cast<std::size_t>(g.users));
  for (int k = 0; k < g.users; ++k) {
    for (;;) {
      // Uniform over the disc: radius R sqrt(u), angle uniform.
      const double r = g.area_radius_m * std::sqrt(rng.uniform());
      const double a = 2.0 * kPi * rng.uniform();
      const Point p{r * std::cos(a), r * std::sin(a)};
      bool ok = false;
      for (int v = 0; v < g.servers && !ok; ++v) ok = inside(p, v);
      if (ok) {
        users.push_back(p);
        break;
      }
    }
  }
  return disc_topology_of(std::move(t.servers), std::move(users), g);
}

DiscTopology disc_topology_of(std::vector<Point> servers, std::vector<Point> users,
                              const DiscGeometry& g) {
  DiscTopology t;
  t.servers = std::move(servers);
  t.users = std::move(users);
  const int V = static_cast<int>(t.servers.size()), U = static_cast<int>(t.users.size());
  t.distance_m.resize(static_cast<std::size_t>(V) * U);
  t.in_area.assign(static_cast<std::size_t>(V), {});
  t.coverage.assign(static_cast<std::size_t>(U), 0);
  for (int v = 0; v < V; ++v) {
    auto& area = t.in_area[static_cast<std::size_t>(v)];
    for (int k = 0; k < U; ++k) {
      const double d =
          distance_m(t.users[static_cast<std::size_t>(k)], t.servers[static_cast<std::size_t>(v)]);
      t.distance_m[static_cast<std::size_t>(v) * U + k] = std::max(d, g.min_distance_m);
      if (d <= g.service_radius_m) {
        area.push_back(k);
        ++t.coverage[static_cast<std::size_t>(k)];
      }
    }
    std::stable_sort(area.begin(), area.end(), [&](int a, int b) {
      return t.distance_m[static_cast<std::size_t>(v) * U + a] <
             t.distance_m[static_cast<std::size_t>(v) * U + b];
    });
  }
  return t;
}

OfdmaChannel::OfdmaChannel(int servers, int users, int rbs, const std::vector<double>& distance_m)
    : servers_(servers), users_(users), rbs_(rbs) {
  if (distance_m.size() != static_cast<std::size_t>(servers) * users)
    throw std::invalid_argument("OfdmaChannel: distance_m must hold servers x users values");
  path_gain_.resize(distance_m.size());
  for (std::size_t i = 0; i < distance_m.size(); ++i)
    path_gain_[i] = 1.0 / (distance_m[i] * distance_m[i]);
  gamma_.assign(static_cast<std::size_t>(rbs) * servers * users, 1.0);
}

void OfdmaChannel::draw_fading(Rng& rng) {
  for (auto& g : gamma_) g = rng.exponential();
}

double OfdmaChannel::sinr(int v, int k, int q, const int* alloc_q, double power_w,
                          double noise_w) const {
  double interference_w = 0.0;
  for (int s = 0; s < servers_; ++s)
    if (s != v && alloc_q[s] != kNoUser) interference_w += power_w * gain(s, k, q);
  return power_w * gain(v, k, q) / (interference_w + noise_w);
}

double shannon_rate_bps(double bandwidth_hz, double sinr) {
  return bandwidth_hz * std::log2(1.0 + sinr);
}

double noise_power_w(double bandwidth_hz, double noise_density_dbm_hz) {
  return bandwidth_hz * dbm_to_w(noise_density_dbm_hz);
}

void ofdma_rates(const OfdmaChannel& ch, const int* alloc, double power_w, double noise_w,
                 double bandwidth_hz, double* rate_bps) {
  const int V = ch.servers();
  for (int q = 0; q < ch.rbs(); ++q) {
    const int* aq = alloc + static_cast<std::ptrdiff_t>(q) * V;
    for (int v = 0; v < V; ++v) {
      const int k = aq[v];
      rate_bps[q * V + v] =
          k == kNoUser ? 0.0
                       : shannon_rate_bps(bandwidth_hz, ch.sinr(v, k, q, aq, power_w, noise_w));
    }
  }
}

int count_servers_per_user(const int* alloc, int servers, int rbs, int users,
                           int* servers_per_user) {
  std::fill(servers_per_user, servers_per_user + users, 0);
  // A server may in principle give one user several RBs; count servers, not RBs.
  for (int v = 0; v < servers; ++v)
    for (int q = 0; q < rbs; ++q) {
      const int k = alloc[q * servers + v];
      if (k == kNoUser) continue;
      bool seen = false;
      for (int p = 0; p < q && !seen; ++p) seen = alloc[p * servers + v] == k;
      if (!seen) ++servers_per_user[k];
    }
  int multi = 0;
  for (int k = 0; k < users; ++k) multi += servers_per_user[k] > 1;
  return multi;
}

}  // namespace semra::radio
