// vderl through semra::MultiAgentEnv (MultiAgentEnvironment) and the VectorEnv over it: agents,
// episode end, seeding (reset(seed) = the training frames of that seed), masked actions rejected
// without a trace, vector env == independent environments (autoreset included) at any thread count.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "semra/core/vector_env.hpp"
#include "semra/experiments/registry.hpp"
#include "semra/rl/dqn.hpp"
#include "semra/scenarios/vderl/multi_agent.hpp"

#include "test_helpers.hpp"

namespace vd = semra::vderl;

namespace {

using vderl_test::small_config;

struct Snapshot {
  std::vector<float> obs, state;
  std::vector<std::uint8_t> masks;
  bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(const semra::MultiAgentEnv& env) {
  Snapshot s;
  for (int a = 0; a < static_cast<int>(env.agents().size()); ++a) {
    const auto& spec = env.agents()[static_cast<std::size_t>(a)];
    std::vector<float> o(static_cast<std::size_t>(spec.obs_dim));
    std::vector<std::uint8_t> m(static_cast<std::size_t>(spec.num_actions));
    env.observe(a, o.data());
    env.action_mask(a, m.data());
    s.obs.insert(s.obs.end(), o.begin(), o.end());
    s.masks.insert(s.masks.end(), m.begin(), m.end());
  }
  s.state.resize(static_cast<std::size_t>(env.state_dim()));
  env.state(s.state.data());
  return s;
}

// Lowest-index valid action per agent after the first (a deterministic, non-trivial policy).
std::vector<int> policy(const semra::MultiAgentEnv& env, int t) {
  std::vector<int> a;
  for (int i = 0; i < static_cast<int>(env.agents().size()); ++i) {
    std::vector<std::uint8_t> m(static_cast<std::size_t>(env.agents()[0].num_actions));
    env.action_mask(i, m.data());
    int pick = 0;
    for (int k = 1 + (t + i) % 2; k < static_cast<int>(m.size()); ++k)
      if (m[static_cast<std::size_t>(k)]) {
        pick = k;
        break;
      }
    a.push_back(pick);
  }
  return a;
}

}  // namespace

TEST(VderlMultiAgentEnv, AgentsEpisodeAndInfo) {
  const auto c = small_config();
  vd::MultiAgentEnvironment env(c);
  ASSERT_EQ(env.agents().size(), 3u);
  EXPECT_EQ(env.agents()[0].name, "server_0");
  EXPECT_EQ(env.agents()[2].name, "server_2");
  EXPECT_EQ(env.agents()[0].obs_dim,
            c.rbs + c.max_users_per_server * vd::Environment::kSlotFeatures);
  EXPECT_EQ(env.agents()[0].num_actions, c.max_users_per_server + 1);
  EXPECT_EQ(env.agents()[0].noop_action, 0);
  env.reset(7);
  std::vector<float> rewards(3);
  std::vector<double> info(env.info_names().size());
  double total = 0.0;
  for (int q = 0; q < c.rbs; ++q) {
    EXPECT_FALSE(env.terminated());
    EXPECT_TRUE(env.acts(0));
    env.info(info.data());
    EXPECT_EQ(info[0], 0.0);  // frame metrics only at the frame's end
    env.step(policy(env, q).data(), rewards.data());
    for (float r : rewards) total += r;
  }
  EXPECT_TRUE(env.terminated());
  EXPECT_FALSE(env.truncated());
  env.info(info.data());
  EXPECT_EQ(info[1], c.users);
  EXPECT_GT(info[2], 0.0);                                     // served users
  EXPECT_NEAR(info[0], total, 1e-3 * std::abs(total) + 1e-6);  // per-RB rewards sum to eq. (12)
  EXPECT_THROW(env.step(policy(env, 0).data(), rewards.data()), std::logic_error);
}

TEST(VderlMultiAgentEnv, SeedRepeatsAndResetContinues) {
  const auto c = small_config();
  vd::MultiAgentEnvironment a(c), b(c);
  a.reset(5);
  b.reset(5);
  EXPECT_EQ(snapshot(a), snapshot(b));
  const Snapshot first = snapshot(a);
  a.reset();  // the next frame: different fading and requests
  EXPECT_FALSE(snapshot(a) == first);
  a.reset(5);
  EXPECT_EQ(snapshot(a), first);
  b.reset(6);
  EXPECT_FALSE(snapshot(b) == first);

  // reset(seed) draws exactly the frames a training run of that seed draws.
  vd::Environment raw(c, vd::make_world(c, 5));
  semra::Rng frames(5, vd::MultiAgentEnvironment::kFrameStream);
  raw.reset(frames);
  raw.reset(frames);
  a.reset();
  std::vector<float> x(static_cast<std::size_t>(raw.obs_dim())), y(x.size());
  raw.observe(1, x.data());
  a.observe(1, y.data());
  EXPECT_EQ(x, y);
}

TEST(VderlMultiAgentEnv, MaskedActionThrowsNamingAgentAndLeavesFrameUnchanged) {
  const auto c = small_config();
  vd::MultiAgentEnvironment env(c);
  env.reset(3);
  auto acts = policy(env, 0);
  std::vector<float> rewards(3);
  env.step(acts.data(), rewards.data());
  const Snapshot before = snapshot(env);
  // Server 1 asks again for the user it already serves (masked): nothing may change.
  auto again = policy(env, 0);
  again[1] = acts[1];
  ASSERT_GT(acts[1], 0);
  try {
    env.step(again.data(), rewards.data());
    FAIL() << "masked action accepted";
  } catch (const std::invalid_argument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("server_1"), std::string::npos) << msg;
    EXPECT_NE(msg.find("action " + std::to_string(acts[1])), std::string::npos) << msg;
  }
  EXPECT_EQ(snapshot(env), before);
  std::vector<int> bad(3, c.max_users_per_server + 1);
  EXPECT_THROW(env.step(bad.data(), rewards.data()), std::invalid_argument);
  EXPECT_EQ(snapshot(env), before);
}

