// core/vector_env on a small fake environment: misuse is an exception (step or state before reset,
// after close, a second thread inside), the action rule (out of range vs masked, int64 actions not
// narrowed, actions of agents that do not act ignored), the episode cap, autoreset into a new
// world, and close() stopping the threads while the buffers stay valid.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../support/input_error.hpp"
#include "semra/core/vector_env.hpp"

namespace {

// Two agents, three actions; action 2 of agent 1 is masked. An episode ends (terminated) after
// `length` steps. Observations: [seed, step, world]; reward: the action taken.
class FakeEnv final : public semra::MultiAgentEnv {
 public:
  explicit FakeEnv(int length, std::atomic<int>* gate = nullptr, int throw_at = -1)
      : length_(length), gate_(gate), throw_at_(throw_at) {}
  const std::vector<semra::AgentSpec>& agents() const override { return agents_; }
  int state_dim() const override { return 2; }
  const std::vector<std::string>& info_names() const override { return infos_; }
  void reset(std::uint64_t seed) override {
    seed_ = static_cast<double>(seed);
    t_ = 0;
  }
  void reset() override { reset(static_cast<std::uint64_t>(seed_) + 100); }
  void reset_new_world() override {
    reset();
    ++world_;
  }
  void observe(int, float* out) const override {
    out[0] = static_cast<float>(seed_);
    out[1] = static_cast<float>(t_);
    out[2] = static_cast<float>(world_);
  }
  void action_mask(int agent, std::uint8_t* out) const override {
    out[0] = out[1] = 1;
    out[2] = agent == 1 ? 0 : 1;
  }
  void state(float* out) const override { out[0] = out[1] = static_cast<float>(t_); }
  bool acts(int agent) const override { return agent == 0 || t_ % 2 == 0; }
  void step(const int* actions, float* rewards) override {
    if (gate_) {  // holds the step until the test opens the gate
      gate_->store(1);
      while (gate_->load() != 2) std::this_thread::yield();
    }
    if (t_ == throw_at_) throw std::runtime_error("fake: failed at step " + std::to_string(t_));
    for (int a = 0; a < 2; ++a) rewards[a] = static_cast<float>(actions[a]);
    ++t_;
  }
  bool terminated() const override { return t_ >= length_; }
  bool truncated() const override { return false; }
  void info(double* out) const override { out[0] = t_; }
  std::int64_t episode_steps() const override { return length_; }

 private:
  std::vector<semra::AgentSpec> agents_{{"a0", 3, 3, 0, "g"}, {"a1", 3, 3, 1, "g"}};
  std::vector<std::string> infos_{"t"};
  int length_;
  std::atomic<int>* gate_;
  int throw_at_;
  double seed_ = 0;
  int t_ = 0, world_ = 0;
};

semra::VectorEnv make(int envs, int threads, bool ignore, int length = 4,
                      std::atomic<int>* gate = nullptr) {
  std::vector<std::unique_ptr<semra::MultiAgentEnv>> v;
  for (int e = 0; e < envs; ++e) v.push_back(std::make_unique<FakeEnv>(length, gate));
  return semra::VectorEnv(std::move(v), threads, ignore);
}

template <class F>
std::string logic_error_of(F&& f) {
  return semra_test::error_of<std::logic_error>(f, "(no std::logic_error)");
}

}  // namespace

TEST(VectorEnvCore, StepOrStateBeforeResetAndAfterCloseThrow) {
  auto v = make(2, 2, false);
  std::vector<std::int64_t> actions(4, 0);
  std::vector<float> state(4);
  EXPECT_NE(logic_error_of([&] { v.step(actions.data()); }).find("step before reset()"),
            std::string::npos);
  EXPECT_NE(logic_error_of([&] { v.state(state.data()); }).find("state before reset()"),
            std::string::npos);
  v.reset(1);
  v.step(actions.data());
  const float* obs = v.obs();
  const float seen = obs[0];
  v.close();
  v.close();  // twice is fine
  EXPECT_TRUE(v.closed());
  EXPECT_EQ(obs[0], seen);  // the buffers outlive close()
  for (auto* what : {"step", "reset", "state"}) {
    const std::string msg = logic_error_of([&] {
      if (std::string(what) == "step") v.step(actions.data());
      if (std::string(what) == "reset") v.reset(1);
      if (std::string(what) == "state") v.state(state.data());
    });
    EXPECT_NE(msg.find("closed"), std::string::npos) << what << ": " << msg;
  }
}

