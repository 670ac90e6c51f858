#pragma once
// Helpers shared by the tests that drive the dhdrl multi-agent environment.
#include <cstddef>
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/scenarios/dhdrl/config.hpp"
#include "semra/scenarios/dhdrl/multi_agent.hpp"

namespace dhdrl_test {

// A short-epoch config (4 slots per epoch, 1,000 slots), 7 cells unless `rings` says otherwise.
inline semra::dhdrl::Config small(int rings = 1) {
  semra::dhdrl::Config c;
  c.rings = rings;
  c.epoch_slots = 4;
  c.train_slots = 1000;
  return c;
}

// Random valid actions for every agent (also for those that do not act).
inline std::vector<int> random_actions(const semra::dhdrl::MultiAgentEnvironment& env,
                                       semra::Rng& rng) {
  std::vector<int> a(env.agents().size());
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = rng.uniform_int(env.agents()[i].num_actions);
  return a;
}

inline std::vector<float> observe(const semra::dhdrl::MultiAgentEnvironment& env, int agent) {
  std::vector<float> o(static_cast<std::size_t>(env.agents()[agent].obs_dim));
  env.observe(agent, o.data());
  return o;
}

}  // namespace dhdrl_test
