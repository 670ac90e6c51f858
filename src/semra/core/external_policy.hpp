#pragma once
// An outside decision maker (docs/python.md "Scoring your own policy"): a scenario's own experiment
// loop asks it for the acting agents' actions at every step in place of a scheme, so its metrics,
// summary scalars and outputs are exactly those of a built-in scheme that does not learn. The
// Python face implements it with a call into Python (semra.evaluate).
#include <cstdint>
#include <string>
#include <vector>

#include "semra/core/multi_agent_env.hpp"

namespace semra {

class ExternalPolicy {
 public:
  virtual ~ExternalPolicy() = default;
  // Before an experiment's first step, with its seed.
  virtual void begin(std::uint64_t seed) = 0;
  // One step: agent a's observation starts at obs + a * obs_stride (agents[a].obs_dim values), its
  // mask at masks + a * mask_stride (agents[a].num_actions values), and acts[a] != 0 when it acts
  // at this step. Fills actions[a] of every acting agent (the others are ignored). Throws to stop
  // the experiment.
  virtual void act(const std::vector<AgentSpec>& agents, const float* obs, int obs_stride,
                   const std::uint8_t* masks, int mask_stride, const std::uint8_t* acts,
                   int* actions) = 0;
  // The built-in scheme whose environment the policy acts in ("": make_env's default). A policy
  // that reads more than the agents observe (dhdrl's greedy reads every codeword's gain) names its
  // scheme, and is attached to the experiment's environment: after reset(seed) and before begin(),
  // then null once the experiment ends (normally or by an exception).
  virtual std::string environment() const { return {}; }
  virtual void attach(const MultiAgentEnv* /*env*/) {}
};

}  // namespace semra
