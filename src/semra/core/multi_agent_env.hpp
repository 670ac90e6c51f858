#pragma once
// The parallel multi-agent environment every scenario implements (architecture.md, "Multi-agent
// environment"; PettingZoo's ParallelEnv semantics). Every C++ scheme drives its scenario through
// it, and the Python face (python/, semra.parallel_env / semra.vector_env) wraps it, so both see
// one model. No heap allocation per step after reset().
//
// Calling order: reset(seed) or reset(); then per step: observe / action_mask / acts for each
// agent, step(actions, rewards), terminated() / truncated() / info(). After an episode ends the
// caller resets; stepping an ended episode throws std::logic_error.
#include <cstdint>
#include <string>
#include <vector>

namespace semra {

// One agent; fixed for the environment's lifetime (PettingZoo's possible_agents, in this order).
struct AgentSpec {
  std::string name;     // "server_0", "bs0_high", "bs0_low", ...
  int obs_dim = 0;      // D
  int num_actions = 0;  // N (Discrete)
  int noop_action =
      0;  // the do-nothing action: replaces a masked action with invalid_action="ignore"
  // Agents of one role share a group ("server"; dhdrl: "high", "low", or "single" for the
  // single-layer layout): same sizes, same timing of actions and rewards.
  std::string group;
};

class MultiAgentEnv {
 public:
  virtual ~MultiAgentEnv() = default;

  virtual const std::vector<AgentSpec>& agents() const = 0;
  virtual int state_dim() const = 0;
  // Names of the scalar infos of the last step (same for every agent), fixed after construction.
  virtual const std::vector<std::string>& info_names() const = 0;

  // Starts an episode with every random stream derived from `seed`: same seed, same episode.
  virtual void reset(std::uint64_t seed) = 0;
  // Starts the next episode, continuing the environment's own streams (first call: seed 0).
  virtual void reset() = 0;
  // reset(), but the next episode also gets a new world (topology) drawn from the environment's
  // streams. Scenarios whose reset() already draws a new deployment keep this default.
  virtual void reset_new_world() { reset(); }

  virtual void observe(int agent, float* out) const = 0;             // obs_dim floats
  virtual void action_mask(int agent, std::uint8_t* out) const = 0;  // num_actions, 1 = allowed
  virtual void state(float* out) const = 0;                          // state_dim floats
  // Whether the agent's action at the next step() is applied (dhdrl's high level: only at epoch
  // starts, which are steps of their own where the low level does not act).
  virtual bool acts(int agent) const = 0;

  // One action per agent (agents() order); writes one reward per agent. Throws
  // std::invalid_argument naming the agent and the action for a masked action of an acting agent.
  virtual void step(const int* actions, float* rewards) = 0;
  virtual bool terminated() const = 0;       // the episode reached its natural end
  virtual bool truncated() const = 0;        // the episode was cut by a limit
  virtual void info(double* out) const = 0;  // info_names().size() values of the last step

  // Whether the last step() delivered the agent's reward for its actions (dhdrl's high level: only
  // on the step that closes its epoch; every other value it reads is 0 and carries nothing).
  virtual bool rewarded(int /*agent*/) const { return true; }
  // Steps from reset() to the episode's natural end (termination or truncation), when that number
  // is fixed by the config; -1 otherwise.
  virtual std::int64_t episode_steps() const { return -1; }
  // A text view of the topology and the current allocation (the Python face's render "ansi").
  virtual std::string render_text() const { return {}; }
};

}  // namespace semra
