// Checkpoint state of the learners (save_state / load_state): a learner trained for a while, saved,
// and loaded into a fresh one built from ANOTHER init seed continues exactly as the original: after
// more training with the same data and random streams both write the same bytes. Also: a state of
// other dimensions is refused with a clear error.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "learning_tasks.hpp"
#include "semra/core/error.hpp"
#include "semra/core/rng.hpp"
#include "semra/core/serialize.hpp"
#include "semra/rl/joint_replay.hpp"
#include "semra/rl/qmix.hpp"
#include "semra/rl/td3.hpp"
#include "semra/rl/vd_erl.hpp"
#include "semra/rl/vdn.hpp"

using namespace semra;
using namespace semra::rl;
using semra::rl::test::play_matrix_game;

namespace {

template <class T>
std::string state_of(const T& obj) {
  StateWriter w;
  obj.save_state(w);
  return w.take();
}

template <class T>
void load(T& obj, const std::string& bytes) {
  StateReader r(bytes, "test state");
  obj.load_state(r);
  r.expect_end();
}

// The matrix game of learning_tasks.hpp with two observation values per agent and batches of 8.
template <class Learner>
void play(Learner& learner, JointReplayBuffer& replay, int episodes, int state_dim, Rng& rng) {
  play_matrix_game(learner, replay, episodes, state_dim, rng, {1.0f, 0.5f, 0.5f, 1.0f}, 8);
}

// Train `make(1)` for a while; copy its state into `make(2)` (other initial weights); train both on
// with the same streams; they must end in the same state. The replay ring (capacity 20) wraps.
template <class Make>
void expect_joint_learner_continues(Make make, int state_dim) {
  auto a = make(1);
  JointReplayBuffer ra(20, 2, 2, 3, state_dim);
  Rng rng(7, "play");
  play(a, ra, 30, state_dim, rng);

  auto b = make(2);
  JointReplayBuffer rb(20, 2, 2, 3, state_dim);
  ASSERT_NE(state_of(a), state_of(b));
  load(b, state_of(a));
  load(rb, state_of(ra));
  EXPECT_EQ(state_of(b), state_of(a));
  EXPECT_EQ(state_of(rb), state_of(ra));

  Rng rng_b = rng;
  play(a, ra, 25, state_dim, rng);
  play(b, rb, 25, state_dim, rng_b);
  EXPECT_EQ(state_of(b), state_of(a)) << "the loaded learner diverged";
  EXPECT_EQ(state_of(rb), state_of(ra));
  EXPECT_EQ(rng_b.state(), rng.state());
}

QLearningConfig vdn_config() {
  QLearningConfig c;
  c.hidden = {8};
  c.batch_size = 8;
  c.target_sync_every = 5;
  c.epsilon = {EpsilonKind::Linear, 1.0, 0.1, 0.0, 40.0};
  return c;
}

}  // namespace

TEST(LearnerState, VdnContinuesExactly) {
  expect_joint_learner_continues(
      [](int seed) {
        Rng init(seed, "init");
        return semra::rl::test::vdn_learner(2, 2, 3, vdn_config(), init);
      },
      0);
}

TEST(LearnerState, QmixContinuesExactly) {
  expect_joint_learner_continues(
      [](int seed) {
        Rng init(seed, "init");
        return semra::rl::test::qmix_learner(2, 2, 3, 2, vdn_config(), 4, 8, init);
      },
      2);
}

TEST(LearnerState, VdErlWithAutoTemperatureContinuesExactly) {
  expect_joint_learner_continues(
      [](int seed) {
        VdErlConfig c;
        c.critic = vdn_config();
        c.critic_target = CriticTarget::Soft;
        c.actor.hidden = {8};
        c.actor.auto_temperature = true;
        c.actor.temperature_lr = 1e-2f;
        Rng init(seed, "init");
        return VdErlLearner(2, 2, 3, c, init);
      },
      0);
}

TEST(LearnerState, Td3ContinuesExactly) {
  Td3Config c;
  c.hidden = {8};
  c.replay_capacity = 16;  // wraps
  c.batch_size = 4;
  c.learn_start = 6;
  auto make = [&](int seed) {
    Rng init(seed, "init");
    return Td3Agent(2, 1, c, init);
  };
  // One-step episodes: reward -(a - 0.3)^2 for observation (1, x).
  auto train = [](Td3Agent& agent, int steps, Rng& rng) {
    for (int t = 0; t < steps; ++t) {
      const float obs[2] = {1.0f, static_cast<float>(t % 5) / 5.0f};
      float a = 0.0f;
      agent.act(obs, &a, rng, true);
      agent.remember(obs, &a, -(a - 0.3f) * (a - 0.3f), obs, true);
      agent.learn(rng);
    }
  };
  Td3Agent a = make(1);
  Rng rng(3, "td3");
  train(a, 25, rng);
  ASSERT_GT(a.learn_steps(), 0);
  Td3Agent b = make(2);
  load(b, state_of(a));
  EXPECT_EQ(state_of(b), state_of(a));
  Rng rng_b = rng;
  train(a, 20, rng);
  train(b, 20, rng_b);
  EXPECT_EQ(state_of(b), state_of(a)) << "the loaded agent diverged";
  EXPECT_EQ(b.learn_steps(), a.learn_steps());
}

TEST(LearnerState, OtherDimensionsAreRefused) {
  JointReplayBuffer small(20, 2, 2, 3), big(30, 2, 2, 3);
  const std::string bytes = state_of(small);
  StateReader r(bytes, "ckpt Z");
  try {
    big.load_state(r);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("ckpt Z: joint replay buffer of another capacity"),
              std::string::npos)
        << e.what();
  }
  Rng init(1, "init");
  QLearner three = semra::rl::test::vdn_learner(3, 2, 3, vdn_config(), init);
  QLearner two = semra::rl::test::vdn_learner(2, 2, 3, vdn_config(), init);
  EXPECT_THROW(load(two, state_of(three)), InputError);
}
