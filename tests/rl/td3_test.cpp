// Td3Agent (the dhdrl-continuous learner) learns a continuous contextual bandit. Its checkpoint
// state is tested in state_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "semra/core/rng.hpp"
#include "semra/rl/td3.hpp"

TEST(Td3, LearnsAContinuousContextualBandit) {
  // Context x ~ U(-1, 1); reward -(a - 0.6 x)^2: the optimal action is a* = 0.6 x.
  semra::rl::Td3Config c;
  c.hidden = {32, 32};
  c.gamma = 0.0f;
  c.batch_size = 32;
  c.learn_start = 64;
  c.replay_capacity = 2000;
  c.actor_lr = 3e-3f;
  c.critic_lr = 3e-3f;
  c.tau = 0.02f;
  semra::Rng init(1, "init"), rng(1, "explore"), learn(1, "learn"), env(1, "env");
  semra::rl::Td3Agent agent(1, 1, c, init);
  float obs = 0.0f, next = 0.0f, a = 0.0f;
  for (int t = 0; t < 3000; ++t) {
    obs = static_cast<float>(env.uniform(-1.0, 1.0));
    agent.act(&obs, &a, rng, true);
    const float r = -(a - 0.6f * obs) * (a - 0.6f * obs);
    next = static_cast<float>(env.uniform(-1.0, 1.0));
    agent.remember(&obs, &a, r, &next, true);
    agent.learn(learn);
  }
  double err = 0.0;
  for (int i = 0; i <= 20; ++i) {
    obs = -1.0f + 0.1f * i;
    agent.act(&obs, &a, rng, false);
    err = std::max(err, std::fabs(a - 0.6 * obs));
  }
  EXPECT_LT(err, 0.15);
}
