// The dhdrl multi-agent environment (multi_agent.hpp): agents, step kinds, what acts when, rewards
// against hand-computed values, episodes, seeding, bad actions, allocation-free steps.
#include "semra/scenarios/dhdrl/multi_agent.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

// vderl/env_test.cpp defines test_scenarios' malloc counter.
#define SEMRA_COUNT_MALLOC_COUNTER_ONLY
#include "../../nn/count_malloc.hpp"
#include "multi_agent_helpers.hpp"
#include "semra/core/rng.hpp"
#include "semra/core/serialize.hpp"
#include "semra/core/vector_env.hpp"
#include "semra/experiments/registry.hpp"
#include "test_helpers.hpp"

namespace {

using namespace semra::dhdrl;
using dhdrl_test::model;

using dhdrl_test::observe;
using dhdrl_test::random_actions;
using dhdrl_test::small;

// Every agent's observation, the state and the infos, concatenated.
std::vector<double> snapshot(const MultiAgentEnvironment& env) {
  std::vector<double> s;
  for (int a = 0; a < static_cast<int>(env.agents().size()); ++a)
    for (float v : observe(env, a)) s.push_back(v);
  std::vector<float> st(static_cast<std::size_t>(env.state_dim()));
  env.state(st.data());
  s.insert(s.end(), st.begin(), st.end());
  std::vector<double> info(env.info_names().size());
  env.info(info.data());
  s.insert(s.end(), info.begin(), info.end());
  for (double& v : s)
    if (std::isnan(v)) v = -12345.0;  // sinr_db before the first slot: comparable
  return s;
}

TEST(DhdrlMultiAgent, AgentsAreLinkPairsWithTheSchemesSizes) {
  Config c = small();
  MultiAgentEnvironment env(c, model());
  const Environment& m = env.model();
  ASSERT_EQ(env.agents().size(), 14u);
  EXPECT_EQ(env.agents()[0].name, "bs0_high");
  EXPECT_EQ(env.agents()[1].name, "bs0_low");
  EXPECT_EQ(env.agents()[13].name, "bs6_low");
  EXPECT_EQ(env.agents()[0].obs_dim, m.high_obs_dim());
  EXPECT_EQ(env.agents()[0].obs_dim, 12 + 8 + 8 * 6);  // 68: model-dhdrl.md
  EXPECT_EQ(env.agents()[1].obs_dim, m.high_obs_dim() + 1);
  EXPECT_EQ(env.agents()[0].num_actions, 8 * 5);  // codeword x power
  EXPECT_EQ(env.agents()[1].num_actions, 20);     // k
  EXPECT_EQ(env.state_dim(), 7 * (m.local_obs_dim() + 1));
  // noop = the reset-time action: codeword 0 at full power, k = K/2.
  EXPECT_EQ(env.agents()[0].noop_action, 4);
  EXPECT_EQ(env.agents()[1].noop_action, 9);

  c.users_per_cell = 2;
  c.split = "reference";
  MultiAgentEnvironment two(c, model());
  ASSERT_EQ(two.agents().size(), 28u);
  EXPECT_EQ(two.agents()[0].name, "bs0_ut0_high");
  EXPECT_EQ(two.agents()[3].name, "bs0_ut1_low");
  EXPECT_EQ(two.agents()[4].name, "bs1_ut0_high");
  EXPECT_EQ(two.agents()[0].num_actions, 8);       // codeword
  EXPECT_EQ(two.agents()[1].num_actions, 5 * 20);  // power x k

  MultiAgentEnvironment single(small(), model(), {Layout::SingleLayer});
  ASSERT_EQ(single.agents().size(), 7u);
  EXPECT_EQ(single.agents()[2].name, "bs2");
  EXPECT_EQ(single.agents()[2].num_actions, 8 * 5 * 20);
  EXPECT_EQ(single.agents()[2].obs_dim, single.model().high_obs_dim());
  // The registry's environment is the dhdrl scheme's.
  const auto* entry = semra::find_scenario("dhdrl");
  ASSERT_NE(entry, nullptr);
  ASSERT_TRUE(entry->make_env);
  auto made = entry->make_env(c, "");
  EXPECT_EQ(made->agents()[1].name, "bs0_ut0_low");
}

TEST(DhdrlMultiAgent, HighActsAtEpochStartsLowAtEverySlot) {
  MultiAgentEnvironment env(small(), model());
  env.reset(3);
  semra::Rng rng(1, "actions");
  std::vector<float> rewards(env.agents().size());
  for (int epoch = 0; epoch < 3; ++epoch) {
    // The epoch start: a Decision step, no slot passes.
    ASSERT_EQ(env.next_step(), StepKind::Decision);
    EXPECT_TRUE(env.acts(0));
    EXPECT_FALSE(env.acts(1));
    const std::int64_t slot = env.slot();
    env.step(random_actions(env, rng).data(), rewards.data());
    EXPECT_EQ(env.slot(), slot);
    EXPECT_FALSE(env.slot_stepped());
    for (float r : rewards) EXPECT_EQ(r, 0.0f);
    for (int tau = 0; tau < 4; ++tau) {
      ASSERT_EQ(env.next_step(), StepKind::Slot);
      for (int i = 0; i < 7; ++i) {
        EXPECT_FALSE(env.acts(env.high_agent(i)));
        EXPECT_TRUE(env.acts(env.low_agent(i)));
      }
      env.step(random_actions(env, rng).data(), rewards.data());
      EXPECT_TRUE(env.slot_stepped());
      EXPECT_EQ(env.epoch_closed(), tau == 3);
    }
  }
}

TEST(DhdrlMultiAgent, HighActionsAreIgnoredWhereTheHighLevelDoesNotAct) {
  MultiAgentEnvironment a(small(), model()), b(small(), model());
  a.reset(5);
  b.reset(5);
  semra::Rng rng(2, "actions"), junk(3, "junk");
  std::vector<float> ra(a.agents().size()), rb(b.agents().size());
  for (int step = 0; step < 25; ++step) {
    std::vector<int> act = random_actions(a, rng), other = act;
    for (int i = 0; i < a.links(); ++i) {
      if (!a.acts(a.high_agent(i))) other[a.high_agent(i)] = junk.uniform_int(1000) - 500;
      if (!a.acts(a.low_agent(i))) other[a.low_agent(i)] = junk.uniform_int(1000) - 500;
    }
    a.step(act.data(), ra.data());
    b.step(other.data(), rb.data());
    ASSERT_EQ(ra, rb) << "step " << step;
    ASSERT_EQ(snapshot(a), snapshot(b)) << "step " << step;
  }
}

// Hand-computed rewards: low = own QoE every slot; high = the epoch mean of the neighbourhood
// QoE (own UT and the U UTs its BS interferes with most), only on the epoch's last slot.
TEST(DhdrlMultiAgent, RewardsAreTheQoeAndTheEpochMeanOfTheNeighbourhoodQoe) {
  for (const std::string scope : {"neighbourhood", "network", "local"}) {
    Config c = small();
    c.high_reward = scope;
    c.neighbours = 3;
    MultiAgentEnvironment env(c, model());
    env.reset(7);
    const Environment& m = env.model();
    semra::Rng rng(4, "actions");
    std::vector<float> rewards(env.agents().size());
    std::vector<double> epoch_sum(env.links(), 0.0);
    int high_deliveries = 0;
    for (int step = 0; step < 3 * 5; ++step) {
      const bool slot = env.next_step() == StepKind::Slot;
      env.step(random_actions(env, rng).data(), rewards.data());
      if (!slot) continue;
      const bool closes = env.epoch_closed();
      for (int i = 0; i < env.links(); ++i) {
        EXPECT_EQ(rewards[env.low_agent(i)], static_cast<float>(m.qoe(i))) << scope;
        double r = m.qoe(i);
        if (scope == "neighbourhood") {
          int idx[64];
          m.most_interfered_now(i, idx);
          for (int n = 0; n < 3; ++n) r += m.qoe(idx[n]);
          r /= 4.0;
        } else if (scope == "network") {
          r = 0.0;
          for (int j = 0; j < env.links(); ++j) r += m.qoe(j);
          r /= env.links();
        }
        epoch_sum[i] += r;
        if (closes) {
          EXPECT_NEAR(rewards[env.high_agent(i)], epoch_sum[i] / 4.0, 1e-6) << scope;
          EXPECT_NE(rewards[env.high_agent(i)], 0.0f);
          epoch_sum[i] = 0.0;
        } else {
          EXPECT_EQ(rewards[env.high_agent(i)], 0.0f) << scope;
        }
      }
      high_deliveries += closes;
    }
    EXPECT_EQ(high_deliveries, 3) << scope;
  }
}

TEST(DhdrlMultiAgent, SingleLayerRedrawsRequirementsInAStepOfItsOwn) {
  // ddrl's layout: the requirements of an epoch start change in a Redraw step where nobody acts,
  // so the observation before it (a learner's next state) still shows the old ones.
  MultiAgentEnvironment env(small(), model(), {Layout::SingleLayer});
  env.reset(2);
  semra::Rng rng(5, "actions");
  std::vector<float> rewards(env.agents().size());
  for (int t = 0; t < 4; ++t) {
    ASSERT_EQ(env.next_step(), StepKind::Slot);
    env.step(random_actions(env, rng).data(), rewards.data());
  }
  ASSERT_EQ(env.next_step(), StepKind::Redraw);
  for (int a = 0; a < 7; ++a) EXPECT_FALSE(env.acts(a));
  const auto before = observe(env, 0);
  const double w = env.model().requirement(0).w;
  env.step(random_actions(env, rng).data(), rewards.data());
  EXPECT_EQ(env.slot(), 4);
  EXPECT_NE(env.model().requirement(0).w, w);
  const auto after = observe(env, 0);
  // Power, codeword (C), k, QoE x 2, gains x 2, interference x 2 and SINR unchanged; w, xi_req,
  // Phi_req redrawn.
  const int req = 1 + 8 + 8;
  for (int f = 0; f < req; ++f) EXPECT_EQ(before[f], after[f]) << f;
  EXPECT_NE(before[req], after[req]);
  EXPECT_EQ(env.next_step(), StepKind::Slot);
}

TEST(DhdrlMultiAgent, ResetWithASeedIsDeterministicAndResetContinuesTheStreams) {
  MultiAgentEnvironment a(small(), model()), b(small(), model());
  semra::Rng rng(6, "actions");
  std::vector<float> r(a.agents().size());
  a.reset(11);
  const auto first = snapshot(a);
  for (int s = 0; s < 30; ++s) a.step(random_actions(a, rng).data(), r.data());
  a.reset(11);
  EXPECT_EQ(snapshot(a), first);
  b.reset(11);
  EXPECT_EQ(snapshot(b), first);
  b.reset(12);
  EXPECT_NE(snapshot(b), first);

  // reset() draws a new deployment from where the streams stopped; the first call is seed 0.
  a.reset();
  EXPECT_NE(snapshot(a), first);
  MultiAgentEnvironment c(small(), model()), d(small(), model());
  c.reset(11);
  c.reset();
  EXPECT_EQ(snapshot(c), snapshot(a));  // no steps in between: same continuation
  c.reset();
  EXPECT_NE(snapshot(c), snapshot(a));
  d.reset();
  b.reset(0);
  EXPECT_EQ(snapshot(d), snapshot(b));
}

TEST(DhdrlMultiAgent, BadActionsThrowNamingTheAgentAndTheAction) {
  MultiAgentEnvironment env(small(), model());
  env.reset(1);
  std::vector<int> act(env.agents().size(), 0);
  std::vector<float> r(env.agents().size());
  act[env.high_agent(2)] = 40;  // C x P = 40 actions
  try {
    env.step(act.data(), r.data());
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'bs2_high'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("action 40"), std::string::npos) << e.what();
  }
  EXPECT_EQ(env.next_step(), StepKind::Decision);  // nothing happened
  act[env.high_agent(2)] = 0;
  env.step(act.data(), r.data());
  act[env.low_agent(6)] = -1;
  EXPECT_THROW(env.step(act.data(), r.data()), std::invalid_argument);
  // Continuous k: only in [1, K].
  act[env.low_agent(6)] = 0;
  std::vector<double> k(env.links(), 3.5);
  k[4] = 20.5;
  EXPECT_THROW(env.step(act.data(), k.data(), r.data()), std::invalid_argument);
  k[4] = 2.25;
  env.step(act.data(), k.data(), r.data());
  EXPECT_EQ(env.model().k(4), 2.25);
  EXPECT_EQ(env.model().k(0), 3.5);
  // Every action is allowed.
  std::vector<std::uint8_t> mask(40, 0);
  env.action_mask(env.high_agent(0), mask.data());
  for (auto v : mask) EXPECT_EQ(v, 1);
}

