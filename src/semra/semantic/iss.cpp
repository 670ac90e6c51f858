#include "semra/semantic/iss.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace semra::semantic {

namespace {
double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}
}  // namespace

std::vector<double> iss_curve(const std::vector<const std::vector<double>*>& triples,
                              const std::vector<double>& image) {
  const double image_norm = std::sqrt(dot(image, image));
  std::vector<double> curve;
  curve.reserve(triples.size());
  if (image_norm == 0.0) {  // no direction to match: nothing is similar to it
    curve.assign(triples.size(), 0.0);
    return curve;
  }
  std::vector<std::vector<double>> basis;  // u_1, u_2, ... (orthonormal)
  basis.reserve(triples.size());
  double projected_sq = 0.0;  // || sum_n (u_n . c) u_n ||^2 = sum_n (u_n . c)^2
  std::vector<double> r;
  for (const auto* t : triples) {
    if (t->size() != image.size())
      throw std::invalid_argument("iss: triple and image vectors differ in dimension");
    r = *t;
    const double own_norm = std::sqrt(dot(r, r));
    // Modified Gram-Schmidt, applied twice ("twice is enough", Giraud et al. 2005) so the basis
    // stays orthonormal to rounding even for nearly dependent triple vectors.
    for (int pass = 0; pass < 2; ++pass)
      for (const auto& u : basis) {
        const double c = dot(u, r);
        for (std::size_t i = 0; i < r.size(); ++i) r[i] -= c * u[i];
      }
    const double res = std::sqrt(dot(r, r));
    if (own_norm > 0.0 && res > kGramSchmidtDropTol * own_norm) {
      for (auto& x : r) x /= res;
      const double c = dot(r, image);
      projected_sq += c * c;
      basis.push_back(r);
    }
    curve.push_back(std::clamp(std::sqrt(projected_sq) / image_norm, 0.0, 1.0));
  }
  return curve;
}

double iss(const std::vector<const std::vector<double>*>& triples,
           const std::vector<double>& image) {
  if (triples.empty()) return 0.0;
  return iss_curve(triples, image).back();
}

}  // namespace semra::semantic
