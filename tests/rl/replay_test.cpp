#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "semra/core/error.hpp"
#include "semra/core/rng.hpp"
#include "semra/rl/replay.hpp"
#include "semra/rl/schedule.hpp"

namespace {

using semra::Rng;
using semra::rl::ReplayBatch;
using semra::rl::ReplayBuffer;

// Transition k: obs = (k, k + 0.5), action k % 3, reward 10 k, next_obs = (k + 1, k + 1.5),
// done when k % 4 == 3, next mask forbids action k % 3 when k is even (null mask otherwise).
void add_transition(ReplayBuffer& rb, int k) {
  const float obs[2] = {static_cast<float>(k), k + 0.5f};
  const float next[2] = {k + 1.0f, k + 1.5f};
  std::uint8_t mask[3] = {1, 1, 1};
  mask[k % 3] = 0;
  rb.add(obs, k % 3, 10.0f * k, next, k % 4 == 3, k % 2 == 0 ? mask : nullptr);
}

TEST(RlReplay, RingOverwritesOldestAndSamplesConsistentTransitions) {
  ReplayBuffer rb(5, 2, 3);
  EXPECT_EQ(rb.size(), 0);
  for (int k = 0; k < 8; ++k) add_transition(rb, k);
  EXPECT_EQ(rb.size(), 5);
  EXPECT_EQ(rb.capacity(), 5);
  EXPECT_EQ(rb.head(), 3);  // 8 adds into 5 slots
  // Slots now hold transitions 5, 6, 7, 3, 4.
  std::vector<int> seen;
  for (int s = 0; s < 5; ++s)
    seen.push_back(static_cast<int>(rb.obs()[static_cast<std::size_t>(2 * s)]));
  EXPECT_EQ(seen, (std::vector<int>{5, 6, 7, 3, 4}));

  Rng rng(1, "replay");
  ReplayBatch batch;
  std::vector<int> counts(8, 0);
  for (int rep = 0; rep < 400; ++rep) {
    rb.sample(16, rng, batch);
    ASSERT_EQ(batch.size(), 16);
    for (int i = 0; i < 16; ++i) {
      const int k = static_cast<int>(batch.obs(i, 0));
      ASSERT_GE(k, 3);
      ++counts[static_cast<std::size_t>(k)];
      EXPECT_EQ(batch.obs(i, 1), k + 0.5f);
      EXPECT_EQ(batch.actions[i], k % 3);
      EXPECT_EQ(batch.rewards[i], 10.0f * k);
      EXPECT_EQ(batch.next_obs(i, 0), k + 1.0f);
      EXPECT_EQ(batch.dones[i], k % 4 == 3 ? 1.0f : 0.0f);
      for (int a = 0; a < 3; ++a)
        EXPECT_EQ(batch.next_masks(i, a), (k % 2 == 0 && a == k % 3) ? 0 : 1);
    }
  }
  // Uniform over the 5 stored transitions: 6400 draws, 1280 expected each (sd ~ 32).
  for (int k = 3; k < 8; ++k) EXPECT_NEAR(counts[static_cast<std::size_t>(k)], 1280, 160) << k;
}

// A buffer that is not full samples only the slots written so far (an empty slot holds zeros, the
// transition k = 0 would be indistinguishable, so the stored ones start at k = 1), uniformly.
TEST(RlReplay, PartlyFilledBufferSamplesOnlyStoredTransitions) {
  ReplayBuffer rb(50, 2, 3);
  for (int k = 1; k <= 3; ++k) add_transition(rb, k);
  ASSERT_EQ(rb.size(), 3);
  Rng rng(2, "replay");
  ReplayBatch batch;
  std::vector<int> counts(4, 0);
  for (int rep = 0; rep < 300; ++rep) {
    rb.sample(8, rng, batch);
    for (int i = 0; i < 8; ++i) {
      const int k = static_cast<int>(batch.obs(i, 0));
      ASSERT_TRUE(k >= 1 && k <= 3) << "sampled an empty slot (obs " << batch.obs(i, 0) << ")";
      ASSERT_LT(batch.indices[i], 3);
      EXPECT_EQ(batch.rewards[i], 10.0f * k);
      ++counts[static_cast<std::size_t>(k)];
    }
  }
  // 2400 draws over 3 transitions: 800 expected each (sd ~ 23).
  for (int k = 1; k <= 3; ++k) EXPECT_NEAR(counts[static_cast<std::size_t>(k)], 800, 100) << k;
}

TEST(RlReplay, SamplingIsDeterministicGivenTheRng) {
  ReplayBuffer rb(50, 2, 3);
  for (int k = 0; k < 50; ++k) add_transition(rb, k);
  Rng a(7, "replay"), b(7, "replay");
  ReplayBatch ba, bb;
  for (int rep = 0; rep < 10; ++rep) {
    rb.sample(8, a, ba);
    rb.sample(8, b, bb);
    EXPECT_EQ(ba.indices, bb.indices);
    EXPECT_EQ(ba.obs, bb.obs);
  }
}

TEST(RlReplay, SaveLoadRoundTripAndErrors) {
  ReplayBuffer rb(6, 2, 3);
  for (int k = 0; k < 9; ++k) add_transition(rb, k);
  std::stringstream ss;
  rb.save(ss);
  const std::string bytes = ss.str();
  ReplayBuffer copy(6, 2, 3);
  copy.load(ss, "buffer");
  EXPECT_EQ(copy.size(), rb.size());
  EXPECT_EQ(copy.head(), rb.head());
  EXPECT_EQ(copy.obs(), rb.obs());
  EXPECT_EQ(copy.next_obs(), rb.next_obs());
  EXPECT_EQ(copy.actions(), rb.actions());
  EXPECT_EQ(copy.rewards(), rb.rewards());
  EXPECT_EQ(copy.dones(), rb.dones());
  EXPECT_EQ(copy.next_masks(), rb.next_masks());
  Rng a(3, "s"), b(3, "s");
  ReplayBatch x, y;
  rb.sample(8, a, x);
  copy.sample(8, b, y);
  EXPECT_EQ(x.obs, y.obs);

  ReplayBuffer other(7, 2, 3);
  std::stringstream s1(bytes);
  EXPECT_THROW(other.load(s1, "buffer"), semra::InputError);
  std::string bad = bytes;
  bad[40] ^= 1;
  std::stringstream s2(bad);
  ReplayBuffer keep(6, 2, 3);
  EXPECT_THROW(keep.load(s2, "buffer"), semra::InputError);
  EXPECT_EQ(keep.size(), 0);  // a failed load leaves the buffer unchanged
  std::stringstream s3(bytes.substr(0, bytes.size() - 9));
  EXPECT_THROW(keep.load(s3, "buffer"), semra::InputError);
}

TEST(RlReplay, RejectsBadInput) {
  EXPECT_THROW(ReplayBuffer(0, 2, 3), std::invalid_argument);
  ReplayBuffer rb(4, 2, 3);
  Rng rng(1, "x");
  ReplayBatch b;
  EXPECT_THROW(rb.sample(2, rng, b), std::logic_error);
  const float o[2] = {0, 0};
  EXPECT_THROW(rb.add(o, 3, 0.0f, o, false), std::invalid_argument);
}

// ---- exploration schedules ----

using semra::rl::EpsilonConfig;
using semra::rl::EpsilonKind;
using semra::rl::EpsilonSchedule;

TEST(RlSchedule, InverseDecayAsTheReference) {
  EpsilonSchedule s({EpsilonKind::Inverse, 0.6, 0.01, 1e-4, 1});
  EXPECT_DOUBLE_EQ(s.eps(), 0.6);
  s.step();
  EXPECT_DOUBLE_EQ(s.eps(), 0.6 / 1.0001);
  s.step();
  EXPECT_DOUBLE_EQ(s.eps(), 0.6 / 1.0001 / 1.0001);
  // 0.6 / 1.0001^t reaches 0.01 after ln(60) / ln(1.0001) ~ 40945 steps, then stays there.
  for (int t = 2; t < 40940; ++t) s.step();
  EXPECT_GT(s.eps(), 0.01);
  for (int t = 0; t < 10; ++t) s.step();
  EXPECT_DOUBLE_EQ(s.eps(), 0.01);
  EXPECT_EQ(s.t(), 40950);
}

TEST(RlSchedule, LinearAndExponential) {
  EpsilonSchedule lin({EpsilonKind::Linear, 1.0, 0.1, 0.0, 10.0});
  for (int t = 0; t < 5; ++t) lin.step();
  EXPECT_NEAR(lin.eps(), 0.55, 1e-12);  // 1 - 0.9 * 5 / 10
  for (int t = 0; t < 10; ++t) lin.step();
  EXPECT_DOUBLE_EQ(lin.eps(), 0.1);

  EpsilonSchedule ex({EpsilonKind::Exponential, 1.0, 0.1, 0.5, 1.0});
  ex.step();
  ex.step();
  EXPECT_NEAR(ex.eps(), 0.1 + 0.9 * std::exp(-1.0), 1e-12);

  // State round trip.
  EpsilonSchedule copy({EpsilonKind::Exponential, 1.0, 0.1, 0.5, 1.0});
  copy.set_state(ex.eps(), ex.t());
  ex.step();
  copy.step();
  EXPECT_EQ(copy.eps(), ex.eps());
  EXPECT_THROW(semra::rl::parse_epsilon_kind("cosine"), semra::InputError);
}

}  // namespace
