#pragma once
// The decision makers of the `dhdrl` scenario (docs/model-dhdrl.md 1, part 7). A Scheme drives the
// multi-agent environment (multi_agent.hpp) one step at a time: it observes the acting agents,
// decides their actions, calls env.step() and learns from the rewards it returns. run_slot() runs
// the steps of one slot (an epoch start's Decision / Redraw step, then the Slot step); run.cpp and
// the benchmarks call it.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "semra/core/scenario_entry.hpp"
#include "semra/core/scheme.hpp"
#include "semra/scenarios/dhdrl/multi_agent.hpp"

namespace semra::dhdrl {

// A dhdrl scheme (core/scheme.hpp): step() makes one env.step(), whose kind is env.next_step(),
// observing the acting agents, deciding their actions and learning from the rewards it returns.
// The learned schemes run their agents' act and learn phases on the experiment's team (set_team),
// agent by agent; each agent has its own networks, replay buffer and Rng streams. load() may read
// networks saved with another number of links (link i takes the file of link i mod saved).
// Stateless schemes (greedy, oracle: they recompute everything every slot) write no checkpoint
// state.
class Scheme : public SchemeBase {
 public:
  virtual void step(MultiAgentEnvironment& env) = 0;
};

// The scheme table's rows for the registry (name, default set, step cost, help), in the figure's
// order; scheme_names() are their names.
const std::vector<SchemeInfo>& scheme_table();
const std::vector<std::string>& scheme_names();
// The environment a scheme drives (layout, reward part, neighbour features). Throws InputError for
// an unknown name.
EnvOptions scheme_env_options(const std::string& name);
// A scheme for an environment built with scheme_env_options(name) and reset. Throws InputError for
// an unknown name or an unsupported configuration.
std::unique_ptr<Scheme> make_scheme(const std::string& name, const MultiAgentEnvironment& env,
                                    std::uint64_t seed);
// Steps until one slot has been evaluated.
void run_slot(Scheme& scheme, MultiAgentEnvironment& env);

}  // namespace semra::dhdrl
