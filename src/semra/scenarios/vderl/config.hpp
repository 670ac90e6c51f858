#pragma once
// Configuration of the `vderl` scenario. Defaults are the paper's Table II values and our
// documented choices where the paper is silent (docs/model-vderl.md 2);
// every key is described (range, unit, help) in describe().
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "semra/core/config.hpp"
#include "semra/radio/channel_trace.hpp"
#include "semra/rl/ppo_settings.hpp"

namespace semra::vderl {

struct Config : ConfigBase {
  // [network] Table II + our geometry (docs/model-vderl.md 2.1)
  int servers = 5;                       // V
  int users = 50;                        // U
  int rbs = 8;                           // Q
  double rb_bandwidth_hz = 2e6;          // W
  double power_w = 1.0;                  // P per RB
  double noise_density_dbm_hz = -174.0;  // N0
  double area_radius_m = 500.0;
  double server_ring_radius_m = 250.0;
  double service_radius_m = 300.0;
  double min_distance_m = 1.0;
  int max_users_per_server = 40;  // observation padding; |L_v| above it is an error
  std::string layout = "disc";    // "disc" or a layout CSV (docs/channels.md "Layout files")
  // [channel] where h^q_vk comes from (docs/channels.md): "model" (eqs. 3-4) or "trace"
  std::string channel_source = "model";
  std::string channel_trace;  // .mat / .npz file: G_rb [, G_rb_eval, G_rb_final]

  // [semantic] (docs/model-vderl.md 2.2)
  double xi = 0.5;           // minimum acceptable ISS, also Algorithm 1's threshold
  double epsilon = 0.9;      // reliability requirement (eq. 7)
  int bits_per_letter = 8;   // b
  std::string scene_graphs;  // VG-layout file; empty = synthetic images
  std::string embeddings;    // embeddings file; empty = synthetic encoder
  int images = 256;          // synthetic image pool size
  int min_triples = 5;
  int max_triples = 30;
  double mu_min = 0.2;
  int encoder_dim = 64;
  double encoder_noise = 1.4;  // about 92% of synthetic images reach xi = 0.5

  // [reward] (eqs. 11-12)
  double eta = 3.0;
  double rho = -3.0;
  std::string timing = "per_rb";  // "per_rb": eq. (12) telescoped over the Q steps; "frame_end"
  double latency_clip_ms = 10.0;  // reward only: T is clipped at this value; 0 = no clip
  std::string latency_unit =
      "ms";  // unit of T in eq. (12): "ms" or "s" (a lever of docs/reproduction.md)

  // [observation]
  std::string observation = "full";  // "full" or "bare" (the paper's s_v: no ISS-ok, no coverage)

  // [training] shared by the learners
  int iterations = 100;
  int frames_per_iteration = 16;
  int gradient_steps = 32;  // per iteration
  int eval_frames = 16;  // greedy evaluation frames per iteration (the same frames every iteration)
  int final_eval_frames = 200;
  int learning_starts_frames = 16;
  int batch_size = 128;
  int replay_capacity = 4000;  // transitions (one per RB step)
  std::vector<double> hidden = {64, 64};
  std::string optimizer = "adam";
  double lr = 1e-3;
  double gamma = 0.5;  // discount per RB step within a frame (eq. 14 has none; see docs)
  int target_sync_steps = 50;
  double tau = 0.0;
  double grad_clip = 10.0;
  std::string loss = "mse";
  bool double_q = false;
  double epsilon_start = 1.0;
  double epsilon_end = 0.05;
  double epsilon_iterations = 20.0;  // linear decay over this many iterations
  std::string idqn_reward = "own";   // "own": r_v (spec); "team": r (investigation)

  // [vderl] discrete max-entropy actor-critic (eq. 17)
  double policy_lr = 1e-3;
  double temperature = 1.0;  // delta
  bool auto_temperature = false;
  double target_entropy_scale = 0.3;  // target entropy = scale * log(#valid actions)
  double temperature_lr = 3e-4;
  std::string critic_target = "max";  // "max" (eq. 14), "soft" (SAC soft value)
  std::string greedy = "policy";  // evaluation: argmax pi ("policy", spec) or argmax Q ("critic")
  int policy_updates = 1;         // policy steps per critic step
  double temperature_final = -1;  // >= 0: delta annealed linearly to this over the iterations

  // [qmix]
  int mixing_embed = 32;
  int hypernet_hidden = 64;

  // [ppo] ippo and mappo (rl/ppo_settings.hpp: MAPPO's recommended defaults)
  rl::PpoSettings ppo;

  void describe(ConfigSchema& s) override;
  void validate() const override;
  void check_input_files() const override;
  std::unique_ptr<ConfigBase> clone() const override { return std::make_unique<Config>(*this); }

  // channel.source = "trace": the frames' gains of each frame set (FrameSet order: training,
  // evaluation, final evaluation; the last two fall back to G_rb when the file lacks them), read
  // and checked against the network once (check_input_files or the first call) and shared by every
  // copy of this config; empty with channel.source = "model".
  std::vector<std::shared_ptr<const radio::ChannelTrace>> traces() const;
  // G_rb already in memory and checked (Python's channels=array): channel.source = "trace" with
  // no file, every frame set replaying it.
  void set_traces(std::shared_ptr<const radio::ChannelTrace> g_rb);
  // network.layout's file, read and checked against the network once; null for "disc".
  std::shared_ptr<const radio::Layout> site_layout() const;

  std::vector<int> hidden_sizes() const;
  // Network noise power W N0 in watts.
  double noise_w() const;

 private:
  mutable std::vector<std::shared_ptr<const radio::ChannelTrace>> traces_;
  mutable std::string traces_key_;
  mutable std::shared_ptr<const radio::Layout> layout_;
  mutable std::string layout_key_;
};

}  // namespace semra::vderl
