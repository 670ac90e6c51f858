#pragma once
// Uniform linear array (half-wavelength spacing) and DFT beamforming codebook.
#include <complex>
#include <vector>

namespace semra::radio {

using cplx = std::complex<double>;

// a(phi)[n] = exp(j pi n cos(phi)) / sqrt(N), n = 0..N-1 (unit norm). `out` must hold N values.
void steering_vector(int antennas, double phi_rad, cplx* out);

// w_c[n] = exp(j 2 pi n c / C) / sqrt(N), n = 0..N-1, c = 0..C-1. With C = N this is the (unitary)
// N-point DFT: the codewords are orthonormal. C > N gives an oversampled codebook.
class DftCodebook {
 public:
  DftCodebook(int antennas, int codewords);
  int antennas() const { return antennas_; }
  int size() const { return codewords_; }
  const cplx* word(int c) const { return w_.data() + static_cast<std::size_t>(c) * antennas_; }

 private:
  int antennas_;
  int codewords_;
  std::vector<cplx> w_;  // row c = codeword c
};

// a^T w (no conjugation: the channel row vector is h = sum_l g_l a(phi_l)^T and the received
// amplitude is h w).
cplx project(const cplx* a, const cplx* w, int n);

}  // namespace semra::radio