TEST(VderlMultiAgentEnv, RegistryMakesIt) {
  const auto* sc = semra::find_scenario("vderl");
  ASSERT_NE(sc, nullptr);
  ASSERT_TRUE(sc->make_env);
  auto cfg = sc->make_config();
  auto env = sc->make_env(*cfg, "");
  EXPECT_EQ(env->agents().front().name, "server_0");
}

// Vector env: env e == an independent MultiAgentEnvironment reset with seed + e and given the same
// actions, through two frames (the second after next-step autoreset), at 1 and 3 threads. Frames
// end by termination (the last RB step), never by truncation (dhdrl's episodes are truncated:
// tests/scenarios/dhdrl/multi_agent_test.cpp).
TEST(VectorEnv, EqualsIndependentEnvironmentsWithAutoresetAtAnyThreadCount) {
  const auto c = small_config();
  const int E = 4, A = 3;
  for (int threads : {1, 3}) {
    std::vector<std::unique_ptr<semra::MultiAgentEnv>> envs;
    for (int e = 0; e < E; ++e) envs.push_back(std::make_unique<vd::MultiAgentEnvironment>(c));
    semra::VectorEnv venv(std::move(envs), threads, false);
    ASSERT_EQ(venv.threads(), threads);
    std::vector<vd::MultiAgentEnvironment> solo(E, vd::MultiAgentEnvironment(c));
    venv.reset(10);
    for (int e = 0; e < E; ++e) solo[static_cast<std::size_t>(e)].reset(10 + e);
    const int D = venv.obs_dim();
    std::vector<int> actions(E * A);
    int resets_seen = 0;
    for (int t = 0; t < 2 * (c.rbs + 1); ++t) {
      for (int e = 0; e < E; ++e) {
        auto& s = solo[static_cast<std::size_t>(e)];
        const Snapshot snap = snapshot(s);
        for (int a = 0; a < A; ++a)
          for (int d = 0; d < D; ++d)
            ASSERT_EQ(venv.obs()[(e * A + a) * D + d],
                      snap.obs[static_cast<std::size_t>(a * D + d)])
                << "t " << t << " env " << e;
        const auto p = policy(s, t + e);
        std::copy(p.begin(), p.end(), actions.begin() + e * A);
      }
      const std::vector<std::uint8_t> ended(venv.terminations(), venv.terminations() + E);
      venv.step(actions.data());
      for (int e = 0; e < E; ++e) {
        auto& s = solo[static_cast<std::size_t>(e)];
        std::vector<float> r(A, 0.0f);
        if (ended[static_cast<std::size_t>(e)]) {
          s.reset();  // next-step autoreset: actions ignored, rewards 0
          ++resets_seen;
        } else {
          s.step(actions.data() + e * A, r.data());
        }
        for (int a = 0; a < A; ++a)
          ASSERT_EQ(venv.rewards()[e * A + a], r[static_cast<std::size_t>(a)]);
        ASSERT_EQ(venv.terminations()[e] != 0,
                  !ended[static_cast<std::size_t>(e)] && s.terminated());
        // A frame ends by termination only: vderl has no time limit.
        ASSERT_FALSE(s.truncated());
        ASSERT_EQ(venv.truncations()[e], 0);
      }
    }
    EXPECT_EQ(resets_seen, 2 * E);
  }
}

TEST(VectorEnv, MaskedActionRaisesBeforeAnyEnvMovesOrBecomesNoop) {
  const auto c = small_config();
  for (bool ignore : {false, true}) {
    std::vector<std::unique_ptr<semra::MultiAgentEnv>> envs;
    for (int e = 0; e < 2; ++e) envs.push_back(std::make_unique<vd::MultiAgentEnvironment>(c));
    semra::VectorEnv venv(std::move(envs), 2, ignore);
    venv.reset(1);
    const int N = venv.num_actions();
    std::vector<int> actions(6, 0);
    int masked = -1;
    for (int k = 1; k < N && masked < 0; ++k)
      if (!venv.masks()[(1 * 3 + 2) * N + k]) masked = k;
    ASSERT_GT(masked, 0);
    actions[1 * 3 + 2] = masked;  // env 1, server_2
    const std::vector<float> obs0(venv.obs(), venv.obs() + 2 * 3 * venv.obs_dim());
    if (!ignore) {
      try {
        venv.step(actions.data());
        FAIL();
      } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("server_2"), std::string::npos);
      }
      EXPECT_EQ(std::vector<float>(venv.obs(), venv.obs() + obs0.size()), obs0);
    } else {
      venv.step(actions.data());
      EXPECT_EQ(venv.invalid()[1 * 3 + 2], 1);
      EXPECT_EQ(venv.invalid()[0], 0);
      EXPECT_NE(std::vector<float>(venv.obs(), venv.obs() + obs0.size()), obs0);
    }
  }
}