TEST(DhdrlMultiAgent, EpisodeIsTruncatedAfterTrainSlots) {
  Config c = small();
  c.train_slots = 6;
  MultiAgentEnvironment env(c, model());
  env.reset(1);
  semra::Rng rng(7, "actions");
  std::vector<float> r(env.agents().size());
  int steps = 0;
  while (!env.truncated()) {
    EXPECT_FALSE(env.terminated());
    env.step(random_actions(env, rng).data(), r.data());
    ++steps;
  }
  EXPECT_EQ(steps, 6 + 2);  // two epoch starts (slots 0 and 4)
  EXPECT_EQ(env.slot(), 6);
  EXPECT_FALSE(env.terminated());
  for (int a = 0; a < 14; ++a) EXPECT_FALSE(env.acts(a));
  EXPECT_THROW(env.step(random_actions(env, rng).data(), r.data()), std::logic_error);
  env.reset();
  EXPECT_FALSE(env.truncated());
}

// The vector env over dhdrl, whose episodes end only by truncation (train.slots): env e equals an
// independent environment reset with seed + e and given the same actions, the truncating step is
// reported, and the next step resets the environment (reset(), actions ignored, rewards 0), over
// three episodes, at 1 and 2 threads.
TEST(DhdrlMultiAgent, VectorEnvReportsTruncationAndAutoresets) {
  Config c = small();
  c.train_slots = 3;  // an episode: the epoch start, then 3 slots
  const int E = 2;
  for (int threads : {1, 2}) {
    std::vector<std::unique_ptr<semra::MultiAgentEnv>> envs;
    std::vector<MultiAgentEnvironment> solo;
    for (int e = 0; e < E; ++e) {
      envs.push_back(std::make_unique<MultiAgentEnvironment>(c, model()));
      solo.emplace_back(c, model());
      solo.back().reset(20 + e);
    }
    semra::VectorEnv venv(std::move(envs), threads, false);
    venv.reset(20);
    const int A = venv.num_agents(), D = venv.obs_dim();
    semra::Rng rng(3, "actions");
    std::vector<int> truncations(E, 0), resets(E, 0);
    for (int t = 0; t < 3 * 5; ++t) {
      std::vector<int> actions;
      for (int e = 0; e < E; ++e) {
        const auto a = random_actions(solo[static_cast<std::size_t>(e)], rng);
        actions.insert(actions.end(), a.begin(), a.end());
      }
      const std::vector<std::uint8_t> ended(venv.truncations(), venv.truncations() + E);
      venv.step(actions.data());
      for (int e = 0; e < E; ++e) {
        auto& s = solo[static_cast<std::size_t>(e)];
        std::vector<float> r(static_cast<std::size_t>(A), 0.0f);
        if (ended[static_cast<std::size_t>(e)]) {
          s.reset();  // next-step autoreset
          ++resets[static_cast<std::size_t>(e)];
        } else {
          s.step(actions.data() + e * A, r.data());
        }
        ASSERT_EQ(venv.truncations()[e], s.truncated() ? 1 : 0) << "step " << t << ", env " << e;
        ASSERT_EQ(venv.terminations()[e], 0);
        truncations[static_cast<std::size_t>(e)] += venv.truncations()[e];
        for (int a = 0; a < A; ++a) {
          ASSERT_EQ(venv.rewards()[e * A + a], r[static_cast<std::size_t>(a)])
              << "step " << t << ", env " << e << ", agent " << a;
          const auto o = observe(s, a);
          for (std::size_t d = 0; d < o.size(); ++d)
            ASSERT_EQ(venv.obs()[(e * A + a) * D + static_cast<int>(d)], o[d])
                << "step " << t << ", env " << e << ", agent " << a;
        }
      }
    }
    // 15 steps of 4-step episodes, each followed by an autoreset step: truncated at steps 4, 9 and
    // 14, reset at steps 5, 10 and 15.
    EXPECT_EQ(truncations, std::vector<int>(E, 3));
    EXPECT_EQ(resets, std::vector<int>(E, 3));
  }
}

