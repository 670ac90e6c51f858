#include "semra/core/stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace semra::stats {

namespace {
// The largest |v| of finite values, for the scaled sums below.
double max_abs(const std::vector<double>& x) {
  double m = 0;
  for (double v : x) m = std::max(m, std::fabs(v));
  return m;
}
bool all_finite(const std::vector<double>& x) {
  return std::all_of(x.begin(), x.end(), [](double v) { return std::isfinite(v); });
}
}  // namespace

double mean(const std::vector<double>& x) {
  if (x.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double n = static_cast<double>(x.size());
  const double m = std::accumulate(x.begin(), x.end(), 0.0) / n;
  // Finite values whose sum overflows (1e308 + 1e308): the mean of the values scaled by the
  // largest magnitude, scaled back. Only then: the plain sum is what every result so far used.
  if (std::isfinite(m) || !all_finite(x)) return m;
  const double s = max_abs(x);
  double sum = 0;
  for (double v : x) sum += v / s;
  return sum / n * s;
}

double stddev(const std::vector<double>& x) {
  if (x.size() < 2) return 0.0;
  const double m = mean(x);
  double s = 0;
  for (double v : x) s += (v - m) * (v - m);
  const double sd = std::sqrt(s / static_cast<double>(x.size() - 1));
  if (std::isfinite(sd) || !all_finite(x) || !std::isfinite(m)) return sd;
  // Deviations whose squares overflow: the same sum on deviations scaled by the largest one.
  double d = 0;
  for (double v : x) d = std::max(d, std::fabs(v - m));
  if (!std::isfinite(d)) return sd;  // a spread beyond a double: not representable
  double t = 0;
  for (double v : x) t += ((v - m) / d) * ((v - m) / d);
  return std::sqrt(t / static_cast<double>(x.size() - 1)) * d;
}

double t975(int dof) {
  static const double table[] = {0,      12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646,
                                 2.3060, 2.2622,  2.2281, 2.2010, 2.1788, 2.1604, 2.1448, 2.1314,
                                 2.1199, 2.1098,  2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687,
                                 2.0639, 2.0595,  2.0555, 2.0518, 2.0484, 2.0452, 2.0423};
  if (dof < 1) return std::numeric_limits<double>::quiet_NaN();
  if (dof <= 30) return table[dof];
  // Cornish-Fisher expansion around z = 1.959964.
  const double z = 1.959963984540054, n = dof;
  return z + (z * z * z + z) / (4 * n) +
         (5 * std::pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * n * n);
}

double ci95(const std::vector<double>& x) {
  if (x.size() < 2) return 0.0;
  return t975(static_cast<int>(x.size()) - 1) * stddev(x) /
         std::sqrt(static_cast<double>(x.size()));
}

double percentile(std::vector<float> x, double q) {
  if (x.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(x.begin(), x.end());
  const double pos = q / 100.0 * static_cast<double>(x.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = std::min(lo + 1, x.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return static_cast<double>(x[lo]) +
         frac * (static_cast<double>(x[hi]) - static_cast<double>(x[lo]));
}

namespace {
// Continued fraction for the incomplete beta (Numerical Recipes' betacf, modified Lentz).
double beta_cf(double a, double b, double x) {
  const double tiny = 1e-300;
  double c = 1, d = 1 - (a + b) * x / (a + 1);
  if (std::fabs(d) < tiny) d = tiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= 300; ++m) {
    const double m2 = 2 * m;
    double aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1) < 1e-15) break;
  }
  return h;
}
}  // namespace

double incomplete_beta(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const double ln_front =
      std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return std::exp(ln_front) * beta_cf(a, b, x) / a;
  return 1 - std::exp(ln_front) * beta_cf(b, a, 1 - x) / b;
}

double welch_p_value(const std::vector<double>& a, const std::vector<double>& b) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (a.size() < 2 || b.size() < 2) return nan;
  const double na = static_cast<double>(a.size()), nb = static_cast<double>(b.size());
  const double va = std::pow(stddev(a), 2) / na, vb = std::pow(stddev(b), 2) / nb;
  const double diff = mean(a) - mean(b);
  if (va + vb == 0) return diff == 0 ? 1.0 : 0.0;
  const double t = diff / std::sqrt(va + vb);
  const double dof = (va + vb) * (va + vb) / (va * va / (na - 1) + vb * vb / (nb - 1));
  // Two-sided p = I_{dof/(dof+t^2)}(dof/2, 1/2).
  return incomplete_beta(dof / 2, 0.5, dof / (dof + t * t));
}

}  // namespace semra::stats
