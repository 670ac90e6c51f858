// Hot paths allocate nothing after the first call with a given batch size (issue 2). Verified by
// counting every malloc of this test program (count_malloc.hpp); skipped under AddressSanitizer.
#include <gtest/gtest.h>

#include "count_malloc.hpp"
#include "semra/core/rng.hpp"
#include "semra/nn/loss.hpp"
#include "semra/nn/mlp.hpp"
#include "semra/nn/optim.hpp"
#include "semra/nn/softmax.hpp"

namespace {

using semra::Rng;
using namespace semra::nn;

TEST(NnAlloc, CounterSeesEigenAndNew) {
  if (!semra::test::kCountingAllocations) GTEST_SKIP() << "allocation counting unavailable here";
  const std::size_t before = semra::test::allocations();
  Matrix m(10, 10);  // Eigen: std::malloc
  EXPECT_EQ(semra::test::allocations() - before, 1u);
  void* p = ::operator new(16);  // a direct call, which (unlike a new-expression) is never elided
  EXPECT_EQ(semra::test::allocations() - before, 2u);
  ::operator delete(p);
}

TEST(NnAlloc, TrainingAndActingAllocateNothingAfterWarmUp) {
  if (!semra::test::kCountingAllocations) GTEST_SKIP() << "allocation counting unavailable here";
  Rng rng(1, "alloc");
  Mlp online({74, 64, 32, 100}, Activation::Relu, Activation::Identity, rng);
  Mlp target = online;
  Optimizer rms(OptimizerConfig::keras_rmsprop(5e-4f, 1e-4f), online.params().size());
  Optimizer adam(OptimizerConfig::adam(), online.params().size());
  Matrix x(8, 74), gq(8, 100), probs(8, 100), logp(8, 100), glogits(8, 100);
  x.setConstant(0.3f);
  Eigen::VectorXi actions = Eigen::VectorXi::LinSpaced(8, 0, 70);
  Vector targets = Vector::Ones(8), q(8), g(8);
  MaskMatrix mask = MaskMatrix::Ones(8, 100);
  mask(0, 3) = 0;

  auto hot_loop = [&] {
    const Matrix& qn = target.forward(x);
    targets = qn.rowwise().maxCoeff();
    const Matrix& qf = online.forward(x);
    selected_loss(LossKind::Huber, qf, actions, targets, gq);
    online.backward(gq, {.input_grad = true});
    online.forward_selected(x, actions, q);
    vector_loss(LossKind::Mse, q, targets, g);
    online.backward_selected(g);
    clip_grad_norm(online.grads(), 1.0f);
    rms.step(online.params(), online.grads());
    adam.step(online.params(), online.grads());
    target.polyak_update(online, 0.01f);
    target.copy_from(online);
    masked_softmax(online.forward(x), mask, probs);
    masked_log_softmax(online.output(), mask, logp);
    masked_log_softmax_backward(logp, mask, probs, glogits);
    online.forward_one(x.data());
  };
  hot_loop();  // warm-up: workspaces sized for batch 8
  const std::size_t before = semra::test::allocations();
  for (int i = 0; i < 10; ++i) hot_loop();
  EXPECT_EQ(semra::test::allocations() - before, 0u);
}

}  // namespace
