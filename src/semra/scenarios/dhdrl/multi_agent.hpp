#pragma once
// The `dhdrl` scenario as a parallel multi-agent environment (core/multi_agent_env.hpp): the order
// within a slot, the agents, their observations, action masks and rewards, and the episode. Every
// dhdrl scheme drives the scenario through it (schemes.hpp), and the Python face wraps it, so both
// see one model. docs/model-dhdrl.md section 5 describes it for users.
//
// Steps. The high level decides at an epoch start *before* the low level observes the slot (the
// low level's observation holds the new beam's SINR: docs/model-dhdrl.md 1, part 4, the point of
// the two timescales), so an epoch start is a step of its own in which no slot passes. Three kinds
// of step, in this order:
//   Decision (hierarchical layout, every epoch start): the high-level agents act; their beams and
//            powers are applied and the channel is re-measured.
//   Redraw   (when requirements are due at a slot where no Decision step precedes it, e.g. ddrl's
//            epoch starts or requirements.redraw_period_slots = N mid-epoch): nobody acts; the
//            UTs' requirements are redrawn, so the observation before the step (the learners'
//            next state) still shows the old ones and the one after it the new ones.
//   Slot     the low-level (or single-layer) agents act; the slot is evaluated (SINR, QoE,
//            rewards, metrics), the fading advances one slot and the new channel is measured under
//            the unchanged actions. Requirements due at the next slot are redrawn here when a
//            Decision step follows, so that the high level sees them.
// So an epoch is 1 + T_H steps with the default hierarchical layout. next_step() says which comes.
//
// Agents (possible_agents order, link by link): with one UT per cell `bs{b}_high`, `bs{b}_low`;
// with several, `bs{b}_ut{j}_high`, `bs{b}_ut{j}_low`. Single-layer layout: `bs{b}` /
// `bs{b}_ut{j}`.
//   high: beam x power (split = paper, C x P actions) or beam (split = reference, C); observation
//         observe(link, measurements at the previous epoch start, no slots-left feature).
//   low:  k (paper, K actions) or power x k (reference, P x K); observation with the slots-left
//         feature, "old" = one slot earlier.
//   single-layer (ddrl, greedy, oracle): codeword x power x k, index (c P + p) K + k - 1, the
//         high-level observation layout with "old" = one slot earlier.
// Every action is valid (the masks are all ones); an action out of range for an acting agent throws
// std::invalid_argument; actions of agents that do not act at a step are ignored (not checked).
//
// Rewards (docs/model-dhdrl.md 1, part 5; the only implementation): low = the link's own UT's QoE
// (or its G_A / G_R part) every Slot step; high = the epoch's mean over its slots of the
// high_reward-scope QoE, delivered on the Slot step that closes the epoch (0 elsewhere);
// single-layer = the scope QoE every Slot step. Decision and Redraw steps reward 0.
//
// Episode: continuing task, never terminated; truncated after train.slots Slot steps. reset(seed)
// draws topology, shadowing, AoDs, fading and requirements from streams of `seed`
// (Environment::reset); reset() draws a new deployment from where those streams stopped. No heap
// allocation per step after reset().
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "semra/core/multi_agent_env.hpp"
#include "semra/core/serialize.hpp"
#include "semra/scenarios/dhdrl/env.hpp"

namespace semra::dhdrl {

enum class Layout { Hierarchical, SingleLayer };
// Reward of a link for a slot: QoE with the UT's own weight w, or only its accuracy (w = 0, -oa)
// or rate (w = 1, -or) part; scope local | neighbourhood | network (docs/model-dhdrl.md 1, part 5).
enum class RewardPart { Qoe, AccuracyOnly, RateOnly };
enum class RewardScope { Local, Neighbourhood, Network };
RewardScope parse_scope(const std::string& s);

// How a scheme wants the environment (the Python face and make_env use the defaults: dhdrl).
struct EnvOptions {
  Layout layout = Layout::Hierarchical;
  RewardPart reward_part = RewardPart::Qoe;  // -oa / -or train on one part of the QoE
  bool observe_neighbours = true;            // false: the neighbour part is zero (dhdrl-ns)
};

enum class StepKind { Decision, Redraw, Slot };

// Sums over the links of the last evaluated slot (metrics; info() reports the means).
struct SlotTotals {
  double qoe = 0, k = 0, power_w = 0, g_r = 0, g_a = 0;
  double sinr_db = 0;  // over links with non-zero power
  int served = 0;      // links with non-zero power
};

class MultiAgentEnvironment final : public MultiAgentEnv {
 public:
  MultiAgentEnvironment(const Config& config,
                        std::shared_ptr<const semantic::AccuracyModel> accuracy,
                        EnvOptions options = {});

