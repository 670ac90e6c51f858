// Hot paths of the NN engine on the DHDRL-sized network (74-64-32-100, ReLU), one thread.
// Targets (issue 2): one DQN update at batch 8 <= 25 us; one greedy action at batch 1 <= 3 us.
// Run: build/bench/bench_nn_update --benchmark_repetitions=5
// --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <vector>

#include "semra/core/rng.hpp"
#include "semra/nn/loss.hpp"
#include "semra/nn/mlp.hpp"
#include "semra/nn/optim.hpp"
#include "semra/nn/optim_kernels.hpp"
#include "semra/rl/dqn.hpp"

namespace {

using semra::Rng;
namespace nn = semra::nn;

constexpr int kObs = 74, kActions = 100, kBatch = 8;

nn::Matrix random_matrix(int rows, int cols, Rng& rng) {
  nn::Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(rng.uniform(-1, 1));
  return m;
}

// One DQN update exactly as DqnAgent::learn does it, minus replay sampling: target forward on s',
// max over valid a', online forward on s (output layer only at the taken actions), MSE, backward,
// RMSprop step. The batches cycle through a pool and the rewards through a long noise table, so the
// network cannot fit them and the gradients keep a realistic size (one fixed batch would be fitted
// exactly, driving the gradients into the denormal range where sqrt and division are far slower).
void BM_DqnUpdate(benchmark::State& state) {
  Rng rng(1, "bench");
  nn::Mlp online({kObs, 64, 32, kActions}, nn::Activation::Relu, nn::Activation::Identity, rng);
  nn::Mlp target = online;
  nn::Optimizer opt(nn::OptimizerConfig::keras_rmsprop(5e-4f, 1e-4f), online.params().size());
  constexpr int kPool = 16, kNoise = 4099;
  std::vector<nn::Matrix> obs, next_obs;
  std::vector<Eigen::VectorXi> actions;
  std::vector<nn::MaskMatrix> masks;
  for (int k = 0; k < kPool; ++k) {
    obs.push_back(random_matrix(kBatch, kObs, rng));
    next_obs.push_back(random_matrix(kBatch, kObs, rng));
    actions.emplace_back(kBatch);
    masks.push_back(nn::MaskMatrix::Ones(kBatch, kActions));
    for (int i = 0; i < kBatch; ++i) {
      actions.back()[i] = rng.uniform_int(kActions);
      masks.back()(i, rng.uniform_int(kActions)) = 0;
    }
  }
  std::vector<float> noise(kNoise);
  for (float& r : noise) r = static_cast<float>(rng.uniform());
  nn::Vector targets(kBatch), q_taken(kBatch), grad(kBatch);
  std::size_t it = 0, r = 0;
  for (auto _ : state) {
    const std::size_t k = it++ % kPool;
    const nn::Matrix& qn = target.forward(next_obs[k]);
    for (int i = 0; i < kBatch; ++i) {
      const int a = semra::rl::masked_argmax(qn.row(i).data(), masks[k].row(i).data(), kActions);
      targets[i] = noise[r++ % kNoise] + 0.5f * qn(i, a);
    }
    online.forward_selected(obs[k], actions[k], q_taken);
    benchmark::DoNotOptimize(nn::vector_loss(nn::LossKind::Mse, q_taken, targets, grad));
    online.backward_selected(grad);
    opt.step(online.params(), online.grads());
    if (it % 100 == 0) target.copy_from(online);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_DqnUpdate);

// Greedy action for one observation: single-sample forward + masked argmax.
void BM_GreedyAction(benchmark::State& state) {
  Rng rng(2, "bench");
  nn::Mlp net({kObs, 64, 32, kActions}, nn::Activation::Relu, nn::Activation::Identity, rng);
  const nn::Matrix obs = random_matrix(1, kObs, rng);
  std::vector<std::uint8_t> mask(kActions, 1);
  mask[3] = 0;
  for (auto _ : state) {
    const nn::Matrix& q = net.forward_one(obs.data());
    benchmark::DoNotOptimize(semra::rl::masked_argmax(q.data(), mask.data(), kActions));
  }
}
BENCHMARK(BM_GreedyAction);

// Pieces, to see where the update's time goes.
void BM_ForwardBatch8(benchmark::State& state) {
  Rng rng(3, "bench");
  nn::Mlp net({kObs, 64, 32, kActions}, nn::Activation::Relu, nn::Activation::Identity, rng);
  const nn::Matrix obs = random_matrix(kBatch, kObs, rng);
  for (auto _ : state) benchmark::DoNotOptimize(net.forward(obs).data());
}
BENCHMARK(BM_ForwardBatch8);

void BM_BackwardBatch8(benchmark::State& state) {
  Rng rng(4, "bench");
  nn::Mlp net({kObs, 64, 32, kActions}, nn::Activation::Relu, nn::Activation::Identity, rng);
  const nn::Matrix obs = random_matrix(kBatch, kObs, rng);
  const nn::Matrix grad = random_matrix(kBatch, kActions, rng);
  net.forward(obs);
  for (auto _ : state) {
    net.backward(grad);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_BackwardBatch8);

void BM_RmspropStep(benchmark::State& state) {
  Rng rng(5, "bench");
  nn::Mlp net({kObs, 64, 32, kActions}, nn::Activation::Relu, nn::Activation::Identity, rng);
  net.grads().setConstant(0.01f);
  nn::Optimizer opt(nn::OptimizerConfig::keras_rmsprop(5e-4f, 1e-4f), net.params().size());
  for (auto _ : state) {
    opt.step(net.params(), net.grads());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_RmspropStep);

// The RMSprop loop on each instruction set (0 scalar, 1 SSE2, 2 AVX); 30% zero gradients.
void BM_RmspropKernel(benchmark::State& state) {
  const auto isa = static_cast<nn::kernels::Isa>(state.range(0));
  if (!nn::kernels::isa_supported(isa)) {
    state.SkipWithError("instruction set not supported here");
    return;
  }
  Rng rng(6, "bench");
  const Eigen::Index n = 10180;
  nn::Vector p(n), g(n), v = nn::Vector::Zero(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    p[i] = static_cast<float>(rng.uniform(-1, 1));
    g[i] = i < 7000 ? static_cast<float>(rng.uniform(-0.1, 0.1)) : 0.0f;
  }
  const nn::kernels::RmsPropArgs args{0.9f, 1e-6f, 1e-7f, 0.0f, false};
  for (auto _ : state) {
    nn::kernels::rmsprop(p.data(), g.data(), v.data(), n, args, isa);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_RmspropKernel)->DenseRange(0, 2);

}  // namespace
