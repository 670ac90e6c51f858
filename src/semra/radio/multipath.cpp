#include "semra/radio/multipath.hpp"

#include <cmath>

#include "semra/radio/fading.hpp"
#include "semra/radio/pathloss.hpp"
#include "semra/radio/units.hpp"

namespace semra::radio {

void MultipathChannel::reset(const std::vector<Point>& tx, const std::vector<Point>& rx,
                             const DftCodebook& codebook, const MultipathParams& params,
                             Rng& shadowing_rng, Rng& aod_rng, Rng& fading_rng) {
  num_tx_ = static_cast<int>(tx.size());
  num_rx_ = static_cast<int>(rx.size());
  codewords_ = codebook.size();
  antennas_ = codebook.antennas();
  paths_ = params.paths;
  rho_ = params.rho;
  variance_ = 1.0 / paths_;
  // innovation_variance > 0 reproduces the reference's defect on purpose (initial gains 1/L,
  // innovations 1: the fading power drifts up L-fold within a few slots).
  innovation_variance_ = params.innovation_variance > 0.0 ? params.innovation_variance : variance_;
  innovation_scale_ = std::sqrt(1.0 - rho_ * rho_);
  const std::size_t pairs = static_cast<std::size_t>(num_tx_) * num_rx_;
  large_scale_.assign(pairs, 0.0);
  path_loss_db_.assign(pairs, 0.0);
  aod_rad_.assign(pairs * paths_, 0.0);
  fading_.assign(pairs * paths_, cplx{});
  proj_.assign(pairs * codewords_ * paths_, cplx{});
  std::vector<cplx> a(antennas_);
  const double half_spread = 0.5 * deg_to_rad(params.aod_spread_deg);
  for (int t = 0; t < num_tx_; ++t) {
    for (int r = 0; r < num_rx_; ++r) {
      const std::size_t p = pair(t, r);
      const double pl = radio::path_loss_db(distance_m(tx[t], rx[r])) +
                        shadowing_rng.normal(0.0, params.shadowing_std_db);
      path_loss_db_[p] = pl;
      large_scale_[p] = db_to_linear(-pl);
      double theta = azimuth_rad(tx[t], rx[r]);
      if (!params.tx_orientation_deg.empty())
        theta -= deg_to_rad(params.tx_orientation_deg[static_cast<std::size_t>(t)]);
      for (int l = 0; l < paths_; ++l) {
        const double phi = theta + aod_rng.uniform(-half_spread, half_spread);
        aod_rad_[p * paths_ + l] = phi;
        steering_vector(antennas_, phi, a.data());
        for (int c = 0; c < codewords_; ++c) {
          proj_[(p * codewords_ + c) * paths_ + l] = project(a.data(), codebook.word(c), antennas_);
        }
        fading_[p * paths_ + l] = complex_normal(fading_rng, variance_);
      }
    }
  }
}

void MultipathChannel::step(Rng& fading_rng, WorkTeam* team) {
  // g_l(t) = rho g_l(t-1) + sqrt(1 - rho^2) e_l(t), e_l ~ CN(0, 1/L)   (docs/model-dhdrl.md 1, part
  // 2) (e_l ~ CN(0, 1) with MultipathParams::innovation_variance = 1, the reference's defect.)
  // Parts of at least 512 gains (~15 us), each from a copy of the stream advanced to its place.
  const std::size_t n = fading_.size();
  Rng end = fading_rng;
  run_parts(team, n, 512, [&](std::size_t first, std::size_t last) {
    Rng rng = fading_rng;
    rng.discard(first * kComplexNormalDraws);
    for (std::size_t i = first; i < last; ++i)
      fading_[i] =
          rho_ * fading_[i] + innovation_scale_ * complex_normal(rng, innovation_variance_);
    if (last == n) end = rng;
  });
  fading_rng = end;
}

std::vector<cplx> MultipathChannel::channel_vector(int tx, int rx) const {
  std::vector<cplx> h(antennas_, cplx{});
  std::vector<cplx> a(antennas_);
  const std::size_t p = pair(tx, rx);
  const double amp = std::sqrt(large_scale_[p]);
  for (int l = 0; l < paths_; ++l) {
    steering_vector(antennas_, aod_rad_[p * paths_ + l], a.data());
    for (int n = 0; n < antennas_; ++n) h[n] += amp * fading_[p * paths_ + l] * a[n];
  }
  return h;
}

void MultipathChannel::save_state(StateWriter& w) const {
  w.tag("multipath");
  w.vec(fading_);
}

void MultipathChannel::load_state(StateReader& r) {
  r.expect_tag("multipath");
  const std::size_t n = fading_.size();
  r.vec_into(fading_);
  if (fading_.size() != n) r.fail("multipath fading of another size than this channel's");
}

}  // namespace semra::radio
