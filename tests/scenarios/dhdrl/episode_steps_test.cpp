// MultiAgentEnvironment::episode_steps() (the Python face's max_cycles / episode_limit), computed
// in closed form, equals the steps an episode takes, for both layouts and every redraw schedule;
// rewarded() marks the steps that deliver an agent's reward.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "multi_agent_helpers.hpp"
#include "semra/core/rng.hpp"
#include "semra/scenarios/dhdrl/multi_agent.hpp"
#include "test_helpers.hpp"

namespace {

using namespace semra::dhdrl;

TEST(DhdrlEpisodeSteps, ClosedFormEqualsTheStepsTaken) {
  for (const Layout layout : {Layout::Hierarchical, Layout::SingleLayer}) {
    for (const int redraw : {0, -1, 1, 3, 4, 6, 7}) {
      for (const std::int64_t slots : {1, 4, 11, 12}) {
        Config c = dhdrl_test::small();
        c.train_slots = slots;
        c.redraw_period_slots = redraw;
        MultiAgentEnvironment env(c, dhdrl_test::model(), {layout});
        env.reset(3);
        semra::Rng rng(1, "actions");
        std::vector<float> rewards(env.agents().size());
        std::int64_t steps = 0;
        while (!env.truncated()) {
          const auto a = dhdrl_test::random_actions(env, rng);
          env.step(a.data(), rewards.data());
          ++steps;
          for (int i = 0; i < static_cast<int>(env.agents().size()); ++i) {
            const bool high = env.hierarchical() && i == env.high_agent(env.link_of_agent(i));
            EXPECT_EQ(env.rewarded(i), env.slot_stepped() && (!high || env.epoch_closed()));
          }
        }
        EXPECT_EQ(steps, env.episode_steps()) << "layout " << static_cast<int>(layout)
                                              << ", redraw " << redraw << ", slots " << slots;
      }
    }
  }
}

}  // namespace