TEST(DhdrlMultiAgent, InfoHoldsTheSlotMeans) {
  MultiAgentEnvironment env(small(), model());
  env.reset(8);
  semra::Rng rng(8, "actions");
  std::vector<float> r(env.agents().size());
  std::vector<double> info(env.info_names().size());
  ASSERT_EQ(env.info_names()[2], "qoe");
  env.step(random_actions(env, rng).data(), r.data());  // Decision
  env.info(info.data());
  EXPECT_EQ(info[0], 0.0);   // slot_step
  EXPECT_EQ(info[1], -1.0);  // no slot yet
  env.step(random_actions(env, rng).data(), r.data());
  env.info(info.data());
  EXPECT_EQ(info[0], 1.0);
  EXPECT_EQ(info[1], 0.0);
  const Environment& m = env.model();
  double q = 0, k = 0;
  for (int i = 0; i < m.links(); ++i) q += m.qoe(i), k += m.k(i);
  EXPECT_NEAR(info[2], q / 7, 1e-12);
  EXPECT_NEAR(info[4], k / 7, 1e-12);
}

TEST(DhdrlMultiAgent, CheckpointResumesBitIdentically) {
  MultiAgentEnvironment a(small(), model()), b(small(), model());
  a.reset(9);
  b.reset(9);
  semra::Rng rng(9, "actions");
  std::vector<float> r(a.agents().size());
  for (int s = 0; s < 13; ++s) a.step(random_actions(a, rng).data(), r.data());
  semra::StateWriter w;
  a.save_state(w);
  const std::string bytes = w.take();
  semra::StateReader in(bytes, "test");
  b.load_state(in);
  in.expect_end();
  semra::Rng rng_b = rng;
  std::vector<float> rb(r.size());
  for (int s = 0; s < 20; ++s) {
    a.step(random_actions(a, rng).data(), r.data());
    b.step(random_actions(b, rng_b).data(), rb.data());
    ASSERT_EQ(r, rb);
    ASSERT_EQ(snapshot(a), snapshot(b));
  }
}

