// The vderl learners' compute: one network's batch-128 gradient step at the Table II size
// (288-64-64-41 ReLU, Adam), in GFLOP/s, against the core's measured fp32 FMA peak.
//   BM_VderlNetGradientStep: forward + backward (parameter gradients) + Adam step.
//   BM_VderlNetForwardBackward: the same without the optimiser (the matrix products alone).
//   BM_FmaPeak: 12 independent chains of fused multiply-adds in the widest vectors this CPU has:
//     the core's attainable fp32 peak (FLOP/s = 2 x lanes x FMAs per second).
// FLOPs counted: 2 per multiply-add of the matrix products (forward: B sum(in x out); backward:
// B sum(in x out) for the weight gradients + B sum over layers > 0 of (in x out) for the input
// gradients); bias, activation and optimiser work is not counted.
// Run: build/bench/bench_vderl_learner --benchmark_repetitions=5
// --benchmark_report_aggregates_only=true   (SEMRA_ISA=baseline|avx2|avx512 to pin the kernels)
#include <benchmark/benchmark.h>

#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "semra/core/isa.hpp"
#include "semra/core/rng.hpp"
#include "semra/nn/mlp.hpp"
#include "semra/nn/optim.hpp"

namespace {

using semra::Rng;
namespace nn = semra::nn;

constexpr int kBatch = 128;
const std::vector<int> kSizes = {288, 64, 64, 41};

double step_flops(bool with_backward) {
  double fwd = 0, in_grads = 0;
  for (std::size_t l = 0; l + 1 < kSizes.size(); ++l) {
    fwd += double{1} * kSizes[l] * kSizes[l + 1];
    if (l > 0) in_grads += double{1} * kSizes[l] * kSizes[l + 1];
  }
  return 2.0 * kBatch * (with_backward ? 2 * fwd + in_grads : fwd);
}

nn::Matrix random_matrix(int rows, int cols, Rng& rng) {
  nn::Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(rng.uniform(-1, 1));
  return m;
}

void gradient_step(benchmark::State& state, bool optimiser) {
  Rng rng(1, "bench");
  nn::Mlp net(kSizes, nn::Activation::Relu, nn::Activation::Identity, rng);
  nn::Optimizer opt(nn::OptimizerConfig::adam(1e-3f), net.params().size());
  const nn::Matrix x = random_matrix(kBatch, kSizes.front(), rng);
  const nn::Matrix g = random_matrix(kBatch, kSizes.back(), rng);
  for (auto _ : state) {
    net.forward(x);
    net.backward(g);
    if (optimiser) opt.step(net.params(), net.grads());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(step_flops(true) * 1e-9 * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
  state.SetLabel(std::string(semra::to_string(semra::active_isa())));
}

void BM_VderlNetGradientStep(benchmark::State& state) {
  gradient_step(state, true);
}
BENCHMARK(BM_VderlNetGradientStep)->Unit(benchmark::kMicrosecond);

void BM_VderlNetForwardBackward(benchmark::State& state) {
  gradient_step(state, false);
}
BENCHMARK(BM_VderlNetForwardBackward)->Unit(benchmark::kMicrosecond);

#if defined(__x86_64__) && defined(__GNUC__)
// 12 accumulators cover the FMA latency (4 cycles) x 2 pipes with room to spare.
__attribute__((target("avx512f"))) float run512(std::int64_t n) {
  __m512 acc[12];
  for (int j = 0; j < 12; ++j) acc[j] = _mm512_set1_ps(1.0f + 1e-3f * static_cast<float>(j));
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (std::int64_t i = 0; i < n; ++i)
    for (int j = 0; j < 12; ++j) acc[j] = _mm512_fmadd_ps(acc[j], a, b);
  alignas(64) float lanes[16];
  float out = 0;
  for (int j = 0; j < 12; ++j) {
    _mm512_store_ps(lanes, acc[j]);
    out += lanes[0];
  }
  return out;
}
__attribute__((target("avx2,fma"))) float run256(std::int64_t n) {
  __m256 acc[12];
  for (int j = 0; j < 12; ++j) acc[j] = _mm256_set1_ps(1.0f + 1e-3f * static_cast<float>(j));
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (std::int64_t i = 0; i < n; ++i)
    for (int j = 0; j < 12; ++j) acc[j] = _mm256_fmadd_ps(acc[j], a, b);
  alignas(32) float lanes[8];
  float out = 0;
  for (int j = 0; j < 12; ++j) {
    _mm256_store_ps(lanes, acc[j]);
    out += lanes[0];
  }
  return out;
}

void BM_FmaPeak(benchmark::State& state) {
  const bool wide = state.range(0) == 512;
  if (!semra::isa_supported(wide ? semra::Isa::Avx512 : semra::Isa::Avx2)) {
    state.SkipWithError("not supported here");
    return;
  }
  constexpr std::int64_t kN = 100000;
  for (auto _ : state) {
    std::int64_t n = kN;
    benchmark::DoNotOptimize(n);  // not a constant: the call cannot be hoisted out of the loop
    benchmark::DoNotOptimize(wide ? run512(n) : run256(n));
  }
  const double lanes = wide ? 16 : 8;
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * lanes * 12 * kN * 1e-9 * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FmaPeak)->Arg(256)->Arg(512)->Unit(benchmark::kMicrosecond);
#endif

}  // namespace
