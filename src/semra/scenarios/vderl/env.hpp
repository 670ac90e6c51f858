#pragma once
// The vderl frame environment (docs/model-vderl.md 1-2): V servers allocate Q OFDMA RBs to the
// users of their service areas, one RB per step, all servers simultaneously and without seeing each
// other's choices ("sequential RB decomposition"). A frame is one episode of Q steps; after each
// step the reward is the change of eq. (12) evaluated on the RBs allocated so far (reward.timing =
// "per_rb"), so the frame's rewards sum to eq. (12); with "frame_end" eq. (12) comes after step Q.
//
// Parallel multi-agent API (PettingZoo-like): reset(rng), observe(v, buf), action_mask(v, buf),
// state(buf) (global state for centralised mixers), step(actions) -> per-agent rewards, done,
// metrics. Nothing is allocated after construction.
//
// Action of server v at step q: 0 = leave RB q unused; i + 1 = give RB q to the i-th user of L_v
// (nearest first). Masked: padding slots and users v already serves this frame (8b: one RB per user
// per server).
//
// Observation of server v at step q (obs_dim = Q + M * kSlotFeatures, M = max users per server):
//   [0, Q):  gamma_v (paper's s_v): 1 for RBs not yet allocated (q' >= q), 0 otherwise
//   per user slot i < M (zeros for padding), beta_v encoded as fixed-size features:
//     valid, free (not yet served by v), ISS-ok (the ISS of its Algorithm-1 selection reaches xi),
//     bits / 1000 (Z(selected) b), (SNR_q dB - 100) / 10 on RB q (no interference: unknown to v),
//     (SNR_q dB - best SNR dB over the RBs not yet allocated) / 10, (areas covering it - 1)/(V -
//     1).
#include <cstdint>
#include <memory>
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/radio/ofdma.hpp"
#include "semra/scenarios/vderl/config.hpp"

namespace semra::vderl {

// One requestable image, reduced to what the network needs: Algorithm 1's selection size and its
// ISS.
struct ImageInfo {
  std::int64_t image_id = 0;
  int triples = 0;
  int selected = 0;  // N^ (Algorithm 1)
  int bits = 0;      // Z(selected) x b (eqs. 2, 5)
  double iss = 0.0;  // eq. (6) of the selected triples when served
  bool iss_ok = false;
};

// Which frames of a run a frame belongs to: a trace may give each set its own gains
// (docs/channels.md: G_rb, G_rb_eval, G_rb_final).
enum class FrameSet { train = 0, eval = 1, final_eval = 2 };

// Where a frame's channel gains h^q_vk come from: the seam for channel sources other than the
// paper's model (measured or ray-traced gains). next_frame sets every gain of `channel` for frame
// `frame` (counted from 0 where the environment's frame stream started) of frame set `set`;
// whatever it draws comes from `frame_rng`, the environment's frame stream, so results depend on
// (config, seed) alone. One source serves every environment of a world (training, evaluation,
// on-policy copies), so it keeps no per-environment state.
class ChannelSource {
 public:
  virtual ~ChannelSource() = default;
  virtual void next_frame(radio::OfdmaChannel& channel, Rng& frame_rng, FrameSet set,
                          std::uint64_t frame) const = 0;
  // True when the gains include the path loss (a trace): the channel is built with unit path gains.
  virtual bool includes_path_loss() const { return false; }
};
// The paper's model (docs/model-vderl.md 1, eqs. (3)-(4)): Rayleigh fading, gamma^q_vk ~ Exp(1)
// for every server, user and RB, over the world's path gains d_vk^-2.
std::shared_ptr<const ChannelSource> model_channels();
// A trace (channel.source = "trace"): frame f of set s replays row f mod frames of traces[s]
// (radio::load_rb_row), and the frame stream skips the fading draws the model would make
// (radio::skip_rb_fading), so the image requests stay those of the model-driven run.
std::shared_ptr<const ChannelSource> trace_channels(
    std::vector<std::shared_ptr<const radio::ChannelTrace>> traces);

// What stays fixed during an experiment: the topology, the image pool and the channel source.
// Shared (read-only) by the training and evaluation environments.
struct World {
  radio::DiscTopology topology;
  std::vector<ImageInfo> images;
  std::shared_ptr<const ChannelSource> channels = model_channels();
};

// Draws the topology (stream "geometry") and builds the image pool (stream "scene-graphs", or the
// configured files). Throws InputError when a service area holds more users than
// network.max_users_per_server, or for bad scene-graph / embeddings files.
std::shared_ptr<const World> make_world(const Config& cfg, std::uint64_t seed);
// The topology part alone (cheap): what the runner checks for every seed before anything runs.
radio::DiscTopology draw_topology(const Config& cfg, std::uint64_t seed);

struct FrameMetrics {
  double total_reward = 0.0;    // eq. (12)
  int users = 0;                // U
  int served = 0;               // users given at least one RB
  int multi = 0;                // users given RBs by more than one server
  int iss_ok_served = 0;        // served users whose ISS reaches xi (eq. 7's event)
  double latency_sum_ms = 0.0;  // sum over served users of T (eq. 5) with their best RB
  double latency_max_ms = 0.0;
};

class Environment {
 public:
  static constexpr int kSlotFeatures = 7;
  static constexpr int kStateUserFeatures = 5;

