#pragma once
// Statistics for multi-seed summaries.
#include <vector>

namespace semra::stats {

double mean(const std::vector<double>& x);
// Sample standard deviation (n - 1); 0 for fewer than two values.
double stddev(const std::vector<double>& x);
// Two-sided 95% Student-t quantile t_{0.975, dof} (exact table to 30, then the asymptotic series).
double t975(int dof);
// Half-width of the 95% Student-t confidence interval of the mean; 0 with fewer than two values.
double ci95(const std::vector<double>& x);
// Percentile q in [0, 100] by linear interpolation between order statistics (numpy's default).
double percentile(std::vector<float> x, double q);
// Welch's unequal-variance t-test, two-sided p-value for mean(a) != mean(b). NaN when undefined.
double welch_p_value(const std::vector<double>& a, const std::vector<double>& b);
// Regularized incomplete beta I_x(a, b) (for the t distribution's CDF).
double incomplete_beta(double a, double b, double x);

}  // namespace semra::stats
