#pragma once
// The small tasks of learning_tasks.hpp as semra::MultiAgentEnv, so the PPO tests drive the learner
// through the C++ vector env exactly as a scenario does (act / step / observe / update), plus a
// multi-step task with masks, episode ends of both kinds and an agent that acts every other step.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "learning_tasks.hpp"
#include "semra/core/multi_agent_env.hpp"
#include "semra/core/rng.hpp"
#include "semra/core/vector_env.hpp"
#include "semra/rl/ppo.hpp"

namespace semra::rl::test {

// learning_tasks.hpp's contextual bandit: one agent, 4 one-hot contexts, 4 arms; reward 1 for the
// context's best arm, 0.5 for the next one (mod 4), 0 otherwise, plus N(0, 0.1); one-step episodes.
// The state is the observation.
class BanditEnv : public MultiAgentEnv {
 public:
  const std::vector<AgentSpec>& agents() const override { return agents_; }
  int state_dim() const override { return 4; }
  const std::vector<std::string>& info_names() const override { return infos_; }
  void reset(std::uint64_t seed) override {
    rng_ = Rng(seed, "bandit");
    reset();
  }
  void reset() override { ctx_ = rng_.uniform_int(4); }
  void observe(int, float* out) const override {
    std::fill(out, out + 4, 0.0f);
    out[ctx_] = 1.0f;
  }
  void action_mask(int, std::uint8_t* out) const override { std::fill(out, out + 4, 1); }
  void state(float* out) const override { observe(0, out); }
  bool acts(int) const override { return true; }
  void step(const int* actions, float* rewards) override {
    const int best = kBanditBest[ctx_], a = actions[0];
    const double mean = a == best ? 1.0 : (a == (best + 1) % 4 ? 0.5 : 0.0);
    rewards[0] = static_cast<float>(mean + 0.1 * rng_.normal());
  }
  bool terminated() const override { return true; }
  bool truncated() const override { return false; }
  void info(double*) const override {}

 private:
  std::vector<AgentSpec> agents_{{"player", 4, 4, 0, "player"}};
  std::vector<std::string> infos_;
  Rng rng_;
  int ctx_ = 0;
};

// learning_tasks.hpp's cooperative matrix game: two agents, observation 1, three actions, every
// agent rewarded with the team payoff kPayoff[a_1][a_2] (optimum (2, 2) = 5); one-step episodes.
class MatrixGameEnv : public MultiAgentEnv {
 public:
  const std::vector<AgentSpec>& agents() const override { return agents_; }
  int state_dim() const override { return 2; }
  const std::vector<std::string>& info_names() const override { return infos_; }
  void reset(std::uint64_t) override {}
  void reset() override {}
  void observe(int, float* out) const override { out[0] = 1.0f; }
  void action_mask(int, std::uint8_t* out) const override { std::fill(out, out + 3, 1); }
  void state(float* out) const override { std::fill(out, out + 2, 1.0f); }
  bool acts(int) const override { return true; }
  void step(const int* actions, float* rewards) override {
    rewards[0] = rewards[1] = kPayoff[actions[0]][actions[1]];
  }
  bool terminated() const override { return true; }
  bool truncated() const override { return false; }
  void info(double*) const override {}

