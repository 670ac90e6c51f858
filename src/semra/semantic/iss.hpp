#pragma once
// Image-to-graph semantic similarity, ISS (eq. 6).
//
// ISS = || sum_n (u_n . C(G)) u_n || / || C(G) ||, where u_1..u_N are the selected triple vectors
// C(psi_1)..C(psi_N) orthonormalised by Gram-Schmidt in selection order: the cosine of the angle
// between the image vector and the span of the sent triples. Because the u_n are orthonormal,
// || sum_n (u_n . c) u_n ||^2 = sum_n (u_n . c)^2, so adding a triple can only add a non-negative
// term: ISS is non-decreasing in the number of triples sent (the paper's Fig. 10b).
// The served indicator of eq. (6) (0 when the user gets no RB) is applied by the caller.
#include <vector>

namespace semra::semantic {

// A vector whose Gram-Schmidt residual norm is below kGramSchmidtDropTol times its own norm lies in
// the span of the earlier ones (numerically) and adds no direction: it is dropped.
inline constexpr double kGramSchmidtDropTol = 1e-9;

// ISS of the image vector `image` against the span of `triples` (each of the same dimension as
// `image`). 0 for an empty set; result clamped to [0, 1] against rounding.
double iss(const std::vector<const std::vector<double>*>& triples,
           const std::vector<double>& image);

// ISS when sending the first 1, 2, ..., N triples of `triples` (in that order): element n-1 is the
// ISS of the first n. One Gram-Schmidt pass, O(N^2 D).
std::vector<double> iss_curve(const std::vector<const std::vector<double>*>& triples,
                              const std::vector<double>& image);

}  // namespace semra::semantic
