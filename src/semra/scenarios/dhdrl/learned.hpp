#pragma once
// The learned schemes (learned.cpp): DQN-based, the hierarchy (dhdrl and its ablations) and the
// single-layer baseline (ddrl); on-policy, IPPO and MAPPO (rl/ppo.hpp) at both levels of the
// hierarchy (ippo, mappo: the high level decides beam and power every epoch, the low level k every
// slot, as dhdrl's DQNs) and as single-level learners (ippo-flat, mappo-flat: codeword x power x k
// every slot, as ddrl); docs/model-dhdrl.md 8 says what they observe and learn.
#include <memory>
#include <string>
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/rl/dqn.hpp"
#include "semra/rl/td3.hpp"
#include "semra/scenarios/dhdrl/schemes.hpp"

namespace semra::dhdrl {

// The DQN hyper-parameters of the config (docs/model-dhdrl.md 1, part 6); learning is gated by slot
// in the schemes, so learn_start only asks for one full batch.
rl::DqnConfig dqn_config(const Config& c, double gamma);

// Paper mode's per-link actions "drawn at the start" (the authors' BaseStation draws a random
// codeword, power and k; docs/model-dhdrl.md section 7): codeword[i] uniform over the codebook,
// then k[i] uniform over 1..K, from stream "reset_actions" of `seed`, so ddrl (ddrl.beam = fixed)
// and greedy (greedy.mode = reference) of one seed keep the same codewords.
struct ResetActions {
  std::vector<int> codeword, k;
};
ResetActions reset_actions(const MultiAgentEnvironment& env, std::uint64_t seed);

// Epsilon-greedy of a low-level agent (and of ddrl with ddrl.beam = fixed). With
// hierarchy.low_explore_actions = N > 0 an exploratory action is one of the first N in the authors'
// order a' = k_index P + power (DRQN.py:342, base_station.py:82-83), returned in ours: power x K +
// k_index when power_x_k, else a' itself (k only); N = 0 is DqnAgent::act.
int act_low(rl::DqnAgent& agent, const float* obs, Rng& rng, bool explore, int explore_actions,
            bool power_x_k, int power_levels, int max_k);

// Saves / loads agents[i].online() as dir/<prefix>_<i>.semrann.
void save_agents(const std::vector<rl::DqnAgent>& agents, const std::string& dir,
                 const std::string& prefix);
void load_agents(std::vector<rl::DqnAgent>& agents, const std::string& dir,
                 const std::string& prefix);
// How many networks `dir` holds as <prefix>_0.semrann, _1, ...; InputError when they are not
// numbered without a gap.
std::size_t saved_networks(const std::string& dir, const std::string& prefix);

// dhdrl, dhdrl-oa, dhdrl-or, dhdrl-ns, dhdrl-continuous: per link a high-level BPA DQN acting at
// Decision steps and a low-level SRA DQN (TD3 with continuous_low) acting at every Slot step. The
// variants differ in their environment's options (schemes.cpp): reward part, neighbour features.
class HierarchicalScheme : public Scheme {
 public:
  HierarchicalScheme(const MultiAgentEnvironment& env, std::uint64_t seed,
                     bool continuous_low = false);
  void step(MultiAgentEnvironment& env) override;
  bool learns() const override { return true; }
  void save(const std::string& dir) const override;
  void load(const std::string& dir) override;
  void save_state(StateWriter& w) const override;
  void load_state(StateReader& r) override;
  // The link's high-level agent (tests: its epsilon and learning-step count).
  const rl::DqnAgent& high_agent(int link) const { return high_[static_cast<std::size_t>(link)]; }
  // The link's low-level DQN (tests: its replay buffer); not for dhdrl-continuous.
  const rl::DqnAgent& low_agent(int link) const { return low_[static_cast<std::size_t>(link)]; }

 private:
  void decide_high(MultiAgentEnvironment& env);
  void slot(MultiAgentEnvironment& env);

  const Config& config_;
  bool continuous_low_, train_;
  int links_, high_dim_, low_dim_;
  std::vector<rl::DqnAgent> high_, low_;
  std::vector<rl::Td3Agent> low_td3_;   // dhdrl-continuous
  std::vector<float> low_cont_action_;  // [link], in [-1, 1]
  std::vector<double> low_k_;           // [link], the continuous k of low_cont_action_
  std::vector<Rng> high_explore_, low_explore_, high_replay_, low_replay_;
  std::vector<float> high_obs_, high_next_, low_obs_, low_next_;  // [link * dim]
  std::vector<int> high_action_, low_action_;
  std::vector<float> high_reward_;  // [link] the reward of the epoch that closed last
  bool have_epoch_ = false;
  bool high_epsilon_per_epoch_ = false;  // hierarchy.high_epsilon_decay = "epoch"
  bool low_continuing_ = false;          // hierarchy.low_episode = "continuing"
  bool low_power_x_k_ = false;           // hierarchy.split = "reference": low = power x k
  std::vector<int> actions_;             // [agent], the step's actions
  std::vector<float> rewards_;
};

// ddrl: one DQN per link choosing codeword x power x k every slot (single-layer layout); with
// ddrl.beam = fixed (paper mode) power x k only, each link keeping a codeword drawn at the start.
class SingleLayerScheme : public Scheme {
 public:
  SingleLayerScheme(const MultiAgentEnvironment& env, std::uint64_t seed);
  void step(MultiAgentEnvironment& env) override;
  bool learns() const override { return true; }
  void save(const std::string& dir) const override;
  void load(const std::string& dir) override;
  void save_state(StateWriter& w) const override;
  void load_state(StateReader& r) override;

 private:
  const Config& config_;
  bool train_;
  int links_, dim_;
  std::vector<rl::DqnAgent> agents_;
  std::vector<Rng> explore_, replay_;
  std::vector<float> obs_, next_;
  std::vector<int> actions_;
  std::vector<float> rewards_;
  bool fixed_beam_ = false;        // ddrl.beam = "fixed"
  std::vector<int> codeword_;      // [link] with fixed_beam_
  std::vector<int> agent_action_;  // [link] the network's action (power x k with fixed_beam_)
};

// ippo / mappo for an environment with the hierarchical layout, ippo-flat / mappo-flat with the
// single-layer one; mappo: a centralised critic on the global state
// (MultiAgentEnvironment::state()).
std::unique_ptr<Scheme> make_ppo_scheme(const MultiAgentEnvironment& env, std::uint64_t seed,
                                        bool mappo);

}  // namespace semra::dhdrl
