// PpoLearner (IPPO / MAPPO) driven through the C++ vector env: learning on the small tasks of
// learning_tasks.hpp with a stated margin over seeds, bit-identical results at 1 and 2 vector-env
// threads, checkpoints that continue exactly, and configuration errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "ppo_tasks.hpp"
#include "semra/core/error.hpp"
#include "semra/core/rng.hpp"
#include "semra/core/serialize.hpp"
#include "semra/rl/ppo.hpp"

namespace {

using semra::Rng;
using semra::VectorEnv;
using namespace semra::rl;
using namespace semra::rl::test;

std::string state_of(const PpoLearner& ppo) {
  semra::StateWriter w;
  ppo.save_state(w);
  return w.take();
}

// Learning budgets are shortened under the sanitizers (docs/decisions.md, Build and layout).
bool sanitized() {
  return std::getenv("SEMRA_SANITIZED") != nullptr;
}

// The bandit: 16 environments, rollouts of 8 steps (every other step is the vector env's reset
// step after a one-step episode), small networks, otherwise the MAPPO defaults except 4 epochs
// and a faster learning rate. Random play earns 0.375 per step; the best arm 1.
PpoConfig bandit_config(PpoCriticInput critic) {
  PpoConfig c = PpoConfig::mappo();
  c.critic_input = critic;
  c.actor_hidden = c.critic_hidden = {16};
  c.rollout_steps = 8;
  c.epochs = 4;
  c.num_minibatches = 2;
  c.actor_optimizer.lr = c.critic_optimizer.lr = 3e-3f;
  return c;
}

// Over 5 seeds, MAPPO (critic on the state) and IPPO (critic on the observation) must each pick
// the best arm in every context and earn >= 0.85 per step over the last 40 steps (random 0.375).
TEST(PpoLearning, BanditOverSeeds) {
  const int steps = sanitized() ? 800 : 1600;
  for (auto critic : {PpoCriticInput::State, PpoCriticInput::Local})
    for (int seed = 1; seed <= 5; ++seed) {
      VectorEnv venv = make_vector_env<BanditEnv>(16, 1);
      venv.reset(static_cast<std::uint64_t>(seed) * 100);
      Rng init(static_cast<std::uint64_t>(seed), "init"),
          rng(static_cast<std::uint64_t>(seed), "ppo");
      PpoLearner ppo(PpoDims::of(venv), bandit_config(critic), init);
      Driver d;
      const double tail_reward = d.run(ppo, venv, rng, steps, 40);
      SCOPED_TRACE("critic " + std::string(to_string(critic)) + ", seed " + std::to_string(seed));
      EXPECT_GE(tail_reward, 0.85);
      float obs[4];
      for (int ctx = 0; ctx < 4; ++ctx) {
        std::fill(obs, obs + 4, 0.0f);
        obs[ctx] = 1.0f;
        EXPECT_EQ(ppo.greedy_action(0, obs, nullptr), kBanditBest[ctx]) << "context " << ctx;
      }
    }
}

// The cooperative matrix game (optimum (2, 2) = 5, random 11/9): over 5 seeds, MAPPO with shared
// parameters and an agent id, and IPPO with one network per agent, must both play (2, 2) greedily
// and earn >= 4 per step over the last 40 steps.
TEST(PpoLearning, MatrixGameOverSeeds) {
  const int steps = sanitized() ? 600 : 1200;
  for (int variant = 0; variant < 2; ++variant)
    for (int seed = 1; seed <= 5; ++seed) {
      PpoConfig c = bandit_config(variant == 0 ? PpoCriticInput::State : PpoCriticInput::Local);
      c.share_parameters = variant == 0;
      c.agent_id = variant == 0;
      VectorEnv venv = make_vector_env<MatrixGameEnv>(16, 1);
      venv.reset(1);
      Rng init(static_cast<std::uint64_t>(seed), "init"),
          rng(static_cast<std::uint64_t>(seed), "ppo");
      PpoLearner ppo(PpoDims::of(venv), c, init);
      Driver d;
      const double tail_reward = d.run(ppo, venv, rng, steps, 40);
      SCOPED_TRACE((variant == 0 ? "mappo, seed " : "ippo, seed ") + std::to_string(seed));
      EXPECT_GE(tail_reward, 4.0);
      const float one = 1.0f;
      EXPECT_EQ(ppo.greedy_action(0, &one, nullptr), 2);
      EXPECT_EQ(ppo.greedy_action(1, &one, nullptr), 2);
    }
}

// Configurations that cover every path of the learner: MAPPO's V(s); IPPO without sharing, own
// rewards; the agent-specific global state with an agent id and Mse without value clipping or
// normalisation.
std::vector<PpoConfig> chain_configs() {
  PpoConfig mappo = PpoConfig::mappo();
  PpoConfig ippo = PpoConfig::ippo();
  ippo.share_parameters = false;
  ippo.reward = PpoReward::Own;
  PpoConfig specific = PpoConfig::mappo();
  specific.critic_input = PpoCriticInput::StateAndLocal;
  specific.agent_id = true;
  specific.value_loss = semra::nn::LossKind::Mse;
  specific.value_clip = 0.0f;
  specific.value_normalization = false;
  std::vector<PpoConfig> list{mappo, ippo, specific};
  for (PpoConfig& c : list) {
    c.actor_hidden = c.critic_hidden = {8, 8};
    c.rollout_steps = 8;
    c.epochs = 3;
    c.num_minibatches = 4;
  }
  return list;
}

std::string train_chain(const PpoConfig& c, int threads, std::vector<int>* actions = nullptr) {
  VectorEnv venv = make_vector_env<ChainEnv>(4, threads);
  venv.reset(5);
  Rng init(9, "init"), rng(9, "ppo");
  PpoLearner ppo(PpoDims::of(venv), c, init);
  Driver d;
  d.run(ppo, venv, rng, 3 * c.rollout_steps + 3);
  EXPECT_EQ(ppo.updates(), 3);
  if (actions) *actions = d.history;
  return state_of(ppo);
}

TEST(PpoLearner, BitIdenticalAtOneAndTwoThreads) {
  for (const PpoConfig& c : chain_configs()) {
    std::vector<int> a1, a2;
    const std::string one = train_chain(c, 1, &a1), two = train_chain(c, 2, &a2);
    EXPECT_EQ(one, two);
    EXPECT_EQ(a1, a2);
    EXPECT_EQ(train_chain(c, 1), one) << "same seed, same process: same bytes";
  }
}

// Train a while (one update and a part of the next rollout), save; a learner built from another
// init seed loads the state; its environments are brought to the same point by replaying the
// actions; both continue (two more updates) with copies of the same stream and must agree.
TEST(PpoLearner, CheckpointContinuesExactly) {
  for (const PpoConfig& c : chain_configs()) {
    VectorEnv va = make_vector_env<ChainEnv>(4, 1);
    va.reset(5);
    Rng init_a(1, "init"), rng(1, "ppo");
    PpoLearner a(PpoDims::of(va), c, init_a);
    Driver da;
    da.run(a, va, rng, c.rollout_steps + 5);
    ASSERT_EQ(a.updates(), 1);
    ASSERT_EQ(a.rollout_step(), 5);

    Rng init_b(2, "init");
    PpoLearner b(PpoDims::of(va), c, init_b);
    ASSERT_NE(state_of(b), state_of(a));
    const std::string saved = state_of(a);
    semra::StateReader r(saved, "test checkpoint");
    b.load_state(r);
    r.expect_end();
    EXPECT_EQ(state_of(b), saved);

    VectorEnv vb = make_vector_env<ChainEnv>(4, 1);
    vb.reset(5);
    const std::size_t EA = static_cast<std::size_t>(4 * 2);
    for (std::size_t s = 0; s < da.history.size() / EA; ++s) vb.step(&da.history[s * EA]);

    Rng rng_b = rng;
    Driver db;
    da.history.clear();
    da.run(a, va, rng, 2 * c.rollout_steps);
    db.run(b, vb, rng_b, 2 * c.rollout_steps);
    EXPECT_EQ(a.updates(), 3);
    EXPECT_EQ(db.history, da.history);
    EXPECT_EQ(state_of(b), state_of(a)) << "the loaded learner diverged";
    EXPECT_EQ(rng_b.state(), rng.state());
  }
}

// A checkpoint between act() and observe() (dhdrl's high level acts at an epoch start and is
// rewarded at its end) keeps the step's acting half: the loaded learner observes the same outcome
// and ends in the same state.
TEST(PpoLearner, CheckpointBetweenActAndObserve) {
  const PpoConfig c = chain_configs()[0];
  VectorEnv va = make_vector_env<ChainEnv>(4, 1);
  va.reset(5);
  Rng init_a(1, "init"), rng(1, "ppo");
  PpoLearner a(PpoDims::of(va), c, init_a);
  Driver da;
  da.run(a, va, rng, c.rollout_steps + 3);
  std::vector<int> actions(static_cast<std::size_t>(4 * 2));
  std::vector<float> states(static_cast<std::size_t>(4 * std::max(1, va.state_dim())));
  va.state(states.data());
  a.act(va.obs(), va.masks(), va.acts(), states.data(), rng, actions.data());
  const std::string saved = state_of(a);
  Rng init_b(2, "init");
  PpoLearner b(PpoDims::of(va), c, init_b);
  semra::StateReader r(saved, "test checkpoint");
  b.load_state(r);
  r.expect_end();
  EXPECT_EQ(state_of(b), saved);
  va.step(actions.data());
  a.observe(va.rewards(), va.terminations(), va.truncations());
  b.observe(va.rewards(), va.terminations(), va.truncations());  // no act() needed again
  EXPECT_EQ(state_of(b), state_of(a));
  EXPECT_EQ(b.rollout_step(), 4);
}

TEST(PpoLearner, OtherShapesAreRefused) {
  PpoConfig c = chain_configs()[0];
  Rng init(1, "init");
  PpoLearner four({4, 2, 6, 3, 6}, c, init), five({5, 2, 6, 3, 6}, c, init);
  const std::string bytes = state_of(four);
  semra::StateReader r(bytes, "ckpt P");
  try {
    five.load_state(r);
    FAIL() << "no error";
  } catch (const semra::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("ckpt P: PPO checkpoint of another shape"),
              std::string::npos)
        << e.what();
  }
}

