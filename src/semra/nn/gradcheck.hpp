#pragma once
// Finite-difference gradient checking, used by the tests.
//
// The engine computes in float32, so the function under test is evaluated in float but its scalar
// output is returned (and differenced) in double: g_i ~ (f(x + h e_i) - f(x - h e_i)) / (2h).
// Error budget for float inputs: truncation O(h^2 |f'''|) plus rounding ~ 1e-7 |f| / h, so h ~
// 1e-2..1e-3 gives ~1e-4 relative accuracy on smooth functions; compare with a tolerance of that
// order. Near a kink (ReLU at 0, Huber at |d| = delta) central differences are meaningless, so
// tests place their points away from kinks.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <vector>

namespace semra::nn {

// Central differences of f with respect to x[0..n), perturbing x in place and restoring it.
inline std::vector<double> numerical_gradient(const std::function<double()>& f, float* x,
                                              std::size_t n, float h = 1e-3f) {
  std::vector<double> g(n);
  for (std::size_t i = 0; i < n; ++i) {
    const float saved = x[i];
    // The step actually taken after rounding to float, so the quotient uses the true difference.
    x[i] = saved + h;
    const double hp = double{x[i]} - double{saved};
    const double fp = f();
    x[i] = saved - h;
    const double hm = double{saved} - double{x[i]};
    const double fm = f();
    x[i] = saved;
    g[i] = (fp - fm) / (hp + hm);
  }
  return g;
}

struct GradCheckResult {
  double max_abs_error = 0.0;  // max_i |analytic_i - numeric_i|
  double max_rel_error = 0.0;  // max_i |a_i - n_i| / max(|a_i|, |n_i|, scale_floor)
  std::size_t worst = 0;       // index of the largest relative error
};

// Compares an analytic gradient with a numerical one. scale_floor keeps near-zero entries from
// dominating the relative error: below it the error is effectively absolute.
template <class Analytic>
GradCheckResult compare_gradients(const Analytic& analytic, const std::vector<double>& numeric,
                                  double scale_floor = 1e-2) {
  GradCheckResult r;
  for (std::size_t i = 0; i < numeric.size(); ++i) {
    const double a = static_cast<double>(analytic[static_cast<decltype(analytic.size())>(i)]);
    const double n = numeric[i];
    const double abs_err = std::abs(a - n);
    const double rel = abs_err / std::max({std::abs(a), std::abs(n), scale_floor});
    r.max_abs_error = std::max(r.max_abs_error, abs_err);
    if (rel > r.max_rel_error) {
      r.max_rel_error = rel;
      r.worst = i;
    }
  }
  return r;
}

}  // namespace semra::nn
