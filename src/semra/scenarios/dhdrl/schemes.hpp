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
#include "semra/core/serialize.hpp"
#include "semra/core/work_team.hpp"
#include "semra/scenarios/dhdrl/multi_agent.hpp"

namespace semra::dhdrl {

class Scheme {
 public:
  virtual ~Scheme() = default;
  // One env.step(): the kind of step is env.next_step().
  virtual void step(MultiAgentEnvironment& env) = 0;
  virtual bool learns() const { return false; }
  // Trained networks, one file per network under `dir` (which exists).
  virtual void save(const std::string& dir) const { (void)dir; }
  // Networks from `dir` (saved by save(), possibly with another number of links: link i takes
  // the file of link i mod saved). Throws InputError naming the file.
  virtual void load(const std::string& dir) { (void)dir; }
  // Checkpoints: everything of the scheme that changes while it runs (networks, optimiser states,
  // replay buffers, exploration schedules, Rng streams, pending observations and actions).
  // load_state needs a scheme made by make_scheme for the same environment and seed. Stateless
  // schemes (greedy, oracle: they recompute everything every slot) write nothing.
  virtual void save_state(StateWriter& w) const { (void)w; }
  virtual void load_state(StateReader& r) { (void)r; }
  // Threads of the experiment (null: one thread; not owned). The learned schemes run their agents'
  // act and learn phases on it, agent by agent; each agent has its own networks, replay buffer
  // and Rng streams, so the results are the same at any team size.
  void set_team(WorkTeam* team) { team_ = team; }

 protected:
  WorkTeam* team_ = nullptr;
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
