#pragma once
// Large-scale loss of the 3GPP-style macro model used by the reference:
// PL(dB) = 120.9 + 37.6 log10(d / 1 km) (+ static log-normal shadowing drawn by the caller).
#include <algorithm>
#include <cmath>

namespace semra::radio {

// Distances below 1 m are clamped to 1 m so a co-located UT cannot produce a gain above 0 dB.
inline double path_loss_db(double distance_m) {
  return 120.9 + 37.6 * std::log10(std::max(distance_m, 1.0) / 1000.0);
}

}  // namespace semra::radio