  Environment(const Config& cfg, std::shared_ptr<const World> world);

  int agents() const { return servers_; }
  int rbs() const { return rbs_; }
  int users() const { return users_; }
  int max_users_per_server() const { return slots_; }
  int obs_dim() const { return rbs_ + slots_ * kSlotFeatures; }
  int num_actions() const { return slots_ + 1; }
  // Global state for QMIX: gamma (Q) + per user [served by anyone, ISS-ok, bits / 1000, best SNR on
  // RB q over the servers covering it (normalised as in the observation), (coverage - 1)/(V - 1)].
  int state_dim() const { return rbs_ + users_ * kStateUserFeatures; }

  // A new frame: the world's channels (ChannelSource; the model: Rayleigh fading of every (server,
  // user, RB)) and one image request per user, drawn from `frame_rng`.
  void reset(Rng& frame_rng);
  // The next reset() draws frame 0 of `set` (a frame stream starts; a trace-driven world replays
  // that set's trace from its first row). Frames are counted per environment.
  void start_frames(FrameSet set) {
    frame_set_ = set;
    frame_ = 0;
  }
  FrameSet frame_set() const { return frame_set_; }
  std::uint64_t frames_drawn() const { return frame_; }
  void set_frames_drawn(std::uint64_t frames) { frame_ = frames; }
  void observe(int agent, float* out) const;
  void action_mask(int agent, std::uint8_t* out) const;
  void state(float* out) const;
  // Applies one action per server for RB step(); throws std::invalid_argument for a masked action.
  void step(const int* actions);

  int step_index() const { return q_; }  // RB allocated by the next step()
  bool done() const { return q_ == rbs_; }
  const float* rewards() const { return rewards_.data(); }  // per server, last step
  float team_reward() const { return team_reward_; }        // sum over servers, last step
  const FrameMetrics& metrics() const { return metrics_; }  // complete when done()

  // Introspection (tests, heuristics).
  const World& world() const { return *world_; }
  const std::vector<int>& area(int v) const {
    return world_->topology.in_area[static_cast<std::size_t>(v)];
  }
  radio::OfdmaChannel& channel() { return channel_; }
  const radio::OfdmaChannel& channel() const { return channel_; }
  int request(int k) const { return requests_[static_cast<std::size_t>(k)]; }
  // Overrides a request after reset() (tests).
  void set_request(int k, int image);
  const int* allocation() const { return alloc_.data(); }  // [q * V + v]
  double rate_bps(int v, int q) const {
    return rate_bps_[static_cast<std::size_t>(q * servers_ + v)];
  }
  // After done(): T (eq. 5, best RB) of user k in the frame, in ms; negative when k was not served.
  double user_latency_ms(int k) const { return user_latency_ms_[static_cast<std::size_t>(k)]; }
  // Latency T (eq. 5) of user k with rate c, in ms.
  double latency_ms(int k, double rate_bps) const;

 private:
  void refresh_features();
  double partial_reward(int v) const;  // eq. (12) term of server v over the RBs allocated so far
  void finish_frame();

  std::shared_ptr<const World> world_;
  int servers_, users_, rbs_, slots_;
  double power_w_, noise_w_, bandwidth_hz_;
  double eta_, rho_, clip_ms_;
  double latency_scale_;  // T in the reward: 1 (ms) or 1e-3 (s)
  bool bare_obs_;         // observation.features = "bare"
  bool per_rb_;

  radio::OfdmaChannel channel_;
  std::vector<int> requests_;            // [k] image index
  std::vector<float> snr_feat_;          // [(v * U + k) * Q + q] normalised SNR dB
  std::vector<float> best_left_feat_;    // [(v * U + k) * Q + q] max over q' >= q of snr_feat_
  std::vector<int> alloc_;               // [q * V + v]
  std::vector<std::uint8_t> served_by_;  // [v * U + k]
  std::vector<std::uint8_t> covers_;     // [v * U + k]: k in L_v
  std::vector<int> count_;               // [k] servers serving k so far
  std::vector<double> rate_bps_;         // [q * V + v]
  std::vector<double> partial_;          // [v] eq. (12) so far
  std::vector<float> rewards_;
  std::vector<double> user_latency_ms_;  // [k], set by finish_frame
  float team_reward_ = 0.0f;
  int q_ = 0;
  FrameMetrics metrics_;
  FrameSet frame_set_ = FrameSet::train;
  std::uint64_t frame_ = 0;  // frames drawn since start_frames
};

}  // namespace semra::vderl
