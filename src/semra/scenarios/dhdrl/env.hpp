#pragma once
// The multi-cell semantic downlink of the `dhdrl` scenario (docs/model-dhdrl.md 1, parts 1-5):
// geometry, channels, actions, SINR, QoE and observations: the physics of one slot. Time (epochs,
// slots), the order within a slot, the agents and their rewards are the multi-agent environment's
// (multi_agent.hpp), which is the only caller of the mutators below outside tests and benchmarks.
//
// Links: with users_per_cell = U_c, cell b serves its UTs on U_c orthogonal resource blocks of
// bandwidth W each (UT j of every cell uses RB j), so RB j forms an independent interference layer
// of `cells` links. Link i = b * U_c + j. Each link has its own agents and its own power (P_max /
// U_c per RB at the top level, so a BS never exceeds P_max) and codeword. With U_c = 1 (the paper)
// a link is a BS. No allocation after reset().
#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/core/serialize.hpp"
#include "semra/core/work_team.hpp"
#include "semra/radio/antenna.hpp"
#include "semra/radio/channel_trace.hpp"
#include "semra/radio/geometry.hpp"
#include "semra/radio/multipath.hpp"
#include "semra/scenarios/dhdrl/config.hpp"
#include "semra/semantic/deepsc.hpp"
#include "semra/semantic/qoe.hpp"

namespace semra::dhdrl {

// What a BS can measure at one instant (under the channel and actions of that instant).
struct Measurements {
  void save(StateWriter& w) const;
  void load(StateReader& r);

  std::vector<double> gain;  // [link] |h w|^2 of the serving channel with the link's codeword
  std::vector<double> rx_w;  // [link * cells + bs] power received at the link's UT from bs (its RB)
  std::vector<double> in_w;  // [link] interference plus noise
  std::vector<double> sinr;  // [link] linear
  std::vector<double> qoe;   // [link] QoE of the last evaluated slot
  std::vector<double> codeword;  // [link] codeword in force (reference observation encoding)
};

// The DeepSC accuracy model of a config: semantic.accuracy_csv, or the built-in one when empty.
std::shared_ptr<const semantic::AccuracyModel> accuracy_model(const Config& config);

class Environment {
 public:
  Environment(const Config& config, std::shared_ptr<const semantic::AccuracyModel> accuracy);

  // New topology, shadowing, AoDs, fading, requirements and actions (every link: codeword 0, full
  // power, k = K/2) from streams of `seed`; then measure().
  void reset(std::uint64_t seed);
  // The same, drawing from where the streams of the last reset stopped (a new deployment).
  void reset_continue();

  int links() const { return links_; }
  int cells() const { return cells_; }
  int neighbours() const { return neighbours_; }  // U, capped at cells - 1
  int codewords() const { return codewords_; }
  int power_levels() const { return power_levels_; }
  int max_k() const { return max_k_; }
  const Config& config() const { return config_; }
  int cell_of(int link) const { return link / users_per_cell_; }
  int layer_of(int link) const { return link % users_per_cell_; }
  int link_of(int cell, int layer) const { return cell * users_per_cell_ + layer; }
  // Positions (metres): BS of a cell, UT of a link in the current episode.
  radio::Point bs_position(int cell) const { return bs_[cell]; }
  radio::Point ut_position(int link) const { return ut_[link]; }

  // ---- actions
  void set_beam(int link, int codeword, int power_level) {
    codeword_[link] = codeword;
    power_level_[link] = power_level;
    power_w_[link] = level_power_w_[power_level];
  }
  void set_k(int link, double k) { k_[link] = k; }
  int codeword(int link) const { return codeword_[link]; }
  int power_level(int link) const { return power_level_[link]; }
  double power_w(int link) const { return power_w_[link]; }
  double level_power_w(int level) const { return level_power_w_[level]; }
  double k(int link) const { return k_[link]; }

