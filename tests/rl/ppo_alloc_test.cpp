// PpoLearner's rollout and update allocate nothing after the first rollout (every workspace is
// sized at construction or at the first call). Counted with count_malloc.hpp, whose counting malloc
// this test program gets from dqn_test.cpp; skipped under AddressSanitizer.
#include <gtest/gtest.h>

#define SEMRA_COUNT_MALLOC_COUNTER_ONLY
#include "../nn/count_malloc.hpp"
#include "semra/core/rng.hpp"
#include "semra/nn/tensor.hpp"
#include "semra/rl/ppo.hpp"

namespace {

using semra::Rng;
using namespace semra::rl;

TEST(PpoAlloc, RolloutAndUpdateAllocateNothingAfterTheFirst) {
  if (!semra::test::kCountingAllocations) GTEST_SKIP() << "allocation counting unavailable here";
  {  // the counter must see allocations here, or the test below would pass vacuously
    const std::size_t before = semra::test::allocations();
    semra::nn::Matrix m(10, 10);
    ASSERT_EQ(semra::test::allocations() - before, 1u);
  }
  const int E = 4, A = 3, D = 7, N = 5, S = 9, T = 6;
  for (int variant = 0; variant < 2; ++variant) {
    PpoConfig c = variant == 0 ? PpoConfig::mappo() : PpoConfig::ippo();
    c.share_parameters = variant == 0;
    c.rollout_steps = T;
    c.num_minibatches = 3;
    c.epochs = 2;
    Rng init(1, "init"), rng(2, "ppo"), data(3, "data");
    PpoLearner ppo({E, A, D, N, S}, c, init);
    std::vector<float> obs(E * A * D), states(E * S), rewards(E * A);
    std::vector<std::uint8_t> masks(E * A * N, 1), acts(E * A, 1), term(E), trunc(E);
    std::vector<int> actions(E * A);
    auto rollout_and_update = [&] {
      for (int t = 0; t < T; ++t) {
        for (float& x : obs) x = static_cast<float>(data.uniform(-1, 1));
        for (float& x : states) x = static_cast<float>(data.uniform(-1, 1));
        for (float& x : rewards) x = static_cast<float>(data.uniform());
        for (int e = 0; e < E; ++e) {
          term[static_cast<std::size_t>(e)] = data.uniform() < 0.2;
          trunc[static_cast<std::size_t>(e)] = data.uniform() < 0.1;
        }
        masks[static_cast<std::size_t>(t % N)] = 0;  // a masked action in env 0, agent 0
        acts[1] = t % 2;                             // env 0, agent 1 acts every other step
        ppo.act(obs.data(), masks.data(), acts.data(), states.data(), rng, actions.data());
        masks[static_cast<std::size_t>(t % N)] = 1;
        ppo.observe(rewards.data(), term.data(), trunc.data());
      }
      ppo.update(obs.data(), states.data(), rng);
    };
    rollout_and_update();  // warm-up: every network's batch workspaces are sized here
    const std::size_t before = semra::test::allocations();
    for (int i = 0; i < 3; ++i) rollout_and_update();
    EXPECT_EQ(semra::test::allocations() - before, 0u) << "variant " << variant;
  }
}

}  // namespace