TEST(DhdrlMultiAgent, StepsAllocateNothingAfterReset) {
  if (!semra::test::kCountingAllocations) GTEST_SKIP() << "allocation counting unavailable here";
  Config c = small(2);  // 19 cells
  c.users_per_cell = 2;
  c.redraw_period_slots = 3;
  for (Layout layout : {Layout::Hierarchical, Layout::SingleLayer}) {
    MultiAgentEnvironment env(c, model(), {layout});
    env.reset(1);
    semra::Rng rng(10, "actions");
    std::vector<int> act(env.agents().size());
    std::vector<float> r(act.size()), obs(static_cast<std::size_t>(env.model().low_obs_dim())),
        state(static_cast<std::size_t>(env.state_dim()));
    std::vector<std::uint8_t> mask(8 * 5 * 20);
    std::vector<double> info(env.info_names().size());
    const std::size_t before = semra::test::allocations();
    for (int s = 0; s < 60; ++s) {
      for (int a = 0; a < static_cast<int>(act.size()); ++a) {
        env.observe(a, obs.data());
        env.action_mask(a, mask.data());
        (void)env.acts(a);
        act[static_cast<std::size_t>(a)] = rng.uniform_int(env.agents()[a].num_actions);
      }
      env.state(state.data());
      env.step(act.data(), r.data());
      env.info(info.data());
    }
    EXPECT_EQ(semra::test::allocations(), before);
  }
}

}  // namespace
