// VectorEnv's episode ends and next-step autoreset on an environment small enough to follow by
// hand: an episode that TERMINATES and one that is TRUNCATED (a time limit) must both be reported
// on the step that ends them and both be reset on the next step (reset(), continuing the
// environment's streams; actions ignored, rewards 0, flags cleared). The scenarios' own vector-env
// tests (tests/scenarios/*/multi_agent*_test.cpp) check the same against real environments.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "semra/core/multi_agent_env.hpp"
#include "semra/core/vector_env.hpp"

namespace {

// Two agents, observation (episode, step), three actions of which action 2 is always masked.
// reset(seed): episode = seed; reset(): the next episode. Each step: step + 1, every agent's
// reward 10 episode + step (+ its action, to see which actions were applied); the episode
// terminates when step == terminate_at or is truncated when step == truncate_at (0: never).
// Stepping an ended episode throws, as the scenarios' environments do.
class CountingEnv final : public semra::MultiAgentEnv {
 public:
  CountingEnv(int terminate_at, int truncate_at)
      : terminate_at_(terminate_at), truncate_at_(truncate_at) {}
  const std::vector<semra::AgentSpec>& agents() const override { return agents_; }
  int state_dim() const override { return 1; }
  const std::vector<std::string>& info_names() const override { return info_names_; }
  void reset(std::uint64_t seed) override { start(static_cast<int>(seed)); }
  void reset() override { start(episode_ + 1); }
  void observe(int, float* out) const override {
    out[0] = static_cast<float>(episode_);
    out[1] = static_cast<float>(step_);
  }
  void action_mask(int, std::uint8_t* out) const override {
    out[0] = out[1] = 1;
    out[2] = 0;
  }
  void state(float* out) const override { out[0] = static_cast<float>(step_); }
  bool acts(int) const override { return true; }
  void step(const int* actions, float* rewards) override {
    if (terminated() || truncated()) throw std::logic_error("step() after the episode ended");
    ++step_;
    for (int a = 0; a < 2; ++a) rewards[a] = static_cast<float>(10 * episode_ + step_ + actions[a]);
  }
  bool terminated() const override { return terminate_at_ > 0 && step_ == terminate_at_; }
  bool truncated() const override { return truncate_at_ > 0 && step_ == truncate_at_; }
  void info(double* out) const override { out[0] = step_; }

 private:
  void start(int episode) {
    episode_ = episode;
    step_ = 0;
  }
  std::vector<semra::AgentSpec> agents_{{"a0", 2, 3, 0, "a"}, {"a1", 2, 3, 0, "a"}};
  std::vector<std::string> info_names_{"step"};
  int terminate_at_, truncate_at_, episode_ = 0, step_ = 0;
};

}  // namespace

TEST(VectorEnv, TerminationAndTruncationBothEndTheEpisodeAndAutoresetOnTheNextStep) {
  for (int threads : {1, 2}) {
    std::vector<std::unique_ptr<semra::MultiAgentEnv>> envs;
    envs.push_back(std::make_unique<CountingEnv>(3, 0));  // env 0 terminates after 3 steps
    envs.push_back(std::make_unique<CountingEnv>(0, 2));  // env 1 is truncated after 2 steps
    semra::VectorEnv venv(std::move(envs), threads, false);
    venv.reset(5);  // env e starts episode 5 + e

    // Per vector step t = 1..8: env 0's (episode, step, terminated) and env 1's (episode, step,
    // truncated); step 0 after an end is the autoreset.
    struct Want {
      int episode, step;
      bool ended;
    };
    const Want env0[8] = {{5, 1, false}, {5, 2, false}, {5, 3, true}, {6, 0, false},
                          {6, 1, false}, {6, 2, false}, {6, 3, true}, {7, 0, false}};
    const Want env1[8] = {{6, 1, false}, {6, 2, true},  {7, 0, false}, {7, 1, false},
                          {7, 2, true},  {8, 0, false}, {8, 1, false}, {8, 2, true}};
    for (int t = 0; t < 8; ++t) {
      // Action 1 for every agent, and the masked action 2 for an environment that is about to be
      // reset: it is ignored there, not an error.
      std::vector<int> actions(4, 1);
      if (venv.terminations()[0]) actions[0] = actions[1] = 2;
      if (venv.truncations()[1]) actions[2] = actions[3] = 2;
      venv.step(actions.data());
      for (int e = 0; e < 2; ++e) {
        const Want& w = (e == 0 ? env0 : env1)[t];
        const std::string where = "step " + std::to_string(t + 1) + ", env " + std::to_string(e) +
                                  ", threads " + std::to_string(threads);
        for (int a = 0; a < 2; ++a) {
          EXPECT_EQ(venv.obs()[(e * 2 + a) * 2 + 0], w.episode) << where;
          EXPECT_EQ(venv.obs()[(e * 2 + a) * 2 + 1], w.step) << where;
          // Rewards 0 on the autoreset step, else 10 episode + step + the applied action 1.
          EXPECT_EQ(venv.rewards()[e * 2 + a], w.step == 0 ? 0.0f : 10.0f * w.episode + w.step + 1)
              << where;
          EXPECT_EQ(venv.invalid()[e * 2 + a], 0) << where;
        }
        EXPECT_EQ(venv.terminations()[e], e == 0 && w.ended ? 1 : 0) << where;
        EXPECT_EQ(venv.truncations()[e], e == 1 && w.ended ? 1 : 0) << where;
        EXPECT_EQ(venv.infos()[e], w.step) << where;
      }
    }
  }
}
