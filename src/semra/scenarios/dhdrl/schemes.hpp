#pragma once
// The decision makers of the `dhdrl` scenario (spec 7). A Scheme is driven slot by slot by
// run_experiment (run.cpp):
//
//   for each slot t (tau = t mod T_H):
//     tau == 0:  [requirements redrawn]  scheme.epoch_start()  env.remeasure()
//     scheme.act()            low-level (and, for single-layer schemes, every) decision
//     env.evaluate()          SINR, QoE of the slot
//     env.advance(); env.begin_slot()
//     scheme.after_slot()     rewards, transitions, learning
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "semra/core/serialize.hpp"
#include "semra/scenarios/dhdrl/env.hpp"

namespace semra::dhdrl {

class Scheme {
 public:
  virtual ~Scheme() = default;
  virtual void epoch_start(Environment& env, std::int64_t slot) = 0;
  // slots_left: slots of the epoch from this one on (T_H at an epoch start, 1 at its last slot).
  virtual void act(Environment& env, std::int64_t slot, int slots_left) = 0;
  // After the slot was evaluated and the channel advanced; epoch_end: this was the epoch's last
  // slot.
  virtual void after_slot(Environment& env, std::int64_t slot, int slots_left_next,
                          bool epoch_end) {
    (void)env, (void)slot, (void)slots_left_next, (void)epoch_end;
  }
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
};

// All scheme names, in the figure's order.
const std::vector<std::string>& scheme_names();
// Throws InputError for an unknown name.
std::unique_ptr<Scheme> make_scheme(const std::string& name, const Environment& env,
                                    std::uint64_t seed);

// Reward of `link` for a slot: QoE with the link's own weight w, or only its accuracy (w = 0, -oa)
// or rate (w = 1, -or) part; `mode` = local | neighbourhood | network (spec 5).
enum class RewardPart { Qoe, AccuracyOnly, RateOnly };
enum class RewardScope { Local, Neighbourhood, Network };
double slot_reward(const Environment& env, int link, RewardPart part, RewardScope scope);
RewardScope parse_scope(const std::string& s);

}  // namespace semra::dhdrl