  // ---- dynamics
  // Measurements of the current channel under the current actions into now(); the previous ones
  // move to prev(). Call once per slot, after advance().
  void begin_slot();
  // Re-measure now() after actions changed mid-slot (high level at an epoch start).
  void remeasure();
  // SINR and QoE of this slot with the current actions and channel.
  void evaluate();
  // One slot of fading.
  void advance();
  // Threads of the experiment for the fading and the measurements (null: the calling thread
  // only; not owned). Results are the same at any team size.
  void set_team(WorkTeam* team) { team_ = team; }
  void redraw_requirements();

  // Checkpoints: everything that changes after reset() (fading and requirement streams, fading,
  // requirements, actions, measurements, the last evaluation). load_state needs an environment
  // reset() with the same config and seed (topology, shadowing and AoDs are redrawn identically).
  void save_state(StateWriter& w) const;
  void load_state(StateReader& r);

  const Measurements& now() const { return now_; }
  const Measurements& prev() const { return prev_; }

  // ---- results of the last evaluate()
  double sinr(int link) const { return sinr_[link]; }
  double sinr_db(int link) const;
  double qoe(int link) const { return parts_[link].qoe; }
  double g_r(int link) const { return parts_[link].g_r; }
  double g_a(int link) const { return parts_[link].g_a; }
  double rate_ksuts(int link) const { return rate_[link]; }
  double accuracy(int link) const { return acc_[link]; }
  const semantic::Requirement& requirement(int link) const { return req_[link]; }
  // The U links (same RB) at whose UTs this link's BS arrived strongest in the last evaluate().
  void most_interfered_now(int link, int* out) const { most_interfered(eval_, link, out); }

  // ---- models for heuristics (greedy, oracle)
  // |h w_c|^2 of BS tx at the UT of cell rx in UT layer `layer` this slot, from the model or the
  // trace (channel.source).
  double gain(int layer, int tx, int rx, int codeword) const {
    return trace_ ? trace_channel_[layer].gain(tx, rx, codeword)
                  : channel_[layer].gain(tx, rx, codeword);
  }
  bool trace_driven() const { return trace_ != nullptr; }
  // The model's channel of a UT layer (channel.source = "model" only: tests, diagnostics).
  const radio::MultipathChannel& channel(int layer) const { return channel_[layer]; }
  // Exporting (semra export-channels): after every later channel draw of the model (reset,
  // reset_continue, advance) the gains of every codeword are appended to `g`
  // (radio::append_beam_row); null stops.
  void record_channels(radio::ChannelTrace* g) { recorder_ = g; }
  double noise_w() const { return noise_w_; }
  // QoE of `link`'s UT if served with k at the given SINR (continuous k interpolates rows).
  semantic::QoeParts qoe_at(int link, double k, double sinr) const;
  // Best integer k in [1, K] for `link` at `sinr`; returns its QoE.
  double best_k(int link, double sinr, int* k_out) const;

  // ---- observations (docs/model-dhdrl.md 1, part 4); sizes are fixed for a given C and U,
  // whatever the number of cells
  int local_obs_dim() const { return local_dim_; }
  int high_obs_dim() const { return local_dim_ + neighbours_ * kNeighbourFeatures; }
  int low_obs_dim() const { return high_obs_dim() + 1; }
  // `old`: measurements one step (slot for the low level, epoch for the high level) earlier.
  // slots_left >= 0 adds the low level's "slots left in the epoch" feature (low_obs_dim).
  // with_neighbours = false zeroes the neighbour part (dhdrl-ns).
  void observe(int link, const Measurements& old, int slots_left, bool with_neighbours,
               float* out) const;
  // The local part alone (local_obs_dim floats, +1 with slots_left >= 0); returns the end.
  float* observe_local(int link, const Measurements& old, int slots_left, float* out) const;

  static constexpr int kNeighbourFeatures = 8;  // 5 per interferer + 3 per interfered UT

