#pragma once
// Multi-server OFDMA downlink (vderl paper, Section II-B; docs/model-vderl.md 1).
//
// V servers share Q orthogonal resource blocks (RBs) of bandwidth W; each server may use every RB
// (full reuse), so a user served on RB q hears every other server that transmits on RB q:
//   h^q_vk = gamma^q_vk d_vk^-2,  gamma ~ Exp(1) (Rayleigh power), d >= 1 m        (eq. 4)
//   SINR^q_vk = P h^q_vk / (sum_{s in V_q, s != v} P h^q_sk + W N0)                 (eq. 4)
//   c^q_vk = W log2(1 + SINR^q_vk)                                                 (eq. 4)
// Geometry: a disc of radius R_area; servers evenly spaced on a circle of radius R_ring (one
// server: at the centre); server v's service area is the disc of radius R_service around it (areas
// may overlap); users uniform over the area disc, redrawn until inside at least one service area.
// L_v = the users inside v's service area, nearest first.
//
// Allocation convention used below: alloc[q * V + v] = the user that server v serves on RB q, or
// kNoUser. A server gives an RB to at most one user (8c) by construction of this layout.
#include <cstdint>
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/radio/geometry.hpp"

namespace semra::radio {

inline constexpr int kNoUser = -1;

struct DiscGeometry {
  int servers = 5;
  int users = 50;
  double area_radius_m = 500.0;
  double server_ring_radius_m = 250.0;
  double service_radius_m = 300.0;
  double min_distance_m = 1.0;  // d is clamped below at this distance in the path gain
};

struct DiscTopology {
  std::vector<Point> servers;
  std::vector<Point> users;
  std::vector<double> distance_m;         // [v * U + k], clamped at min_distance_m
  std::vector<std::vector<int>> in_area;  // L_v: users in server v's service area, nearest first
  std::vector<int> coverage;              // number of service areas that contain user k
};

// Server positions alone (deterministic).
std::vector<Point> disc_server_positions(int servers, double ring_radius_m);
// Draws the users (from `rng`) and derives distances and service areas. Throws
// std::invalid_argument when the service areas do not intersect the area disc (no user could ever
// be placed).
DiscTopology draw_disc_topology(const DiscGeometry& g, Rng& rng);
// The topology of given server and user positions (a site's layout, or the drawn ones): distances,
// service areas L_v (discs of g.service_radius_m around the servers) and coverage; g.servers and
// g.users are not read.
DiscTopology disc_topology_of(std::vector<Point> servers, std::vector<Point> users,
                              const DiscGeometry& g);

// Block-fading OFDMA channel for a fixed topology: path gains d^-2 and one Exp(1) Rayleigh power
// per (server, user, RB), redrawn by draw_fading() every frame. Allocates only at construction.
class OfdmaChannel {
 public:
  OfdmaChannel() = default;
  OfdmaChannel(int servers, int users, int rbs, const std::vector<double>& distance_m);

  int servers() const { return servers_; }
  int users() const { return users_; }
  int rbs() const { return rbs_; }

  // gamma^q_vk ~ Exp(1) for every (q, v, k), drawn in that order (q outermost).
  void draw_fading(Rng& rng);
  // Sets one fading power (tests and hand-built cases).
  void set_fading(int v, int k, int q, double gamma) { gamma_[index(v, k, q)] = gamma; }

  // h^q_vk = gamma^q_vk d_vk^-2 (linear power gain).
  double gain(int v, int k, int q) const {
    return gamma_[index(v, k, q)] * path_gain_[v * users_ + k];
  }
  double path_gain(int v, int k) const { return path_gain_[v * users_ + k]; }

  // SINR of user k served by server v on RB q; `alloc_q[s]` = the user server s serves on RB q or
  // kNoUser (only whether s transmits matters for the interference it causes).
  double sinr(int v, int k, int q, const int* alloc_q, double power_w, double noise_w) const;

 private:
  std::size_t index(int v, int k, int q) const {
    return (static_cast<std::size_t>(q) * servers_ + v) * users_ + k;
  }
  int servers_ = 0, users_ = 0, rbs_ = 0;
  std::vector<double> path_gain_;  // [v * U + k] = d_vk^-2
  std::vector<double> gamma_;      // [(q * V + v) * U + k]
};

// W log2(1 + SINR), bits per second.
double shannon_rate_bps(double bandwidth_hz, double sinr);
// Noise power W N0 in watts from the density in dBm/Hz.
double noise_power_w(double bandwidth_hz, double noise_density_dbm_hz);

// Rates of every (q, v) allocation of a frame: rate_bps[q * V + v] = c^q_{v,alloc} (0 where the RB
// is unused), with interference from every server that transmits on the same RB.
void ofdma_rates(const OfdmaChannel& ch, const int* alloc, double power_w, double noise_w,
                 double bandwidth_hz, double* rate_bps);

// Multi-RB accounting (constraint 8b, eq. 12): servers_per_user[k] = how many servers give user k
// an RB. Returns the number of users given RBs by more than one server.
int count_servers_per_user(const int* alloc, int servers, int rbs, int users,
                           int* servers_per_user);

}  // namespace semra::radio
