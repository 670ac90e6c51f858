#pragma once
// Configuration of the `dhdrl` scenario. Defaults are the paper's / reference's values
// (docs/model-dhdrl.md 3); every key is described (range, unit, help) in describe().
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "semra/core/config.hpp"
#include "semra/radio/channel_trace.hpp"
#include "semra/rl/ppo_settings.hpp"
#include "semra/semantic/qoe.hpp"

namespace semra::dhdrl {

struct Config : ConfigBase {
  // [network] docs/model-dhdrl.md 1, part 1
  int rings = 1;  // 0..3 -> 1, 7, 19, 37 cells
  int cells = 0;  // 0: every cell of `rings`; N: the first N of them (paper mode's 3 cells)
  int users_per_cell = 1;
  double cell_radius_m = 200.0;
  double min_distance_m = 10.0;
  double bs_power_dbm = 38.0;
  int antennas = 8;
  int codewords = 8;
  int power_levels = 5;        // {0, 1/4, 1/2, 3/4, 1} x P_max
  std::string layout = "hex";  // "hex" or a layout CSV (docs/channels.md "Layout files")
  // [channel] docs/model-dhdrl.md 1, part 2
  int paths = 4;
  double aod_spread_deg = 3.0;
  double fading_rho = 0.64;
  double shadowing_std_db = 8.0;
  double noise_dbm = -114.0;
  double slot_ms = 20.0;
  // Reference defect (docs/model-dhdrl.md 4.6): innovations with variance 1 instead of 1/L.
  bool reference_innovation = false;
  // Where the channels come from (docs/channels.md): "model" (above) or "trace" (channel_trace).
  std::string channel_source = "model";
  std::string channel_trace;  // .mat / .npz / .npy file: G or H [slots, BSs, UTs, ...]
  // [semantic] docs/model-dhdrl.md 1, part 3
  double bandwidth_hz = 180e3;
  double units_per_word = 4.0;  // iota
  int max_k = 20;               // K
  std::string accuracy_csv;     // empty = built-in DeepSC model
  // Reference defects (docs/model-dhdrl.md 4.6); the defaults are the corrected model.
  std::string accuracy_sinr_scale = "db";  // "linear": the linear SINR indexes the dB table
  std::string rate_model = "ksuts";        // "reference": Phi in suts/s against Phi_req in ksuts/s
  // "reference": row k + 1 (header row eaten) and the column argument truncated (paper mode).
  std::string accuracy_indexing = "semra";
  // [requirements] docs/model-dhdrl.md 1, part 3
  semantic::RequirementDistribution requirements;
  int redraw_period_slots = 0;        // 0: every high-level epoch; -1: never; N > 0: every N slots
  bool requirements_observed = true;  // false (reference defect): zero in the observations
  // [hierarchy] docs/model-dhdrl.md 1, parts 4-5
  int epoch_slots = 20;  // T_H
  std::string split = "paper";
  std::string high_reward = "neighbourhood";
  int neighbours = 6;           // U
  bool codeword_gains = false;  // observations include my UT's gain for every codeword
  // Levers measured in docs/reproduction.md; the defaults are the model of docs/model-dhdrl.md.
  std::string observation = "semra";                 // "reference": the reference code's encoding
  std::string rewards = "semra";                     // "reference": the reference loop's rewards
  std::string high_epsilon_decay = "learning_step";  // "epoch": one step per high decision
  int high_learn_every_slots = 1;                    // the high level learns every N slots
  // Paper mode (configs/dhdrl-paper.toml, docs/model-dhdrl.md section 7): the authors' code.
  int low_explore_actions = 0;        // N > 0: low-level exploration over the first N actions
  std::string low_episode = "epoch";  // "continuing": low-level transitions never terminal
  std::string ddrl_beam = "choose";   // "fixed": ddrl keeps a codeword drawn at the start
  std::string greedy_mode = "semra";  // "reference": greedy.py against the stored modules
  // [learning] docs/model-dhdrl.md 1, part 6
  std::vector<double> hidden = {64, 32};
  std::string optimizer = "rmsprop";
  double lr = 5e-4;
  double lr_decay =
      0.0;  // reference: 1e-4 (Keras decay); 0 reproduces the ordering, docs/model-dhdrl.md
  double gamma_high = 0.5;
  double gamma_low = 0.5;
  int replay_capacity = 500;
  int batch_size = 8;
  int target_sync_steps = 100;
  int learning_starts_slots = 256;
  double epsilon_start = 0.6;
  double epsilon_decay = 1e-4;
  double epsilon_min = 0.01;
  bool double_dqn = false;
  std::string loss = "mse";
  // [continuous] dhdrl-continuous (TD3)
  double actor_lr = 1e-3;
  double critic_lr = 1e-3;
  double tau = 0.005;
  double exploration_noise =
      0.2;  // std of the Gaussian action noise, in units of the [-1,1] action
  double target_noise = 0.2;
  double target_noise_clip = 0.5;
  int policy_delay = 2;
  // [ppo] ippo, mappo (both levels) and ippo-flat, mappo-flat (rl/ppo_settings.hpp): MAPPO's
  // recommended settings with the paper's discount (ppo_defaults(), docs/decisions.md).
  rl::PpoSettings ppo = ppo_defaults();
  int ppo_rollout_slots = 200;       // low level and single level: slots per rollout
  int ppo_high_rollout_epochs = 20;  // high level: epochs (decisions) per rollout
  static rl::PpoSettings ppo_defaults();
  // [oracle]
  int oracle_sweeps = 2;
  // [train] / [eval] / [output]
  std::int64_t train_slots = 100000;
  bool train_enabled = true;
  std::string eval_load;  // directory of saved models
  int record_every_slots = 1;

  // The trace of channel.source = "trace", read and checked against the network once (by
  // check_input_files, or at the first call) and shared by every copy of this config and every
  // environment built from it; null with channel.source = "model".
  std::shared_ptr<const radio::ChannelTrace> trace() const;
  // A trace already in memory and checked (Python's channels=array, benchmarks): channel.source =
  // "trace" with no file (channel.trace stays empty).
  void set_trace(std::shared_ptr<const radio::ChannelTrace> trace);
  // network.layout's file, read and checked against the network once; null for "hex".
  std::shared_ptr<const radio::Layout> site_layout() const;

  int num_cells() const { return cells > 0 ? cells : 1 + 3 * rings * (rings + 1); }

  void describe(ConfigSchema& s) override;
  void validate() const override;
  void check_input_files() const override;
  std::unique_ptr<ConfigBase> clone() const override { return std::make_unique<Config>(*this); }

 private:
  mutable std::shared_ptr<const radio::ChannelTrace> trace_;
  mutable std::string trace_key_;  // what trace_ was read for (path and network shape)
  mutable std::shared_ptr<const radio::Layout> layout_;
  mutable std::string layout_key_;
};

}  // namespace semra::dhdrl
