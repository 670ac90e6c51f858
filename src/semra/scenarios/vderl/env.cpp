#include "semra/scenarios/vderl/env.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "semra/core/error.hpp"
#include "semra/core/stop.hpp"
#include "semra/radio/units.hpp"
#include "semra/semantic/embeddings.hpp"
#include "semra/semantic/iss.hpp"
#include "semra/semantic/scene_graph.hpp"

namespace semra::vderl {

namespace {

ImageInfo summarise(const semantic::SceneGraph& g, const std::vector<double>& image_vec,
                    const std::vector<const std::vector<double>*>& triple_vecs_in_order,
                    const semantic::Selection& sel, const Config& cfg) {
  ImageInfo info;
  info.image_id = g.image_id;
  info.triples = static_cast<int>(g.triples.size());
  info.selected = sel.count;
  info.bits = sel.letters * cfg.bits_per_letter;
  const std::vector<const std::vector<double>*> sent(triple_vecs_in_order.begin(),
                                                     triple_vecs_in_order.begin() + sel.count);
  info.iss = semantic::iss(sent, image_vec);
  info.iss_ok = info.iss >= cfg.xi;
  return info;
}

}  // namespace

radio::DiscTopology draw_topology(const Config& cfg, std::uint64_t seed) {
  radio::DiscGeometry geo;
  geo.servers = cfg.servers;
  geo.users = cfg.users;
  geo.area_radius_m = cfg.area_radius_m;
  geo.server_ring_radius_m = cfg.server_ring_radius_m;
  geo.service_radius_m = cfg.service_radius_m;
  geo.min_distance_m = cfg.min_distance_m;
  Rng geometry_rng(seed, "geometry");
  radio::DiscTopology topology;
  if (const auto site = cfg.site_layout()) {
    // A site's layout: the same positions for every seed (docs/channels.md "Layout files").
    topology = radio::disc_topology_of(site->bs, site->ut, geo);
  } else {
    try {
      topology = radio::draw_disc_topology(geo, geometry_rng);
    } catch (const std::invalid_argument&) {
      throw InputError(
          "network.service_radius_m: no service area reaches into the network area "
          "(check network.server_ring_radius_m and network.area_radius_m)");
    }
  }
  for (int v = 0; v < cfg.servers; ++v) {
    const auto n = topology.in_area[static_cast<std::size_t>(v)].size();
    if (n > static_cast<std::size_t>(cfg.max_users_per_server))
      throw InputError("network.max_users_per_server (" + std::to_string(cfg.max_users_per_server) +
                       ") is below the " + std::to_string(n) + " users in server " +
                       std::to_string(v) + "'s service area (seed " + std::to_string(seed) +
                       "); raise it");
  }
  return topology;
}

namespace {

class ModelChannels final : public ChannelSource {
 public:
  void next_frame(radio::OfdmaChannel& channel, Rng& frame_rng, FrameSet /*set*/,
                  std::uint64_t /*frame*/) const override {
    channel.draw_fading(frame_rng);
  }
};

class TraceChannels final : public ChannelSource {
 public:
  explicit TraceChannels(std::vector<std::shared_ptr<const radio::ChannelTrace>> traces)
      : traces_(std::move(traces)) {}
  void next_frame(radio::OfdmaChannel& channel, Rng& frame_rng, FrameSet set,
                  std::uint64_t frame) const override {
    radio::skip_rb_fading(frame_rng, channel);
    radio::load_rb_row(*traces_[static_cast<std::size_t>(set)], frame, channel);
  }
  bool includes_path_loss() const override { return true; }

