#pragma once
// Small learning tasks shared by the rl tests (dqn_test, value_decomposition_test,
// isa_learning_test).
#include <algorithm>
#include <cstdint>
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/rl/dqn.hpp"
#include "semra/rl/joint_replay.hpp"

namespace semra::rl::test {

// Greedy action of a trained agent in each one-hot state.
inline std::vector<int> greedy_policy(DqnAgent& agent, int states) {
  std::vector<int> policy;
  std::vector<float> obs(static_cast<std::size_t>(states));
  for (int s = 0; s < states; ++s) {
    std::fill(obs.begin(), obs.end(), 0.0f);
    obs[static_cast<std::size_t>(s)] = 1.0f;
    policy.push_back(agent.greedy_action(obs.data(), nullptr));
  }
  return policy;
}

inline DqnConfig learning_config() {
  DqnConfig c;
  c.hidden = {32, 32};
  c.batch_size = 32;
  c.replay_capacity = 2000;
  c.learn_start = 64;
  c.target_sync_every = 50;
  c.optimizer = nn::OptimizerConfig::adam(2e-3f);
  c.epsilon = {EpsilonKind::Linear, 1.0, 0.05, 0.0, 600.0};
  return c;
}

// Contextual bandit: 4 contexts (one-hot), 4 arms, a distinct best arm per context; rewards 1 for
// the best arm, 0.5 for the next one (mod 4), 0 otherwise, plus N(0, 0.1) noise. Every step is
// terminal, so Q*(ctx, best arm) = 1. `steps` steps of act (exploring), remember, learn.
inline constexpr int kBanditBest[4] = {2, 0, 3, 1};
inline void train_bandit(DqnAgent& agent, Rng& rng, int steps) {
  float obs[4];
  for (int t = 0; t < steps; ++t) {
    const int ctx = rng.uniform_int(4);
    std::fill(obs, obs + 4, 0.0f);
    obs[ctx] = 1.0f;
    const int a = agent.act(obs, nullptr, rng, true);
    const int best = kBanditBest[ctx];
    const double mean = a == best ? 1.0 : (a == (best + 1) % 4 ? 0.5 : 0.0);
    agent.remember(obs, a, static_cast<float>(mean + 0.1 * rng.normal()), obs, true);
    agent.learn(rng);
  }
}

// Team payoff of a cooperative game; the joint optimum is (2, 2) = 5. Under uniformly exploring
// partners the additive fit ranks action 2 first for both agents (row/column means 1/3, 4/3, 2), so
// a sum of per-agent values can represent the greedy optimum and every learner must find it.
inline constexpr float kPayoff[3][3] = {{0, 1, 0}, {1, 2, 1}, {0, 1, 5}};

// Two agents, one-step episodes: obs = constant 1 per agent; all 3 actions valid; done = 1.
template <class Learner, class Act>
void play_matrix_game(Learner& learner, JointReplayBuffer& replay, Act act, int episodes,
                      int state_dim, Rng& rng) {
  const float obs[2] = {1.0f, 1.0f};
  const std::uint8_t masks[6] = {1, 1, 1, 1, 1, 1};
  std::vector<float> state(static_cast<std::size_t>(state_dim), 1.0f);
  JointBatch batch;
  for (int e = 0; e < episodes; ++e) {
    int a[2];
    for (int v = 0; v < 2; ++v) a[v] = act(v, obs + v, masks + 3 * v, rng, true);
    const float r = kPayoff[a[0]][a[1]];
    const float rewards[2] = {r, r};
    replay.add(obs, masks, a, rewards, r, obs, masks, true, state_dim ? state.data() : nullptr,
               state_dim ? state.data() : nullptr);
    if (replay.size() >= 32) {
      replay.sample(32, rng, batch);
      learner.learn(batch);
    }
  }
}

}  // namespace semra::rl::test
