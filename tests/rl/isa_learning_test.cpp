// The kernel variants (semra/core/isa.hpp) learn the same thing. Their results may differ in the
// last bits, and a learner's trajectory amplifies that (a different greedy action, a different
// replay), so the check is on what is learnt: on every seed, every variant the machine supports
// reaches the optimal policy, and its learnt values agree with the baseline variant's within a
// stated tolerance (far below the gaps between actions, which are 0.5 and more).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "learning_tasks.hpp"
#include "semra/core/isa.hpp"
#include "semra/core/rng.hpp"
#include "semra/rl/dqn.hpp"
#include "semra/rl/joint_replay.hpp"
#include "semra/rl/vd_erl.hpp"

using namespace semra;
using namespace semra::rl;
using namespace semra::rl::test;

namespace {

std::vector<Isa> supported_isas() {
  std::vector<Isa> v;
  for (Isa isa : kAllIsas)
    if (isa_supported(isa)) v.push_back(isa);
  return v;
}

// Restores the process's variant when a test ends.
struct IsaGuard {
  Isa saved = active_isa();
  ~IsaGuard() { set_active_isa_for_testing(saved); }
};

struct Learnt {
  std::vector<int> policy;
  std::vector<float> values;  // the learnt value of each optimal action
};

// The contextual bandit (learning_tasks.hpp) with learning_config(), 1000 steps. Learnt value:
// Q(ctx, best arm) of every context, optimum 1.
Learnt dqn_bandit(std::uint64_t seed) {
  Rng init(seed, "init"), rng(seed, "run");
  DqnAgent agent(4, 4, learning_config(), init);
  train_bandit(agent, rng, 1000);
  Learnt l;
  l.policy = greedy_policy(agent, 4);
  float obs[4];
  for (int ctx = 0; ctx < 4; ++ctx) {
    std::fill(obs, obs + 4, 0.0f);
    obs[ctx] = 1.0f;
    l.values.push_back(agent.q_values_one(obs)(0, kBanditBest[ctx]));
  }
  return l;
}

// VD-ERL (soft target) on the cooperative matrix game (learning_tasks.hpp), 800 episodes. Learnt
// value: Q_1(2) + Q_2(2) = Q_tot(2, 2), optimum 5.
Learnt vderl_matrix_game(std::uint64_t seed) {
  Rng init(seed, "init"), rng(seed, "play");
  VdErlLearner erl(2, 1, 3, matrix_game_vderl_config(CriticTarget::Soft), init);
  train_on_matrix_game(erl, 800, 0, rng);
  const float obs[2] = {1.0f, 1.0f};
  const std::uint8_t masks[3] = {1, 1, 1};
  Learnt l;
  Rng none(0, "unused");
  float q_tot = 0;
  for (int v = 0; v < 2; ++v) {
    l.policy.push_back(erl.act(v, obs + v, masks, none, false));
    q_tot += erl.critic().online(v).forward_one(obs + v)(0, 2);
  }
  l.values.push_back(q_tot);
  return l;
}

template <class Train>
void expect_same_learning(Train train, const std::vector<int>& optimal, float tolerance) {
  IsaGuard guard;
  const int seeds = std::getenv("SEMRA_SANITIZED") ? 2 : 5;
  for (int seed = 1; seed <= seeds; ++seed) {
    set_active_isa_for_testing(Isa::Baseline);
    const Learnt base = train(static_cast<std::uint64_t>(seed));
    EXPECT_EQ(base.policy, optimal) << "baseline, seed " << seed;
    for (Isa isa : supported_isas()) {
      if (isa == Isa::Baseline) continue;
      set_active_isa_for_testing(isa);
      const Learnt l = train(static_cast<std::uint64_t>(seed));
      const std::string what = std::string(to_string(isa)) + ", seed " + std::to_string(seed);
      EXPECT_EQ(l.policy, optimal) << what;
      ASSERT_EQ(l.values.size(), base.values.size());
      for (std::size_t i = 0; i < l.values.size(); ++i)
        EXPECT_NEAR(l.values[i], base.values[i], tolerance) << what << ", value " << i;
    }
  }
  if (supported_isas().size() < 2) GTEST_SKIP() << "only the baseline kernels run here";
}

}  // namespace

// Tolerance 0.1 on Q(ctx, best arm) ~ 1 (arm gaps 0.5).
TEST(IsaLearning, DqnLearnsTheSameOnEveryVariant) {
  expect_same_learning(dqn_bandit, {2, 0, 3, 1}, 0.1f);
}

// Tolerance 0.5 on Q_tot(2, 2) ~ 5 (the next-best joint action is worth 2).
TEST(IsaLearning, VdErlLearnsTheSameOnEveryVariant) {
  expect_same_learning(vderl_matrix_game, {2, 2}, 0.5f);
}
