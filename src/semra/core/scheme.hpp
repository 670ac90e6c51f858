#pragma once
// What every scheme of every scenario is (docs/architecture.md "Add a scheme"): a decision maker
// made by one row of its scenario's table (scenarios/NAME/schemes.cpp), that may learn, save its
// networks and write / restore its whole state for checkpoints. Each scenario's `Scheme` derives
// from SchemeBase and adds only how it decides on that scenario's multi-agent environment
// (dhdrl: step(env), one env.step() at a time; vderl: act / observe / learn on the joint
// observations, or learn_on_policy on a vector env). A scheme whose decisions come from outside
// (core/external_policy.hpp) is one more Scheme of its scenario, made by run.cpp.
#include <string>
#include <type_traits>
#include <vector>

#include "semra/core/error.hpp"
#include "semra/core/scenario_entry.hpp"
#include "semra/core/serialize.hpp"
#include "semra/core/work_team.hpp"

namespace semra {

class SchemeBase {
 public:
  virtual ~SchemeBase() = default;
  virtual bool learns() const { return false; }
  // Trained networks, one file per network under `dir` (which exists).
  virtual void save(const std::string& dir) const { (void)dir; }
  // Networks from `dir` (saved by save()); throws InputError naming the file. Only schemes that
  // learn are asked.
  virtual void load(const std::string& dir) { (void)dir; }
  // Checkpoints: everything of the scheme that changes while it runs (networks, optimiser states,
  // replay buffers, exploration schedules, its own Rng streams, pending observations and actions).
  // load_state needs a scheme made by the same table row for the same environment and seed.
  // Stateless schemes write nothing.
  virtual void save_state(StateWriter& w) const { (void)w; }
  virtual void load_state(StateReader& r) { (void)r; }
  // Threads of the experiment (null: one thread; not owned). A scheme may run its agents' phases
  // on it, agent by agent, each with its own networks and streams, so that results are the same at
  // any team size.
  void set_team(WorkTeam* team) { team_ = team; }

 protected:
  WorkTeam* team_ = nullptr;
};

// The row of `rows` (a scheme table: rows with an `info` SchemeInfo, or the SchemeInfos themselves)
// named `name`; InputError listing the valid names otherwise.
template <class Row>
const Row& find_scheme_row(const std::vector<Row>& rows, const std::string& name,
                           const std::string& scenario) {
  auto name_of = [](const Row& r) -> const std::string& {
    if constexpr (std::is_same_v<Row, SchemeInfo>)
      return r.name;
    else
      return r.info.name;
  };
  for (const auto& r : rows)
    if (name_of(r) == name) return r;
  std::string valid;
  for (const auto& r : rows) valid += (valid.empty() ? "" : ", ") + name_of(r);
  throw InputError("unknown " + scenario + " scheme '" + name + "' (valid: " + valid + ")");
}

}  // namespace semra
