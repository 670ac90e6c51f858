#pragma once
// Multi-cell MISO channels between every transmitter (BS with an N-antenna ULA) and every
// single-antenna receiver (UT):
//   h_bu = sqrt(10^(-PL_bu / 10)) * sum_{l=1..L} g_l a(phi_l)^T (docs/model-dhdrl.md 1, part 2)
// PL_bu = path loss + static shadowing X ~ N(0, sigma_sh^2) dB; phi_l = azimuth(b -> u) + U(-D/2,
// D/2) fixed per pair; g_l Gauss-Markov with variance 1/L. For each pair and path the projections
// a(phi_l)^T w_c onto every codeword are precomputed at reset, so the received power for codeword
// c,
//   |h_bu w_c|^2 = G_bu |sum_l g_l (a(phi_l)^T w_c)|^2,
// costs L complex multiply-adds per slot. Storage is flat and sized at reset: step() allocates
// nothing.
#include <complex>
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/core/serialize.hpp"
#include "semra/core/work_team.hpp"
#include "semra/radio/antenna.hpp"
#include "semra/radio/geometry.hpp"

namespace semra::radio {

struct MultipathParams {
  int paths = 4;                // L
  double aod_spread_deg = 3.0;  // Delta: per-path AoD offset uniform in [-Delta/2, Delta/2]
  double rho = 0.64;            // Gauss-Markov correlation between consecutive slots
  double shadowing_std_db = 8.0;
  // Variance of the Gauss-Markov innovations e_l; 0 = 1/L, the variance of the initial gains
  // (docs/model-dhdrl.md 4.6). A positive value (the reference's 1) is only for reproducing the
  // reference's defect.
  double innovation_variance = 0.0;
  // Azimuth of each transmitter's ULA axis, counter-clockwise from +x (a site layout,
  // docs/channels.md "Layout files"); the AoD is then measured from it. Empty: 0 for every one.
  std::vector<double> tx_orientation_deg;
};

class MultipathChannel {
 public:
  // Draws shadowing, path AoDs and initial fading for every (tx, rx) pair; each from its own
  // stream.
  void reset(const std::vector<Point>& tx, const std::vector<Point>& rx,
             const DftCodebook& codebook, const MultipathParams& params, Rng& shadowing_rng,
             Rng& aod_rng, Rng& fading_rng);
  // One slot of Gauss-Markov evolution for every path of every pair. With a team (of one
  // experiment's threads) the pairs are split into parts computed at once, each part drawing from
  // a copy of `fading_rng` advanced to where the serial loop would be: the same fading and the
  // same final stream at any team size.
  void step(Rng& fading_rng, WorkTeam* team = nullptr);
  // Checkpoints: the only state that changes after reset() is the fading (the Rng is the caller's).
  // load_state needs a channel reset() with the same sizes (geometry, shadowing and AoDs are
  // redrawn identically from the seed).
  void save_state(StateWriter& w) const;
  void load_state(StateReader& r);

  int num_tx() const { return num_tx_; }
  int num_rx() const { return num_rx_; }
  int codewords() const { return codewords_; }
  int paths() const { return paths_; }

  // |h_tr w_c|^2 (linear power gain, includes path loss and shadowing).
  double gain(int tx, int rx, int codeword) const {
    const std::size_t p = pair(tx, rx);
    const cplx* g = fading_.data() + p * paths_;
    const cplx* pr = proj_.data() + (p * codewords_ + codeword) * paths_;
    cplx s{0.0, 0.0};
    for (int l = 0; l < paths_; ++l) s += g[l] * pr[l];
    return large_scale_[p] * std::norm(s);
  }
  // 10^(-PL/10): path loss and shadowing only.
  double large_scale_gain(int tx, int rx) const { return large_scale_[pair(tx, rx)]; }
  double path_loss_db(int tx, int rx) const { return path_loss_db_[pair(tx, rx)]; }
  cplx fading(int tx, int rx, int path) const { return fading_[pair(tx, rx) * paths_ + path]; }
  // Full channel row vector h_tr (N values), for tests and diagnostics (allocates).
  std::vector<cplx> channel_vector(int tx, int rx) const;

 private:
  std::size_t pair(int tx, int rx) const {
    return static_cast<std::size_t>(tx) * num_rx_ + static_cast<std::size_t>(rx);
  }
  int num_tx_ = 0, num_rx_ = 0, codewords_ = 0, paths_ = 0, antennas_ = 0;
  double rho_ = 0.0, innovation_scale_ = 0.0, variance_ = 0.0, innovation_variance_ = 0.0;
  std::vector<double> large_scale_;   // [pair]
  std::vector<double> path_loss_db_;  // [pair], including shadowing
  std::vector<double> aod_rad_;       // [pair][l]
  std::vector<cplx> fading_;          // [pair][l]
  std::vector<cplx> proj_;            // [pair][c][l] = a(phi_l)^T w_c
};

}  // namespace semra::radio
