#pragma once
// Complex Gaussian draws and the first-order Gauss-Markov (AR(1)) fading process
//   g(t) = rho g(t-1) + sqrt(1 - rho^2) e(t),  e(t), g(0) ~ CN(0, sigma^2)
// whose stationary variance is sigma^2 for every t (one variance for the initial draw and the
// innovations; the reference innovated with variance 1 after starting at 1/L).
#include <cmath>
#include <complex>

#include "semra/core/rng.hpp"

namespace semra::radio {

// CN(0, variance): real and imaginary parts independent N(0, variance / 2). One Box-Muller
// transform yields both parts (one log, one sqrt, one sin/cos per complex sample).
constexpr int kComplexNormalDraws = 2;  // uniforms (Rng::next_u64 calls) per complex_normal
inline std::complex<double> complex_normal(Rng& rng, double variance) {
  const double u1 = 1.0 - rng.uniform();  // (0, 1]
  const double u2 = rng.uniform();
  const double r = std::sqrt(-variance * std::log(u1));  // sqrt(2 * variance/2 * -ln u1)
  const double a = 2.0 * 3.14159265358979323846 * u2;
  return {r * std::cos(a), r * std::sin(a)};
}

struct GaussMarkov {
  double rho = 0.64;
  double variance = 0.25;
  std::complex<double> next(Rng& rng, std::complex<double> g) const {
    return rho * g + std::sqrt(1.0 - rho * rho) * complex_normal(rng, variance);
  }
};

}  // namespace semra::radio