// Every rejected setting names its key and what was expected.
TEST(PpoLearner, BadConfigurationsNameTheKey) {
  auto message = [](PpoConfig c, PpoDims dims = {4, 2, 6, 3, 6}) {
    try {
      Rng init(1, "init");
      PpoLearner ppo(dims, c, init);
    } catch (const semra::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  PpoConfig c = PpoConfig::mappo();
  c.rollout_steps = 8;
  EXPECT_EQ(message(c), "no error");
  PpoConfig bad = c;
  bad.num_minibatches = 3;
  EXPECT_EQ(message(bad), "ppo.num_minibatches: expected a divisor of rollout_steps x envs = 32");
  bad = c;
  bad.clip = 0.0f;
  EXPECT_EQ(message(bad), "ppo.clip: expected a value in (0, 1)");
  bad = c;
  bad.share_parameters = false;
  bad.agent_id = true;
  EXPECT_EQ(message(bad),
            "ppo.agent_id: expected false without share_parameters (one network per agent "
            "needs no id)");
  bad = c;
  bad.reward = PpoReward::Own;
  EXPECT_NE(message(bad).find("ppo.reward: 'own' with one shared critic on the state alone"),
            std::string::npos);
  EXPECT_EQ(message(c, {4, 2, 6, 3, 0}),
            "ppo.critic_input: 'state' needs an environment with a global state (its state_dim "
            "is 0)");
  EXPECT_EQ(message(PpoConfig::ippo(), {4, 2, 6, 3, 0}).substr(0, 8), "no error");
}

// An acting agent whose mask allows nothing is the environment's error, named; an agent that does
// not act (acts 0) may have such a mask.
TEST(PpoLearner, ActingAgentWithoutAValidActionIsNamed) {
  PpoConfig c = PpoConfig::ippo();
  c.rollout_steps = 2;
  Rng init(1, "init"), rng(1, "ppo");
  PpoLearner ppo({2, 2, 3, 4, 0}, c, init);
  const std::vector<float> obs(2 * 2 * 3, 0.5f);
  std::vector<std::uint8_t> masks(2 * 2 * 4, 1), acts(4, 1);
  std::fill_n(masks.begin() + (1 * 2 + 1) * 4, 4, std::uint8_t{0});  // env 1, agent 1
  std::vector<int> actions(4);
  acts[3] = 0;
  EXPECT_NO_THROW(ppo.act(obs.data(), masks.data(), acts.data(), nullptr, rng, actions.data()));
  const std::vector<float> rewards(4, 0.0f);
  const std::vector<std::uint8_t> flags(2, 0);
  ppo.observe(rewards.data(), flags.data(), flags.data());
  acts[3] = 1;
  try {
    ppo.act(obs.data(), masks.data(), acts.data(), nullptr, rng, actions.data());
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "PpoLearner::act: env 1, agent 1: the action mask allows no action");
  }
}

// After an episode end, the next step is the environment's reset step: no sample is drawn for it
// (its action is ignored). After the caller resets the environments itself, it is a normal step.
TEST(PpoLearner, ResetStepsDrawNothingUnlessTheCallerReset) {
  const std::vector<float> obs(2 * 2 * 3, 0.5f), rewards(4, 0.0f);
  const std::uint8_t ended[2] = {1, 0}, none[2] = {0, 0};
  std::vector<int> actions(4);
  auto draws_at_second_step = [&](bool caller_reset) {
    PpoConfig c = PpoConfig::ippo();
    c.rollout_steps = 2;
    Rng init(1, "init"), rng(1, "ppo");
    PpoLearner ppo({2, 2, 3, 4, 0}, c, init);
    ppo.act(obs.data(), nullptr, nullptr, nullptr, rng, actions.data());
    ppo.observe(rewards.data(), ended, none);  // env 0's episode ended
    if (caller_reset) ppo.environments_reset();
    Rng before = rng;
    ppo.act(obs.data(), nullptr, nullptr, nullptr, rng, actions.data());
    int draws = 0;
    while (before.state() != rng.state() && draws < 10) {
      before.next_u64();
      ++draws;
    }
    return draws;
  };
  EXPECT_EQ(draws_at_second_step(false), 2);  // env 1's two agents only
  EXPECT_EQ(draws_at_second_step(true), 4);
}

}  // namespace
