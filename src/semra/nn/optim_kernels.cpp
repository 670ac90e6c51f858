#include "semra/nn/optim_kernels.hpp"

#include <cmath>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SEMRA_X86_KERNELS 1
#include <immintrin.h>
#else
#define SEMRA_X86_KERNELS 0
#endif

namespace semra::nn::kernels {

namespace {

// The reference: one element, in the exact operation order every vector path follows.
inline void rmsprop_one(float& p, float g, float& v, const RmsPropArgs& a) {
  if (a.weight_decay != 0.0f) g = g + a.weight_decay * p;
  v = a.alpha * v + (1.0f - a.alpha) * (g * g);
  if (g == 0.0f) return;
  const float denom = a.eps_inside_sqrt ? std::sqrt(v + a.eps) : std::sqrt(v) + a.eps;
  p = p - a.lr * (g / denom);
}

inline void adam_one(float& p, float g, float& m, float& v, const AdamArgs& a) {
  if (a.weight_decay != 0.0f) g = g + a.weight_decay * p;
  m = m + (1.0f - a.beta1) * (g - m);
  v = a.beta2 * v + (1.0f - a.beta2) * (g * g);
  p = p - a.step_size * (m / (std::sqrt(v) / a.bc2_sqrt + a.eps));
}

#if SEMRA_X86_KERNELS

Eigen::Index rmsprop_sse2(float* p, const float* g, float* v, Eigen::Index n,
                          const RmsPropArgs& a) {
  const __m128 alpha = _mm_set1_ps(a.alpha), oma = _mm_set1_ps(1.0f - a.alpha);
  const __m128 lr = _mm_set1_ps(a.lr), eps = _mm_set1_ps(a.eps), wd = _mm_set1_ps(a.weight_decay);
  const __m128 zero = _mm_setzero_ps();
  Eigen::Index i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m128 pi = _mm_loadu_ps(p + i);
    __m128 gi = _mm_loadu_ps(g + i);
    if (a.weight_decay != 0.0f) gi = _mm_add_ps(gi, _mm_mul_ps(wd, pi));
    const __m128 vi =
        _mm_add_ps(_mm_mul_ps(alpha, _mm_loadu_ps(v + i)), _mm_mul_ps(oma, _mm_mul_ps(gi, gi)));
    _mm_storeu_ps(v + i, vi);
    const __m128 nonzero = _mm_cmpneq_ps(gi, zero);
    if (_mm_movemask_ps(nonzero) == 0) continue;
    const __m128 denom =
        a.eps_inside_sqrt ? _mm_sqrt_ps(_mm_add_ps(vi, eps)) : _mm_add_ps(_mm_sqrt_ps(vi), eps);
    const __m128 stepped = _mm_sub_ps(pi, _mm_mul_ps(lr, _mm_div_ps(gi, denom)));
    // Lanes with a zero gradient keep p (select without SSE4.1's blendv).
    _mm_storeu_ps(p + i, _mm_or_ps(_mm_and_ps(nonzero, stepped), _mm_andnot_ps(nonzero, pi)));
  }
  return i;
}

__attribute__((target("avx"))) Eigen::Index rmsprop_avx(float* p, const float* g, float* v,
                                                        Eigen::Index n, const RmsPropArgs& a) {
  const __m256 alpha = _mm256_set1_ps(a.alpha), oma = _mm256_set1_ps(1.0f - a.alpha);
  const __m256 lr = _mm256_set1_ps(a.lr), eps = _mm256_set1_ps(a.eps);
  const __m256 wd = _mm256_set1_ps(a.weight_decay), zero = _mm256_setzero_ps();
  Eigen::Index i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 pi = _mm256_loadu_ps(p + i);
    __m256 gi = _mm256_loadu_ps(g + i);
    if (a.weight_decay != 0.0f) gi = _mm256_add_ps(gi, _mm256_mul_ps(wd, pi));
    const __m256 vi = _mm256_add_ps(_mm256_mul_ps(alpha, _mm256_loadu_ps(v + i)),
                                    _mm256_mul_ps(oma, _mm256_mul_ps(gi, gi)));
    _mm256_storeu_ps(v + i, vi);
    const __m256 nonzero = _mm256_cmp_ps(gi, zero, _CMP_NEQ_UQ);  // same predicate as cmpneq_ps
    if (_mm256_movemask_ps(nonzero) == 0) continue;
    const __m256 denom = a.eps_inside_sqrt ? _mm256_sqrt_ps(_mm256_add_ps(vi, eps))
                                           : _mm256_add_ps(_mm256_sqrt_ps(vi), eps);
    const __m256 stepped = _mm256_sub_ps(pi, _mm256_mul_ps(lr, _mm256_div_ps(gi, denom)));
    _mm256_storeu_ps(p + i,
                     _mm256_or_ps(_mm256_and_ps(nonzero, stepped), _mm256_andnot_ps(nonzero, pi)));
  }
  return i;
}

