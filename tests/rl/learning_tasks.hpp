#pragma once
// Small learning tasks shared by the rl tests (dqn_test, value_decomposition_test,
// isa_learning_test, state_test).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/rl/dqn.hpp"
#include "semra/rl/joint_replay.hpp"
#include "semra/rl/q_learner.hpp"
#include "semra/rl/qmix.hpp"
#include "semra/rl/vd_erl.hpp"
#include "semra/rl/vdn.hpp"

namespace semra::rl::test {

// The Q-learner with each mixer, as the vderl schemes build it.
inline QLearner vdn_learner(int agents, int obs_dim, int actions, const QLearningConfig& c,
                            Rng& init) {
  return QLearner(agents, obs_dim, actions, c, init, std::make_unique<VdnMixer>());
}
inline QLearner qmix_learner(int agents, int obs_dim, int actions, int state_dim,
                             const QLearningConfig& c, int embed, int hyper_hidden, Rng& init) {
  return QLearner(
      agents, obs_dim, actions, c, init,
      std::make_unique<QmixMixer>(agents, state_dim, embed, hyper_hidden, init.child("mixer")));
}

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

// Two agents, one-step episodes (done = 1), all 3 actions valid, team reward kPayoff[a_1][a_2].
// Each agent observes its half of `obs` and acts with learner.act (exploring); once `replay` holds
// `batch` transitions, one learning step per episode on a sampled batch.
template <class Learner>
void play_matrix_game(Learner& learner, JointReplayBuffer& replay, int episodes, int state_dim,
                      Rng& rng, const std::vector<float>& obs = {1.0f, 1.0f}, int batch = 32) {
  const std::ptrdiff_t obs_dim = static_cast<std::ptrdiff_t>(obs.size() / 2);
  const std::uint8_t masks[6] = {1, 1, 1, 1, 1, 1};
  std::vector<float> state(static_cast<std::size_t>(state_dim), 1.0f);
  JointBatch b;
  for (int e = 0; e < episodes; ++e) {
    int a[2];
    for (int v = 0; v < 2; ++v)
      a[v] = learner.act(v, obs.data() + obs_dim * v, masks + 3 * v, rng, true);
    const float r = kPayoff[a[0]][a[1]];
    const float rewards[2] = {r, r};
    replay.add(obs.data(), masks, a, rewards, r, obs.data(), masks, true,
               state_dim ? state.data() : nullptr, state_dim ? state.data() : nullptr);
    if (replay.size() >= batch) {
      replay.sample(batch, rng, b);
      learner.learn(b);
    }
  }
}

// The learning tests' setting: observation 1 per agent, a 500-transition replay, batches of 32.
template <class Learner>
void train_on_matrix_game(Learner& learner, int episodes, int state_dim, Rng& rng) {
  JointReplayBuffer replay(500, 2, 1, 3, state_dim);
  play_matrix_game(learner, replay, episodes, state_dim, rng);
}

// The Q-learning settings of every learner on the matrix game: 16 hidden units, gamma 0 (one-step
// episodes), a target sync every 20 steps, Adam 5e-3, epsilon 1 -> 0.3 over 600 learning steps.
inline QLearningConfig matrix_game_q_config() {
  QLearningConfig c;
  c.hidden = {16};
  c.gamma = 0.0f;
  c.target_sync_every = 20;
  c.optimizer = nn::OptimizerConfig::adam(5e-3f);
  c.epsilon = {EpsilonKind::Linear, 1.0, 0.3, 0.0, 600.0};
  return c;
}

// VD-ERL on the matrix game: the critic above (its epsilon unused), a 16-unit policy with Adam 5e-3
// at delta = 1 (payoff gaps of 1-5: exploring early, nearly greedy once Q is learnt).
inline VdErlConfig matrix_game_vderl_config(CriticTarget target) {
  VdErlConfig c;
  c.critic_target = target;
  c.critic = matrix_game_q_config();
  c.actor.hidden = {16};
  c.actor.optimizer = nn::OptimizerConfig::adam(5e-3f);
  c.actor.temperature = 1.0f;
  return c;
}

}  // namespace semra::rl::test