TEST(VectorEnvCore, OutOfRangeIsNotMaskedAndInt64IsNotNarrowed) {
  auto v = make(1, 1, /*ignore=*/true);
  v.reset(1);
  std::vector<std::int64_t> a = {(std::int64_t{1} << 32) + 1, 0};  // would narrow to action 1
  try {
    v.step(a.data());
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "agent a0: action 4294967297 is out of range [0, 3)");
  }
  EXPECT_EQ(v.obs()[1], 0.0f);  // nothing moved
  a = {0, 2};                   // masked for a1: ignored mode -> its noop (1), flagged
  v.step(a.data());
  EXPECT_EQ(v.invalid()[1], 1);
  EXPECT_EQ(v.rewards()[1], 1.0f);
  // t = 1: a1 does not act; its action is ignored whatever it is, even out of range.
  a = {1, -5};
  v.step(a.data());
  EXPECT_EQ(v.rewards()[1], 1.0f);  // the noop was applied
  auto strict = make(2, 1, /*ignore=*/false);
  strict.reset(1);
  std::vector<int> b = {0, 0, 0, 2};
  try {
    strict.step(b.data());
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "env 1, agent a1: action 2 is masked (action_mask is 0)");
  }
}

TEST(VectorEnvCore, EpisodeCapTruncatesAndAutoresetCanDrawANewWorld) {
  auto v = make(1, 1, false, /*length=*/10);
  EXPECT_EQ(v.episode_limit(), 10);
  v.set_max_episode_steps(3);
  EXPECT_EQ(v.episode_limit(), 3);
  v.set_autoreset_new_world(true);
  v.reset(7);
  std::vector<std::int64_t> a = {0, 0};
  for (int t = 0; t < 3; ++t) {
    EXPECT_EQ(v.truncations()[0], 0);
    v.step(a.data());
  }
  EXPECT_EQ(v.truncations()[0], 1);
  EXPECT_EQ(v.terminations()[0], 0);
  EXPECT_EQ(v.acts()[0], 0);  // the next step is an autoreset: nobody's action counts
  v.step(a.data());           // autoreset
  EXPECT_EQ(v.truncations()[0], 0);
  EXPECT_EQ(v.obs()[1], 0.0f);  // step 0 of the new episode
  EXPECT_EQ(v.obs()[2], 1.0f);  // in world 1
  v.reset_with(std::nullopt, true);
  EXPECT_EQ(v.obs()[2], 2.0f);
}

TEST(VectorEnvCore, FirstResetWithoutSeedIsSeedZeroPlusE) {
  auto v = make(3, 1, false);
  v.reset();
  for (int e = 0; e < 3; ++e) EXPECT_EQ(v.obs()[e * 2 * 3], static_cast<float>(e));
}

TEST(VectorEnvCore, ASecondThreadInsideIsRefused) {
  std::atomic<int> gate{0};
  auto v = make(1, 1, false, 4, &gate);
  v.reset(1);
  std::vector<std::int64_t> a = {0, 0};
  std::thread first([&] { v.step(a.data()); });
  while (gate.load() != 1) std::this_thread::yield();  // the first step is inside env.step
  std::vector<float> state(2);
  EXPECT_NE(logic_error_of([&] { v.step(a.data()); }).find("another thread"), std::string::npos);
  EXPECT_NE(logic_error_of([&] { v.state(state.data()); }).find("another thread"),
            std::string::npos);
  EXPECT_NE(logic_error_of([&] { v.close(); }).find("another thread"), std::string::npos);
  gate.store(2);
  first.join();
  gate.store(0);
  EXPECT_EQ(v.obs()[1], 1.0f);  // the first caller's step went through
}

TEST(VectorEnvCore, AFailedStepRequiresAReset) {
  // Env 1 fails at its second step, after env 0 (another thread) may have moved: the vector env
  // refuses to step on until a reset, instead of stepping environments out of step.
  std::vector<std::unique_ptr<semra::MultiAgentEnv>> envs;
  envs.push_back(std::make_unique<FakeEnv>(4));
  envs.push_back(std::make_unique<FakeEnv>(4, nullptr, /*throw_at=*/1));
  semra::VectorEnv v(std::move(envs), 2, false);
  v.reset(1);
  std::vector<std::int64_t> a = {0, 0, 0, 0};
  v.step(a.data());
  EXPECT_THROW(v.step(a.data()), std::runtime_error);
  EXPECT_FALSE(v.has_reset());
  EXPECT_EQ(logic_error_of([&] { v.step(a.data()); }),
            "step after a reset() or step() that failed part-way: call reset() first");
  v.reset(1);
  v.step(a.data());
}