 private:
  std::vector<AgentSpec> agents_{{"row", 1, 3, 0, "row"}, {"column", 1, 3, 0, "column"}};
  std::vector<std::string> infos_;
};

// A multi-step task for determinism and checkpoints: a token at c in {0..4} starts at 0, 1 or 2;
// agent 0 moves it every step, agent 1 only on even steps (action 0 stay, 1 right, 2 left; left
// is masked at c = 0). Rewards -0.05 per step for both, +1 for reaching c = 4 (terminated);
// truncated after 6 steps. Observation: one-hot c and the agent's own flag; state: one-hot c and
// the step count / 6.
class ChainEnv : public MultiAgentEnv {
 public:
  const std::vector<AgentSpec>& agents() const override { return agents_; }
  int state_dim() const override { return 6; }
  const std::vector<std::string>& info_names() const override { return infos_; }
  void reset(std::uint64_t seed) override {
    rng_ = Rng(seed, "chain");
    reset();
  }
  void reset() override {
    c_ = rng_.uniform_int(3);
    t_ = 0;
  }
  void observe(int agent, float* out) const override {
    std::fill(out, out + 6, 0.0f);
    out[c_] = 1.0f;
    out[5] = static_cast<float>(agent);
  }
  void action_mask(int, std::uint8_t* out) const override {
    out[0] = out[1] = 1;
    out[2] = c_ > 0 ? 1 : 0;
  }
  void state(float* out) const override {
    std::fill(out, out + 6, 0.0f);
    out[c_] = 1.0f;
    out[5] = static_cast<float>(t_) / 6.0f;
  }
  bool acts(int agent) const override { return agent == 0 || t_ % 2 == 0; }
  void step(const int* actions, float* rewards) override {
    for (int a = 0; a < 2; ++a) {
      if (!acts(a)) continue;
      if (actions[a] == 1) c_ = std::min(c_ + 1, 4);
      if (actions[a] == 2) c_ = std::max(c_ - 1, 0);
    }
    ++t_;
    rewards[0] = rewards[1] = c_ == 4 ? 1.0f : -0.05f;
  }
  bool terminated() const override { return c_ == 4; }
  bool truncated() const override { return c_ != 4 && t_ >= 6; }
  void info(double*) const override {}

 private:
  std::vector<AgentSpec> agents_{{"mover", 6, 3, 0, "mover"}, {"helper", 6, 3, 0, "helper"}};
  std::vector<std::string> infos_;
  Rng rng_;
  int c_ = 0, t_ = 0;
};

template <class Env>
VectorEnv make_vector_env(int envs, int threads) {
  std::vector<std::unique_ptr<MultiAgentEnv>> list;
  for (int e = 0; e < envs; ++e) list.push_back(std::make_unique<Env>());
  return VectorEnv(std::move(list), threads, /*ignore_invalid=*/false);
}

// Drives `ppo` on `venv` for `steps` vector steps (updating whenever the rollout is full). Returns
// the mean reward per environment step (agent 0's) over the last `tail` steps' valid transitions.
struct Driver {
  std::vector<int> actions;
  std::vector<float> states;
  std::vector<int> history;  // every action array given to venv.step, in order

  double run(PpoLearner& ppo, VectorEnv& venv, Rng& rng, int steps, int tail = 0) {
    const int E = venv.num_envs(), A = venv.num_agents();
    actions.assign(static_cast<std::size_t>(E * A), 0);
    states.assign(static_cast<std::size_t>(E * std::max(1, venv.state_dim())), 0.0f);
    double sum = 0.0;
    long count = 0;
    std::vector<std::uint8_t> ended(static_cast<std::size_t>(E), 0);
    for (int s = 0; s < steps; ++s) {
      venv.state(states.data());
      ppo.act(venv.obs(), venv.masks(), venv.acts(), states.data(), rng, actions.data());
      history.insert(history.end(), actions.begin(), actions.end());
      venv.step(actions.data());
      ppo.observe(venv.rewards(), venv.terminations(), venv.truncations());
      for (int e = 0; e < E; ++e) {
        if (s >= steps - tail && !ended[static_cast<std::size_t>(e)]) {
          sum += venv.rewards()[e * A];
          ++count;
        }
        ended[static_cast<std::size_t>(e)] = venv.terminations()[e] || venv.truncations()[e];
      }
      if (ppo.rollout_full()) {
        venv.state(states.data());
        ppo.update(venv.obs(), states.data(), rng);
      }
    }
    return count ? sum / static_cast<double>(count) : 0.0;
  }
};

}  // namespace semra::rl::test
