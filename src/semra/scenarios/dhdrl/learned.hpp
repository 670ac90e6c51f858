#pragma once
// DQN-based schemes: the hierarchy (dhdrl and its ablations, hierarchical.cpp) and the single-layer
// baseline (ddrl, single_layer.cpp).
#include <memory>
#include <string>
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/rl/dqn.hpp"
#include "semra/rl/td3.hpp"
#include "semra/scenarios/dhdrl/schemes.hpp"

namespace semra::dhdrl {

// The DQN hyper-parameters of the config (spec 6); learning is gated by slot in the schemes, so
// learn_start only asks for one full batch.
rl::DqnConfig dqn_config(const Config& c, double gamma);

// Saves / loads agents[i].online() as dir/<prefix>_<i>.semrann.
void save_agents(const std::vector<rl::DqnAgent>& agents, const std::string& dir,
                 const std::string& prefix);
void load_agents(std::vector<rl::DqnAgent>& agents, const std::string& dir,
                 const std::string& prefix);

struct HierarchyOptions {
  RewardPart part = RewardPart::Qoe;  // -oa / -or train on one part of the QoE
  bool neighbours = true;             // -ns: neighbour part of the observations zeroed
  bool continuous_low = false;        // dhdrl-continuous: low level TD3 with k in [1, K]
};

// dhdrl, dhdrl-oa, dhdrl-or, dhdrl-ns: per link a high-level BPA DQN acting every epoch and a
// low-level SRA DQN acting every slot (split = paper: high = codeword x power, low = k;
// split = reference: high = codeword, low = power x k).
class HierarchicalScheme : public Scheme {
 public:
  HierarchicalScheme(const Environment& env, std::uint64_t seed, HierarchyOptions options);
  void epoch_start(Environment& env, std::int64_t slot) override;
  void act(Environment& env, std::int64_t slot, int slots_left) override;
  void after_slot(Environment& env, std::int64_t slot, int slots_left_next,
                  bool epoch_end) override;
  bool learns() const override { return true; }
  void save(const std::string& dir) const override;
  void load(const std::string& dir) override;
  void save_state(StateWriter& w) const override;
  void load_state(StateReader& r) override;

 private:
  const Config& config_;
  HierarchyOptions options_;
  RewardScope scope_;
  bool paper_split_, train_;
  int links_, high_dim_, low_dim_, high_actions_, low_actions_;
  std::vector<rl::DqnAgent> high_, low_;
  std::vector<rl::Td3Agent> low_td3_;   // dhdrl-continuous
  std::vector<float> low_cont_action_;  // [link], in [-1, 1]
  std::vector<Rng> high_explore_, low_explore_, high_replay_, low_replay_;
  std::vector<float> high_obs_, high_next_, low_obs_, low_next_;  // [link * dim]
  std::vector<int> high_action_, low_action_;
  std::vector<double> high_return_;  // sum of the high-level reward over the current epoch
  int epoch_len_ = 0;
  bool have_epoch_ = false;
  Measurements epoch_old_;  // measurements at the previous epoch start ("one epoch old")
};

// ddrl: one DQN per link choosing codeword x power x k every slot.
class SingleLayerScheme : public Scheme {
 public:
  SingleLayerScheme(const Environment& env, std::uint64_t seed);
  void epoch_start(Environment&, std::int64_t) override {}
  void act(Environment& env, std::int64_t slot, int slots_left) override;
  void after_slot(Environment& env, std::int64_t slot, int slots_left_next,
                  bool epoch_end) override;
  bool learns() const override { return true; }
  void save(const std::string& dir) const override;
  void load(const std::string& dir) override;
  void save_state(StateWriter& w) const override;
  void load_state(StateReader& r) override;

 private:
  const Config& config_;
  RewardScope scope_;
  bool train_;
  int links_, dim_, actions_;
  std::vector<rl::DqnAgent> agents_;
  std::vector<Rng> explore_, replay_;
  std::vector<float> obs_, next_;
  std::vector<int> action_;
};

}  // namespace semra::dhdrl
