#pragma once
// Semantic rate and QoE of a text UT (docs/model-dhdrl.md 1, part 3).
//   Phi = W iota / k                       semantic rate, ksuts/s (W in kHz, iota suts per word)
//   G_R = 1 / (1 + exp(-beta (Phi - Phi_req)))
//   G_A = 1 / (1 + exp(-lambda (xi - xi_req)))
//   Q   = w G_R + (1 - w) G_A
#include <cmath>

#include "semra/core/rng.hpp"

namespace semra::semantic {

// Phi in ksuts/s for k semantic symbols per word (k > 0, may be fractional).
inline double semantic_rate_ksuts(double bandwidth_hz, double units_per_word, double k) {
  return bandwidth_hz * 1e-3 * units_per_word / k;
}

inline double logistic(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}

// One UT's service requirements and QoE weights.
struct Requirement {
  double w = 0.5;        // weight of the rate term
  double xi_req = 0.85;  // required accuracy
  double lambda = 55.0;  // steepness of G_A
  double phi_req_ksuts = 60.0;
  double beta = 0.2;  // steepness of G_R, per ksuts/s
};

struct QoeParts {
  double g_r = 0.0;
  double g_a = 0.0;
  double qoe = 0.0;
};

inline QoeParts qoe(const Requirement& r, double rate_ksuts, double accuracy) {
  QoeParts q;
  q.g_r = logistic(r.beta * (rate_ksuts - r.phi_req_ksuts));
  q.g_a = logistic(r.lambda * (accuracy - r.xi_req));
  q.qoe = r.w * q.g_r + (1.0 - r.w) * q.g_a;
  return q;
}

// The requirement distributions (reference values as defaults).
struct RequirementDistribution {
  double w_min = 0.0, w_max = 1.0;
  double xi_req_min = 0.8, xi_req_max = 0.9;
  double lambda_mean = 55.0, lambda_std = 2.5;
  double phi_req_min_ksuts = 50.0, phi_req_max_ksuts = 70.0;
  double beta_mean = 0.2, beta_std = 0.0025;

  Requirement draw(Rng& rng) const {
    Requirement r;
    r.w = rng.uniform(w_min, w_max);
    r.xi_req = rng.uniform(xi_req_min, xi_req_max);
    r.lambda = rng.normal(lambda_mean, lambda_std);
    r.phi_req_ksuts = rng.uniform(phi_req_min_ksuts, phi_req_max_ksuts);
    r.beta = rng.normal(beta_mean, beta_std);
    return r;
  }
};

}  // namespace semra::semantic