  // ---- MultiAgentEnv
  const std::vector<AgentSpec>& agents() const override { return agents_; }
  int state_dim() const override;
  const std::vector<std::string>& info_names() const override { return info_names_; }
  void reset(std::uint64_t seed) override;
  void reset() override;
  void observe(int agent, float* out) const override;
  void action_mask(int agent, std::uint8_t* out) const override;
  // Per link, the local part of its low-level observation (with slots left): links x
  // (local_obs_dim + 1) floats.
  void state(float* out) const override;
  bool acts(int agent) const override;
  void step(const int* actions, float* rewards) override { step(actions, nullptr, rewards); }
  bool terminated() const override { return false; }
  bool truncated() const override { return slot_ >= config_.train_slots; }
  // slot_step (1 when the step evaluated a slot), slot (its index; -1 before the first), and the
  // means over the links of that slot: qoe, sinr_db (links with non-zero power; NaN when none),
  // k, power (W), g_r, g_a. After a Decision or Redraw step: the values of the last slot.
  void info(double* out) const override;
  // Low level (and single layer): every Slot step; high level: the Slot step that closes its
  // epoch. Decision and Redraw steps reward nobody.
  bool rewarded(int agent) const override;
  // Truncated after train.slots Slot steps: those, plus the Decision and Redraw steps among them.
  std::int64_t episode_steps() const override;
  std::string render_text() const override;

  // ---- C++ schemes
  // dhdrl-continuous: low_k[link] in [1, K] replaces the low-level agents' discrete k (paper split
  // only); null: the discrete actions.
  void step(const int* actions, const double* low_k, float* rewards);
  StepKind next_step() const { return next_; }
  std::int64_t slot() const { return slot_; }  // slots evaluated so far (index of the next one)
  bool slot_stepped() const { return last_was_slot_; }  // the last step evaluated a slot
  bool epoch_closed() const { return epoch_closed_; }   // ... and it was its epoch's last slot
  const SlotTotals& last_slot() const { return totals_; }
  int high_agent(int link) const { return 2 * link; }
  int low_agent(int link) const { return 2 * link + 1; }
  int single_agent(int link) const { return link; }
  int link_of_agent(int agent) const { return hierarchical() ? agent / 2 : agent; }
  bool hierarchical() const { return options_.layout == Layout::Hierarchical; }
  const EnvOptions& options() const { return options_; }
  const Config& config() const { return config_; }
  int links() const { return model_.links(); }
  // Threads of the experiment for the physics of a step (Environment::set_team; null: one
  // thread). Schemes use the same team for their agents (Scheme::set_team).
  void set_team(WorkTeam* team) { model_.set_team(team); }
  // The physics (introspection for greedy and oracle, metrics, tests).
  const Environment& model() const { return model_; }

  // Checkpoints: everything that changes after reset(seed) (the model's state, the slot, the step
  // to come, the epoch's reward sums and measurements). load_state needs an environment built and
  // reset(seed) with the same config, options and seed.
  void save_state(StateWriter& w) const;
  void load_state(StateReader& r);

 private:
  enum Info { kSlotStep, kSlot, kQoe, kSinrDb, kK, kPower, kGr, kGa, kInfoCount };
  void start_episode();
  void check_actions(const int* actions, const double* low_k) const;
  void apply_decision(const int* actions);
  void apply_slot_actions(const int* actions, const double* low_k);
  void evaluate_slot(float* rewards);
  void schedule_next_step();
  double slot_reward(int link, RewardScope scope) const;
  double reward_part(const semantic::QoeParts& p) const;
  void reference_rewards(float* rewards);
  bool redraw_due(std::int64_t slot) const;
  int slots_left() const;

  Config config_;
  EnvOptions options_;
  Environment model_;
  RewardScope scope_;
  bool paper_split_;
  bool reference_obs_, reference_rewards_;  // hierarchy.observation / hierarchy.rewards
  std::vector<AgentSpec> agents_;
  std::vector<std::string> info_names_;
  bool seeded_ = false;
  std::int64_t slot_ = 0;
  StepKind next_ = StepKind::Slot;
  bool last_was_slot_ = false, epoch_closed_ = false;
  std::int64_t last_slot_index_ = -1;
  SlotTotals totals_;
  std::vector<double> high_return_;  // [link] sum of the high-level reward over the epoch so far
  std::vector<double> qoe_after_fading_;  // [link] reference rewards: the last slot's value
  int epoch_len_ = 0;
  Measurements epoch_old_;  // measurements at the last epoch start ("one epoch old")
};

}  // namespace semra::dhdrl
