#pragma once
// SINR of a receiver: serving received power over the sum of interfering received powers plus
// noise.
//   SINR_u = p_b |h_bu w_b|^2 / (sum_{b' != b} p_b' |h_b'u w_b'|^2 + sigma^2) (docs/model-dhdrl.md
//   1, part 2)
#include <span>

namespace semra::radio {

// rx_power_w[t]: power received at this UT from transmitter t (p_t |h_tu w_t|^2, watts).
inline double sinr(std::span<const double> rx_power_w, int serving, double noise_w) {
  double in = noise_w;
  for (std::size_t t = 0; t < rx_power_w.size(); ++t) {
    if (static_cast<int>(t) != serving) in += rx_power_w[t];
  }
  return rx_power_w[static_cast<std::size_t>(serving)] / in;
}

}  // namespace semra::radio
