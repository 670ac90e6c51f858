#include "semra/radio/antenna.hpp"

#include <cmath>

#include "semra/radio/units.hpp"

namespace semra::radio {

void steering_vector(int antennas, double phi_rad, cplx* out) {
  const double norm = 1.0 / std::sqrt(static_cast<double>(antennas));
  const double c = std::cos(phi_rad);
  for (int n = 0; n < antennas; ++n) out[n] = std::polar(norm, kPi * n * c);
}

DftCodebook::DftCodebook(int antennas, int codewords)
    : antennas_(antennas),
      codewords_(codewords),
      w_(static_cast<std::size_t>(antennas) * codewords) {
  const double norm = 1.0 / std::sqrt(static_cast<double>(antennas));
  for (int c = 0; c < codewords; ++c) {
    for (int n = 0; n < antennas; ++n) {
      w_[static_cast<std::size_t>(c) * antennas + n] =
          std::polar(norm, 2.0 * kPi * n * c / static_cast<double>(codewords));
    }
  }
}

cplx project(const cplx* a, const cplx* w, int n) {
  cplx s{0.0, 0.0};
  for (int i = 0; i < n; ++i) s += a[i] * w[i];
  return s;
}

}  // namespace semra::radio