 private:
  std::vector<std::shared_ptr<const radio::ChannelTrace>> traces_;  // [FrameSet]
};

}  // namespace

std::shared_ptr<const ChannelSource> model_channels() {
  static const auto model = std::make_shared<const ModelChannels>();
  return model;
}

std::shared_ptr<const ChannelSource> trace_channels(
    std::vector<std::shared_ptr<const radio::ChannelTrace>> traces) {
  if (traces.size() != 3) throw std::invalid_argument("trace_channels: expected 3 frame sets");
  return std::make_shared<const TraceChannels>(std::move(traces));
}

std::shared_ptr<const World> make_world(const Config& cfg, std::uint64_t seed) {
  auto world = std::make_shared<World>();
  world->topology = draw_topology(cfg, seed);
  if (cfg.channel_source == "trace") world->channels = trace_channels(cfg.traces());

  // Images: Algorithm 1 and ISS (eq. 6) are properties of the image alone, so they are computed
  // once here; a frame only draws which image each user requests.
  if (cfg.scene_graphs.empty()) {
    Rng sg_rng(seed, "scene-graphs");
    const semantic::SyntheticSceneGraphOptions opt{cfg.min_triples, cfg.max_triples, cfg.mu_min};
    // The encoder is a fixed "model": the same for every seed (and for `semra semantic`).
    const semantic::SyntheticEncoder enc(cfg.encoder_dim, semantic::SyntheticEncoder::kDefaultSeed,
                                         cfg.encoder_noise);
    for (int i = 0; i < cfg.images; ++i) {
      // Up to 10^6 images of 10^3 triples: minutes of work that SIGINT/SIGTERM must stop (one
      // relaxed atomic load per image).
      throw_if_stopped();
      const auto g = semantic::generate_scene_graph(sg_rng, i, opt);
      const auto beta = semantic::triple_scores(g);
      const auto sel = semantic::select_triples(g, beta, cfg.xi);
      std::vector<std::vector<double>> vecs;
      for (const int n : sel.order)
        vecs.push_back(enc.triple(g.triples[static_cast<std::size_t>(n)]));
      std::vector<const std::vector<double>*> ptrs;
      for (const auto& v : vecs) ptrs.push_back(&v);
      world->images.push_back(summarise(g, enc.image(g), ptrs, sel, cfg));
    }
  } else {
    const auto graphs = semantic::load_scene_graphs(cfg.scene_graphs);
    semantic::Embeddings emb;
    const bool from_file = !cfg.embeddings.empty();
    if (from_file) {
      emb = semantic::load_embeddings(cfg.embeddings);
      emb.require(graphs, cfg.embeddings);
    }
    const semantic::SyntheticEncoder enc(cfg.encoder_dim, semantic::SyntheticEncoder::kDefaultSeed,
                                         cfg.encoder_noise);
    for (std::size_t i = 0; i < graphs.size(); ++i) {
      throw_if_stopped();
      const auto& g = graphs[i];
      const auto beta = semantic::triple_scores(g);
      const auto sel = semantic::select_triples(g, beta, cfg.xi);
      std::vector<std::vector<double>> vecs;
      std::vector<const std::vector<double>*> ptrs;
      if (from_file) {
        for (const int n : sel.order)
          ptrs.push_back(emb.triple(g.triples[static_cast<std::size_t>(n)]));
        world->images.push_back(summarise(g, *emb.image(g.image_id), ptrs, sel, cfg));
      } else {
        for (const int n : sel.order)
          vecs.push_back(enc.triple(g.triples[static_cast<std::size_t>(n)]));
        for (const auto& v : vecs) ptrs.push_back(&v);
        world->images.push_back(summarise(g, enc.image(g), ptrs, sel, cfg));
      }
    }
  }
  return world;
}

// ---------------------------------------------------------------------------------------------------

Environment::Environment(const Config& cfg, std::shared_ptr<const World> world)
    : world_(std::move(world)),
      servers_(cfg.servers),
      users_(cfg.users),
      rbs_(cfg.rbs),
      slots_(cfg.max_users_per_server),
      power_w_(cfg.power_w),
      noise_w_(cfg.noise_w()),
      bandwidth_hz_(cfg.rb_bandwidth_hz),
      eta_(cfg.eta),
      rho_(cfg.rho),
      clip_ms_(cfg.latency_clip_ms),
      latency_scale_(cfg.latency_unit == "s" ? 1e-3 : 1.0),
      bare_obs_(cfg.observation == "bare"),
      per_rb_(cfg.timing == "per_rb"),
      // A trace's gains include the path loss: unit distances (d^-2 = 1 exactly,
      // radio::load_rb_row).
      channel_(cfg.servers, cfg.users, cfg.rbs,
               world_->channels->includes_path_loss()
                   ? std::vector<double>(static_cast<std::size_t>(cfg.servers) * cfg.users, 1.0)
                   : world_->topology.distance_m) {
  const auto VU = static_cast<std::size_t>(servers_) * users_;
  requests_.assign(static_cast<std::size_t>(users_), 0);
  snr_feat_.assign(VU * rbs_, 0.0f);
  best_left_feat_.assign(VU * rbs_, 0.0f);
  alloc_.assign(static_cast<std::size_t>(rbs_) * servers_, radio::kNoUser);
  served_by_.assign(VU, 0);
  covers_.assign(VU, 0);
  for (int v = 0; v < servers_; ++v)
    for (const int k : world_->topology.in_area[static_cast<std::size_t>(v)])
      covers_[static_cast<std::size_t>(v) * users_ + k] = 1;
  count_.assign(static_cast<std::size_t>(users_), 0);
  rate_bps_.assign(static_cast<std::size_t>(rbs_) * servers_, 0.0);
  partial_.assign(static_cast<std::size_t>(servers_), 0.0);
  rewards_.assign(static_cast<std::size_t>(servers_), 0.0f);
  user_latency_ms_.assign(static_cast<std::size_t>(users_), -1.0);
  q_ = rbs_;  // no frame yet: step() before reset() is an error
}

void Environment::reset(Rng& frame_rng) {
  world_->channels->next_frame(channel_, frame_rng, frame_set_, frame_++);
  const int n_images = static_cast<int>(world_->images.size());
  for (auto& r : requests_) r = frame_rng.uniform_int(n_images);
  refresh_features();
  std::fill(alloc_.begin(), alloc_.end(), radio::kNoUser);
  std::fill(served_by_.begin(), served_by_.end(), std::uint8_t{0});
  std::fill(count_.begin(), count_.end(), 0);
  std::fill(rate_bps_.begin(), rate_bps_.end(), 0.0);
  std::fill(partial_.begin(), partial_.end(), 0.0);
  std::fill(rewards_.begin(), rewards_.end(), 0.0f);
  team_reward_ = 0.0f;
  q_ = 0;
  metrics_ = FrameMetrics{};
}

void Environment::set_request(int k, int image) {
  if (image < 0 || image >= static_cast<int>(world_->images.size()))
    throw std::invalid_argument("set_request: no such image");
  requests_[static_cast<std::size_t>(k)] = image;
}

void Environment::refresh_features() {
  // SNR without interference, P h / (W N0), in dB, centred at 100 dB and scaled by 1/10 so typical
  // values (about 80-120 dB over the service areas) land in [-2, 2].
  const double snr0_db = radio::linear_to_db(power_w_ / noise_w_);
  for (int v = 0; v < servers_; ++v)
    for (int k = 0; k < users_; ++k) {
      float* f = &snr_feat_[(static_cast<std::size_t>(v) * users_ + k) * rbs_];
      float* b = &best_left_feat_[(static_cast<std::size_t>(v) * users_ + k) * rbs_];
      for (int q = 0; q < rbs_; ++q) {
        const double g = std::max(channel_.gain(v, k, q), 1e-300);
        const double snr_db = snr0_db + 10.0 * std::log10(g);
        f[q] = static_cast<float>(std::clamp((snr_db - 100.0) / 10.0, -4.0, 4.0));
      }
      float best = -1e30f;
      for (int q = rbs_ - 1; q >= 0; --q) b[q] = best = std::max(best, f[q]);
    }
}

void Environment::observe(int v, float* out) const {
  for (int q = 0; q < rbs_; ++q) out[q] = q >= q_ ? 1.0f : 0.0f;  // gamma_v
  const auto& area = world_->topology.in_area[static_cast<std::size_t>(v)];
  const int q = std::min(q_, rbs_ - 1);
  const float cover_norm = servers_ > 1 ? 1.0f / static_cast<float>(servers_ - 1) : 0.0f;
  float* s = out + rbs_;
  for (int i = 0; i < slots_; ++i, s += kSlotFeatures) {
    if (i >= static_cast<int>(area.size())) {
      std::fill(s, s + kSlotFeatures, 0.0f);
      continue;
    }
    const int k = area[static_cast<std::size_t>(i)];
    const ImageInfo& img =
        world_->images[static_cast<std::size_t>(requests_[static_cast<std::size_t>(k)])];
    const std::size_t vk = static_cast<std::size_t>(v) * users_ + k;
    s[0] = 1.0f;
    s[1] = served_by_[vk] ? 0.0f : 1.0f;
    s[2] = img.iss_ok ? 1.0f : 0.0f;
    s[3] = static_cast<float>(img.bits) * 1e-3f;
    s[4] = snr_feat_[vk * rbs_ + q];
    s[5] = std::max(snr_feat_[vk * rbs_ + q] - best_left_feat_[vk * rbs_ + q], -3.0f);
    s[6] =
        static_cast<float>(world_->topology.coverage[static_cast<std::size_t>(k)] - 1) * cover_norm;
    if (bare_obs_) s[2] = s[6] = 0.0f;  // the paper's s_v: requirement and channel only
  }
}

void Environment::action_mask(int v, std::uint8_t* out) const {
  const auto& area = world_->topology.in_area[static_cast<std::size_t>(v)];
  out[0] = 1;  // leaving the RB unused is always allowed
  for (int i = 0; i < slots_; ++i) {
    const bool valid =
        i < static_cast<int>(area.size()) &&
        !served_by_[static_cast<std::size_t>(v) * users_ + area[static_cast<std::size_t>(i)]];
    out[i + 1] = valid ? 1 : 0;
  }
}

void Environment::state(float* out) const {
  for (int q = 0; q < rbs_; ++q) out[q] = q >= q_ ? 1.0f : 0.0f;
  const int q = std::min(q_, rbs_ - 1);
  const float cover_norm = servers_ > 1 ? 1.0f / static_cast<float>(servers_ - 1) : 0.0f;
  float* s = out + rbs_;
  for (int k = 0; k < users_; ++k, s += kStateUserFeatures) {
    const ImageInfo& img =
        world_->images[static_cast<std::size_t>(requests_[static_cast<std::size_t>(k)])];
    float best = -4.0f;
    for (int v = 0; v < servers_; ++v) {  // only servers whose area holds k can serve it
      const std::size_t vk = static_cast<std::size_t>(v) * users_ + k;
      if (covers_[vk]) best = std::max(best, snr_feat_[vk * rbs_ + q]);
    }
    s[0] = count_[static_cast<std::size_t>(k)] > 0 ? 1.0f : 0.0f;
    s[1] = img.iss_ok ? 1.0f : 0.0f;
    s[2] = static_cast<float>(img.bits) * 1e-3f;
    s[3] = best;
    s[4] =
        static_cast<float>(world_->topology.coverage[static_cast<std::size_t>(k)] - 1) * cover_norm;
  }
}

double Environment::latency_ms(int k, double rate_bps) const {
  const ImageInfo& img =
      world_->images[static_cast<std::size_t>(requests_[static_cast<std::size_t>(k)])];
  return 1e3 * static_cast<double>(img.bits) / rate_bps;  // eq. (5)
}

double Environment::partial_reward(int v) const {
  // eq. (12), server v's term, over the RBs allocated so far: each of its users served by no other
  // server earns eta 1{ISS >= xi} - T (eq. 11); each user another server also serves costs rho.
  double r = 0.0;
  for (int q = 0; q < q_; ++q) {
    const int k = alloc_[static_cast<std::size_t>(q * servers_ + v)];
    if (k == radio::kNoUser) continue;
    if (count_[static_cast<std::size_t>(k)] > 1) {
      r += rho_;
      continue;
    }
    const ImageInfo& img =
        world_->images[static_cast<std::size_t>(requests_[static_cast<std::size_t>(k)])];
    double t_ms = latency_ms(k, rate_bps_[static_cast<std::size_t>(q * servers_ + v)]);
    if (clip_ms_ > 0.0) t_ms = std::min(t_ms, clip_ms_);
    r += (img.iss_ok ? eta_ : 0.0) - latency_scale_ * t_ms;
  }
  return r;
}

void Environment::step(const int* actions) {
  if (q_ >= rbs_) throw std::logic_error("vderl::Environment::step: frame is over (call reset)");
  // Every action is checked before any is applied: a rejected step leaves the frame unchanged.
  for (int v = 0; v < servers_; ++v) {
    const int a = actions[v];
    const auto& area = world_->topology.in_area[static_cast<std::size_t>(v)];
    if (a < 0 || a > slots_)
      throw std::invalid_argument("server_" + std::to_string(v) + ": action " + std::to_string(a) +
                                  " out of range [0, " + std::to_string(slots_) + "]");
    if (a > static_cast<int>(area.size()))
      throw std::invalid_argument("server_" + std::to_string(v) + ": action " + std::to_string(a) +
                                  " is masked (a padding slot: " + std::to_string(area.size()) +
                                  " users in its area)");
    if (a > 0 &&
        served_by_[static_cast<std::size_t>(v) * users_ + area[static_cast<std::size_t>(a - 1)]])
      throw std::invalid_argument("server_" + std::to_string(v) + ": action " + std::to_string(a) +
                                  " is masked (it already serves that user this frame)");
  }
  int* aq = &alloc_[static_cast<std::size_t>(q_ * servers_)];
  for (int v = 0; v < servers_; ++v) {
    const int a = actions[v];
    if (a == 0) {
      aq[v] = radio::kNoUser;
      continue;
    }
    const int k =
        world_->topology.in_area[static_cast<std::size_t>(v)][static_cast<std::size_t>(a - 1)];
    aq[v] = k;
    served_by_[static_cast<std::size_t>(v) * users_ + k] = 1;
    ++count_[static_cast<std::size_t>(k)];
  }
  // Rates on RB q: interference from every server transmitting on it (eq. 4).
  for (int v = 0; v < servers_; ++v) {
    const int k = aq[v];
    rate_bps_[static_cast<std::size_t>(q_ * servers_ + v)] =
        k == radio::kNoUser ? 0.0
                            : radio::shannon_rate_bps(
                                  bandwidth_hz_, channel_.sinr(v, k, q_, aq, power_w_, noise_w_));
  }
  ++q_;
  team_reward_ = 0.0f;
  for (int v = 0; v < servers_; ++v) {
    const double now = partial_reward(v);
    double r = 0.0;
    if (per_rb_) {
      r = now - partial_[static_cast<std::size_t>(v)];
    } else if (q_ == rbs_) {
      r = now;
    }
    partial_[static_cast<std::size_t>(v)] = now;
    rewards_[static_cast<std::size_t>(v)] = static_cast<float>(r);
    team_reward_ += static_cast<float>(r);
  }
  if (q_ == rbs_) finish_frame();
}

void Environment::finish_frame() {
  FrameMetrics& m = metrics_;
  m = FrameMetrics{};
  m.users = users_;
  for (int v = 0; v < servers_; ++v) m.total_reward += partial_[static_cast<std::size_t>(v)];
  for (int k = 0; k < users_; ++k) {
    const int c = count_[static_cast<std::size_t>(k)];
    user_latency_ms_[static_cast<std::size_t>(k)] = -1.0;
    if (c == 0) continue;
    ++m.served;
    if (c > 1) ++m.multi;
    // A user served by several servers uses the best of its RBs (docs/model-vderl.md 1, eq. (5)).
    double best = 0.0;
    for (std::size_t i = 0; i < alloc_.size(); ++i)
      if (alloc_[i] == k) best = std::max(best, rate_bps_[i]);
    const double t = latency_ms(k, best);
    user_latency_ms_[static_cast<std::size_t>(k)] = t;
    m.latency_sum_ms += t;
    m.latency_max_ms = std::max(m.latency_max_ms, t);
    const ImageInfo& img =
        world_->images[static_cast<std::size_t>(requests_[static_cast<std::size_t>(k)])];
    if (img.iss_ok) ++m.iss_ok_served;
  }
}

}  // namespace semra::vderl