Eigen::Index adam_sse2(float* p, const float* g, float* m, float* v, Eigen::Index n,
                       const AdamArgs& a) {
  const __m128 omb1 = _mm_set1_ps(1.0f - a.beta1), b2 = _mm_set1_ps(a.beta2);
  const __m128 omb2 = _mm_set1_ps(1.0f - a.beta2), step = _mm_set1_ps(a.step_size);
  const __m128 bc2 = _mm_set1_ps(a.bc2_sqrt), eps = _mm_set1_ps(a.eps);
  const __m128 wd = _mm_set1_ps(a.weight_decay);
  Eigen::Index i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m128 pi = _mm_loadu_ps(p + i);
    __m128 gi = _mm_loadu_ps(g + i);
    if (a.weight_decay != 0.0f) gi = _mm_add_ps(gi, _mm_mul_ps(wd, pi));
    __m128 mi = _mm_loadu_ps(m + i);
    mi = _mm_add_ps(mi, _mm_mul_ps(omb1, _mm_sub_ps(gi, mi)));
    const __m128 vi =
        _mm_add_ps(_mm_mul_ps(b2, _mm_loadu_ps(v + i)), _mm_mul_ps(omb2, _mm_mul_ps(gi, gi)));
    _mm_storeu_ps(m + i, mi);
    _mm_storeu_ps(v + i, vi);
    const __m128 denom = _mm_add_ps(_mm_div_ps(_mm_sqrt_ps(vi), bc2), eps);
    _mm_storeu_ps(p + i, _mm_sub_ps(pi, _mm_mul_ps(step, _mm_div_ps(mi, denom))));
  }
  return i;
}

__attribute__((target("avx"))) Eigen::Index adam_avx(float* p, const float* g, float* m, float* v,
                                                     Eigen::Index n, const AdamArgs& a) {
  const __m256 omb1 = _mm256_set1_ps(1.0f - a.beta1), b2 = _mm256_set1_ps(a.beta2);
  const __m256 omb2 = _mm256_set1_ps(1.0f - a.beta2), step = _mm256_set1_ps(a.step_size);
  const __m256 bc2 = _mm256_set1_ps(a.bc2_sqrt), eps = _mm256_set1_ps(a.eps);
  const __m256 wd = _mm256_set1_ps(a.weight_decay);
  Eigen::Index i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 pi = _mm256_loadu_ps(p + i);
    __m256 gi = _mm256_loadu_ps(g + i);
    if (a.weight_decay != 0.0f) gi = _mm256_add_ps(gi, _mm256_mul_ps(wd, pi));
    __m256 mi = _mm256_loadu_ps(m + i);
    mi = _mm256_add_ps(mi, _mm256_mul_ps(omb1, _mm256_sub_ps(gi, mi)));
    const __m256 vi = _mm256_add_ps(_mm256_mul_ps(b2, _mm256_loadu_ps(v + i)),
                                    _mm256_mul_ps(omb2, _mm256_mul_ps(gi, gi)));
    _mm256_storeu_ps(m + i, mi);
    _mm256_storeu_ps(v + i, vi);
    const __m256 denom = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vi), bc2), eps);
    _mm256_storeu_ps(p + i, _mm256_sub_ps(pi, _mm256_mul_ps(step, _mm256_div_ps(mi, denom))));
  }
  return i;
}

#endif  // SEMRA_X86_KERNELS

}  // namespace

bool isa_supported(Isa isa) {
  switch (isa) {
    case Isa::Scalar:
      return true;
#if SEMRA_X86_KERNELS
    case Isa::Sse2:
      return true;  // part of x86-64
    case Isa::Avx: {
      static const bool avx = __builtin_cpu_supports("avx");  // checks OS support of YMM state too
      return avx;
    }
#else
    default:
      return false;
#endif
  }
  return false;
}

Isa best_isa() {
  if (isa_supported(Isa::Avx)) return Isa::Avx;
  if (isa_supported(Isa::Sse2)) return Isa::Sse2;
  return Isa::Scalar;
}

void rmsprop(float* p, const float* g, float* v, Eigen::Index n, const RmsPropArgs& a, Isa isa) {
  Eigen::Index i = 0;
#if SEMRA_X86_KERNELS
  if (isa == Isa::Avx) i = rmsprop_avx(p, g, v, n, a);
  if (isa == Isa::Avx || isa == Isa::Sse2) i += rmsprop_sse2(p + i, g + i, v + i, n - i, a);
#else
  (void)isa;
#endif
  for (; i < n; ++i) rmsprop_one(p[i], g[i], v[i], a);
}

void adam(float* p, const float* g, float* m, float* v, Eigen::Index n, const AdamArgs& a,
          Isa isa) {
  Eigen::Index i = 0;
#if SEMRA_X86_KERNELS
  if (isa == Isa::Avx) i = adam_avx(p, g, m, v, n, a);
  if (isa == Isa::Avx || isa == Isa::Sse2) i += adam_sse2(p + i, g + i, m + i, v + i, n - i, a);
#else
  (void)isa;
#endif
  for (; i < n; ++i) adam_one(p[i], g[i], m[i], v[i], a);
}

}  // namespace semra::nn::kernels