  // The reference code's encoding (hierarchy.observation = "reference", docs/reproduction.md):
  // 8 local floats + per interferer 4 now and 4 one step old + per interfered UT 3, the same for
  // both levels and ddrl (no slots-left feature), its fixed linear divisors kept on purpose.
  int reference_obs_dim() const { return 8 + neighbours_ * kReferenceNeighbourFeatures; }
  void observe_reference(int link, const Measurements& old, bool with_neighbours, float* out) const;
  static constexpr int kReferenceNeighbourFeatures = 11;

 private:
  // Topology, channels, actions and requirements of a new episode from the member streams.
  void draw_episode();
  // The trace's row of run step channel_step_ into every layer's trace channel.
  void seek_trace();
  void compute_radio(Measurements& m) const;
  template <class Channels>
  void compute_radio(Measurements& m, const Channels& channels) const;
  // Accuracy lookup argument for a linear SINR: its dB value (docs/model-dhdrl.md 1, part 3), or,
  // with semantic.accuracy_sinr_scale = "linear", the linear value itself (a reference defect, on
  // purpose). Clamped to the table by AccuracyModel.
  double accuracy_arg(double sinr) const;
  // xi(k) at a lookup argument (semantic.accuracy_indexing decides the row).
  double accuracy_of(double k, double arg) const;
  // Phi in ksuts/s (docs/model-dhdrl.md 1, part 3); x 1000 with semantic.rate_model = "reference"
  // (reference defect: suts/s compared with a requirement in ksuts/s).
  double rate_of(double k) const {
    return semantic::semantic_rate_ksuts(config_.bandwidth_hz, config_.units_per_word, k) *
           rate_scale_;
  }
  // Indices of the `neighbours_` other-cell BSs with the largest rx power at `link`'s UT (desc.).
  void strongest_interferers(const Measurements& m, int link, int* out) const;
  // Links (same RB) at whose UTs `link`'s BS arrives strongest (desc.).
  void most_interfered(const Measurements& m, int link, int* out) const;

  Config config_;
  std::shared_ptr<const semantic::AccuracyModel> accuracy_model_;
  int cells_ = 0, users_per_cell_ = 1, links_ = 0, neighbours_ = 0;
  int codewords_ = 0, power_levels_ = 0, max_k_ = 0, local_dim_ = 0;
  double noise_w_ = 0.0, p_max_w_ = 0.0;
  bool linear_sinr_accuracy_ = false;  // reference defect switches (Config, docs 4.6)
  bool reference_indexing_ = false;    // semantic.accuracy_indexing = "reference"
  double rate_scale_ = 1.0;
  radio::DftCodebook codebook_;
  std::vector<double> level_power_w_;
  std::vector<radio::Point> bs_;
  std::vector<radio::Point> ut_;                  // [link]
  std::shared_ptr<const radio::Layout> layout_;   // network.layout's file; null: hex
  std::vector<radio::MultipathChannel> channel_;  // [layer]: tx = cells, rx = cells
  // channel.source = "trace": the trace (shared by every environment of the run), its channel per
  // layer and the run step it is at (0 at reset(seed), +1 at every later draw).
  std::shared_ptr<const radio::ChannelTrace> trace_;
  std::vector<radio::MisoTraceChannel> trace_channel_;  // [layer]
  std::uint64_t channel_step_ = 0;
  radio::ChannelTrace* recorder_ = nullptr;
  Rng topology_rng_, shadowing_rng_, aod_rng_, fading_rng_, requirements_rng_;
  WorkTeam* team_ = nullptr;
  std::vector<semantic::Requirement> req_;
  std::vector<int> codeword_, power_level_;
  std::vector<double> power_w_, k_;
  Measurements now_, prev_, eval_;
  std::vector<double> sinr_, rate_, acc_;
  std::vector<semantic::QoeParts> parts_;
};

}  // namespace semra::dhdrl
