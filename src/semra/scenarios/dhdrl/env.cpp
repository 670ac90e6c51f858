#include "semra/scenarios/dhdrl/env.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <utility>

#include "semra/radio/units.hpp"

namespace semra::dhdrl {
namespace {

// dB features scaled to O(1): 10 log10(x) / 20, clamped (x is a ratio to the noise power).
inline float db_feature(double ratio) {
  if (!(ratio > 1e-4)) return -2.0f;
  return static_cast<float>(std::clamp(0.5 * std::log10(ratio), -2.0, 5.0));
}

void resize(Measurements& m, int links, int cells) {
  m.gain.assign(links, 0.0);
  m.rx_w.assign(static_cast<std::size_t>(links) * cells, 0.0);
  m.in_w.assign(links, 0.0);
  m.sinr.assign(links, 0.0);
  m.qoe.assign(links, 0.0);
  m.codeword.assign(links, 0.0);
}

}  // namespace

std::shared_ptr<const semantic::AccuracyModel> accuracy_model(const Config& config) {
  return config.accuracy_csv.empty() ? std::make_shared<const semantic::AccuracyModel>()
                                     : std::make_shared<const semantic::AccuracyModel>(
                                           semantic::AccuracyModel::from_csv(config.accuracy_csv));
}

Environment::Environment(const Config& config,
                         std::shared_ptr<const semantic::AccuracyModel> accuracy)
    : config_(config),
      accuracy_model_(std::move(accuracy)),
      codebook_(config.antennas, config.codewords) {
  cells_ = config_.num_cells();
  users_per_cell_ = config_.users_per_cell;
  links_ = cells_ * users_per_cell_;
  neighbours_ = std::min(config_.neighbours, cells_ - 1);
  codewords_ = config_.codewords;
  power_levels_ = config_.power_levels;
  max_k_ = config_.max_k;
  // Reference defects, reproduced on purpose when switched on (docs/model-dhdrl.md 4.6).
  linear_sinr_accuracy_ = config_.accuracy_sinr_scale == "linear";
  reference_indexing_ = config_.accuracy_indexing == "reference";
  rate_scale_ = config_.rate_model == "reference" ? 1000.0 : 1.0;
  noise_w_ = radio::dbm_to_w(config_.noise_dbm);
  p_max_w_ = radio::dbm_to_w(config_.bs_power_dbm) / users_per_cell_;
  level_power_w_.resize(power_levels_);
  for (int l = 0; l < power_levels_; ++l) {
    level_power_w_[l] = p_max_w_ * l / static_cast<double>(power_levels_ - 1);
  }
  local_dim_ = codewords_ + 12 + (config_.codeword_gains ? codewords_ : 0);
  layout_ = config_.site_layout();
  if (layout_) {
    bs_ = layout_->bs;
  } else {
    bs_ = radio::hex_bs_positions(config_.rings, config_.cell_radius_m);
    bs_.resize(cells_);  // network.cells: the first N of the rings' cells
  }
  ut_.resize(links_);
  channel_.resize(users_per_cell_);
  trace_ = config_.trace();
  if (trace_)
    for (int j = 0; j < users_per_cell_; ++j)
      trace_channel_.emplace_back(trace_, codebook_,
                                  radio::dhdrl_layer_uts(cells_, users_per_cell_, j));
  req_.resize(links_);
  codeword_.assign(links_, 0);
  power_level_.assign(links_, power_levels_ - 1);
  power_w_.assign(links_, p_max_w_);
  k_.assign(links_, 1.0);
  resize(now_, links_, cells_);
  resize(prev_, links_, cells_);
  resize(eval_, links_, cells_);
  sinr_.assign(links_, 0.0);
  rate_.assign(links_, 0.0);
  acc_.assign(links_, 0.0);
  parts_.assign(links_, {});
}

void Environment::reset(std::uint64_t seed) {
  topology_rng_ = Rng(seed, "topology");
  shadowing_rng_ = Rng(seed, "shadowing");
  aod_rng_ = Rng(seed, "aod");
  fading_rng_ = Rng(seed, "fading");
  requirements_rng_ = Rng(seed, "requirements");
  channel_step_ = 0;
  draw_episode();
}

void Environment::reset_continue() {
  ++channel_step_;
  draw_episode();
}

void Environment::seek_trace() {
  for (auto& ch : trace_channel_) ch.seek(channel_step_);
}

void Environment::draw_episode() {
  // A layout file's UTs stand where it puts them (UT u = link u: listed cell by cell).
  for (int i = 0; i < links_; ++i) {
    ut_[i] = layout_ ? layout_->ut[static_cast<std::size_t>(i)]
                     : radio::drop_user(topology_rng_, bs_[cell_of(i)], config_.min_distance_m,
                                        config_.cell_radius_m);
  }
  radio::MultipathParams mp;
  mp.paths = config_.paths;
  mp.aod_spread_deg = config_.aod_spread_deg;
  mp.rho = config_.fading_rho;
  mp.shadowing_std_db = config_.shadowing_std_db;
  // channel.reference_innovation reproduces the reference's defect on purpose: innovations of
  // variance 1 after initial gains of variance 1/L (fading power drifts up L-fold).
  mp.innovation_variance = config_.reference_innovation ? 1.0 : 0.0;
  if (layout_) mp.tx_orientation_deg = layout_->bs_orientation_deg;
  if (trace_) {
    // The trace is the channel (path loss, shadowing and fading): the UTs' positions are drawn as
    // the model's (the topology stream), the channel streams stay unused.
    seek_trace();
  } else {
    std::vector<radio::Point> rx(cells_);
    for (int j = 0; j < users_per_cell_; ++j) {
      for (int b = 0; b < cells_; ++b) rx[b] = ut_[link_of(b, j)];
      channel_[j].reset(bs_, rx, codebook_, mp, shadowing_rng_, aod_rng_, fading_rng_);
    }
    if (recorder_) radio::append_beam_row(*recorder_, channel_);
  }
  for (int i = 0; i < links_; ++i) {
    codeword_[i] = 0;
    power_level_[i] = power_levels_ - 1;
    power_w_[i] = p_max_w_;
    k_[i] = std::max(1, max_k_ / 2);
  }
  redraw_requirements();
  std::fill(now_.qoe.begin(), now_.qoe.end(), 0.0);
  compute_radio(now_);
  prev_ = now_;
  for (int i = 0; i < links_; ++i) parts_[i] = {};
}

void Measurements::save(StateWriter& w) const {
  w.tag("measurements");
  for (const auto* v : {&gain, &rx_w, &in_w, &sinr, &qoe, &codeword}) w.vec(*v);
}

void Measurements::load(StateReader& r) {
  r.expect_tag("measurements");
  for (auto* v : {&gain, &rx_w, &in_w, &sinr, &qoe, &codeword}) {
    const std::size_t n = v->size();
    r.vec_into(*v);
    if (v->size() != n) r.fail("measurements of another network size");
  }
}

void Environment::save_state(StateWriter& w) const {
  w.tag("dhdrl-env");
  w.rng(fading_rng_);
  w.rng(requirements_rng_);
  if (trace_)
    w.u64(channel_step_);
  else
    for (const auto& ch : channel_) ch.save_state(w);
  w.vec(req_);
  w.vec(codeword_);
  w.vec(power_level_);
  w.vec(power_w_);
  w.vec(k_);
  now_.save(w);
  prev_.save(w);
  eval_.save(w);
  w.vec(sinr_);
  w.vec(rate_);
  w.vec(acc_);
  w.vec(parts_);
}

void Environment::load_state(StateReader& r) {
  r.expect_tag("dhdrl-env");
  r.rng(fading_rng_);
  r.rng(requirements_rng_);
  if (trace_) {
    channel_step_ = r.u64();
    seek_trace();
  } else {
    for (auto& ch : channel_) ch.load_state(r);
  }
  auto same = [&](auto& v) {
    const std::size_t n = v.size();
    r.vec_into(v);
    if (v.size() != n) r.fail("dhdrl environment state of another network size");
  };
  same(req_);
  same(codeword_);
  same(power_level_);
  same(power_w_);
  same(k_);
  now_.load(r);
  prev_.load(r);
  eval_.load(r);
  same(sinr_);
  same(rate_);
  same(acc_);
  same(parts_);
}

void Environment::redraw_requirements() {
  for (auto& r : req_) r = config_.requirements.draw(requirements_rng_);
}

void Environment::compute_radio(Measurements& m) const {
  if (trace_)
    compute_radio(m, trace_channel_);
  else
    compute_radio(m, channel_);
}

template <class Channels>
void Environment::compute_radio(Measurements& m, const Channels& channels) const {
  // rx_w[u, b] = p_b |h_bu w_b|^2 within u's RB; SINR = rx[u, b_u] / (sum_{b != b_u} rx + sigma^2).
  auto measure = [&](int i) {
    const int layer = layer_of(i);
    const int cell = cell_of(i);
    const auto& ch = channels[layer];
    double* rx = m.rx_w.data() + static_cast<std::size_t>(i) * cells_;
    double in = noise_w_;
    for (int b = 0; b < cells_; ++b) {
      const int tx_link = link_of(b, layer);
      const double p = power_w_[tx_link];
      if (b == cell) {
        m.gain[i] = ch.gain(b, cell, codeword_[tx_link]);
        rx[b] = p * m.gain[i];
      } else {
        rx[b] = p > 0.0 ? p * ch.gain(b, cell, codeword_[tx_link]) : 0.0;
        in += rx[b];
      }
    }
    m.in_w[i] = in;
    m.sinr[i] = rx[cell] / in;
    m.codeword[i] = codeword_[i];
  };
  // Each link writes only its own row: in parts of at least 8 links (~10 us) on the team.
  run_parts(team_, static_cast<std::size_t>(links_), 8, [&](std::size_t first, std::size_t last) {
    for (std::size_t i = first; i < last; ++i) measure(static_cast<int>(i));
  });
}

void Environment::begin_slot() {
  std::swap(now_, prev_);
  for (int i = 0; i < links_; ++i) now_.qoe[i] = parts_[i].qoe;
  compute_radio(now_);
}

void Environment::remeasure() {
  compute_radio(now_);
}

void Environment::advance() {
  if (trace_) {
    ++channel_step_;
    seek_trace();
    return;
  }
  for (auto& ch : channel_) ch.step(fading_rng_, team_);
  if (recorder_) radio::append_beam_row(*recorder_, channel_);
}

double Environment::sinr_db(int link) const {
  return sinr_[link] > 0.0 ? radio::linear_to_db(sinr_[link])
                           : -std::numeric_limits<double>::infinity();
}

double Environment::accuracy_arg(double sinr) const {
  // Reference defect (semantic.accuracy_sinr_scale = "linear"), reproduced on purpose: the
  // reference indexed the dB-gridded DeepSC table with the linear SINR.
  const double arg = linear_sinr_accuracy_ ? sinr
                     : sinr > 0.0          ? radio::linear_to_db(sinr)
                                           : -std::numeric_limits<double>::infinity();
  // semantic.accuracy_indexing = "reference": int(SINR + 10) picks the column (paper mode).
  return reference_indexing_ ? std::floor(arg) : arg;
}

double Environment::accuracy_of(double k, double arg) const {
  // semantic.accuracy_indexing = "reference" (paper mode): the table's first row was eaten as a
  // header, so k reads the row of k + 1, the last row for k >= 19.
  if (reference_indexing_)
    k = std::min(k + 1.0, static_cast<double>(semantic::AccuracyModel::kRows));
  return (k == std::floor(k)) ? accuracy_model_->accuracy(static_cast<int>(k), arg)
                              : accuracy_model_->accuracy_continuous(k, arg);
}

semantic::QoeParts Environment::qoe_at(int link, double k, double sinr) const {
  const double xi = accuracy_of(k, accuracy_arg(sinr));
  return semantic::qoe(req_[link], rate_of(k), xi);
}

double Environment::best_k(int link, double sinr, int* k_out) const {
  const double arg = accuracy_arg(sinr);
  double best = -1.0;
  int best_k = 1;
  for (int k = 1; k <= max_k_; ++k) {
    const double xi = accuracy_of(k, arg);
    const double q = semantic::qoe(req_[link], rate_of(k), xi).qoe;
    if (q > best) best = q, best_k = k;
  }
  if (k_out) *k_out = best_k;
  return best;
}

void Environment::evaluate() {
  compute_radio(eval_);
  for (int i = 0; i < links_; ++i) {
    sinr_[i] = eval_.sinr[i];
    const double k = k_[i];
    acc_[i] = accuracy_of(k, accuracy_arg(sinr_[i]));
    rate_[i] = rate_of(k);
    parts_[i] = semantic::qoe(req_[i], rate_[i], acc_[i]);
  }
}

namespace {

// The `count` candidates with the largest value, ties to the smaller id, in that order: the first
// `count` of a sort by (value desc., id asc.), which is a total order, so the result is unique.
// On the stack (count <= 64, hierarchy.neighbours), so observations of different links can be
// computed at once (the agents' rounds of a slot, WorkTeam).
class TopNeighbours {
 public:
  explicit TopNeighbours(int count) : count_(count) {}
  void offer(double value, int id) {
    if (size_ == count_ && !before(value, id, best_[size_ - 1])) return;
    int j = size_ < count_ ? size_++ : count_ - 1;
    for (; j > 0 && before(value, id, best_[j - 1]); --j) best_[j] = best_[j - 1];
    best_[j] = {value, id};
  }
  void ids(int* out) const {
    for (int n = 0; n < size_; ++n) out[n] = best_[n].second;
  }

 private:
  static bool before(double value, int id, const std::pair<double, int>& b) {
    return value > b.first || (value == b.first && id < b.second);
  }
  std::array<std::pair<double, int>, 64> best_{};
  int count_, size_ = 0;
};

}  // namespace

void Environment::strongest_interferers(const Measurements& m, int link, int* out) const {
  const int cell = cell_of(link);
  const double* rx = m.rx_w.data() + static_cast<std::size_t>(link) * cells_;
  TopNeighbours top(neighbours_);
  for (int b = 0; b < cells_; ++b)
    if (b != cell) top.offer(rx[b], b);
  top.ids(out);
}

void Environment::most_interfered(const Measurements& m, int link, int* out) const {
  const int cell = cell_of(link);
  const int layer = layer_of(link);
  TopNeighbours top(neighbours_);
  for (int b = 0; b < cells_; ++b) {
    if (b == cell) continue;
    const int other = link_of(b, layer);
    top.offer(m.rx_w[static_cast<std::size_t>(other) * cells_ + cell], other);
  }
  top.ids(out);
}

float* Environment::observe_local(int link, const Measurements& old, int slots_left,
                                  float* out) const {
  // Local part (docs/model-dhdrl.md 1, part 4): my power, codeword, k, last QoE, direct gain and
  // interference-plus-noise (current and one step old), the current SINR, my UT's requirements [,
  // slots left in the epoch].
  const Measurements& m = now_;
  const double inv_noise = 1.0 / noise_w_;
  const double full_power = level_power_w_[power_levels_ - 1];
  float* o = out;
  *o++ = static_cast<float>(power_level_[link]) / static_cast<float>(power_levels_ - 1);
  for (int c = 0; c < codewords_; ++c) *o++ = c == codeword_[link] ? 1.0f : 0.0f;
  *o++ = static_cast<float>(k_[link] / max_k_);
  *o++ = static_cast<float>(m.qoe[link]);
  *o++ = static_cast<float>(old.qoe[link]);
  *o++ = db_feature(full_power * m.gain[link] * inv_noise);
  *o++ = db_feature(full_power * old.gain[link] * inv_noise);
  *o++ = db_feature(m.in_w[link] * inv_noise);
  *o++ = db_feature(old.in_w[link] * inv_noise);
  *o++ = m.sinr[link] > 0.0
             ? static_cast<float>(std::clamp(0.5 * std::log10(m.sinr[link]), -2.0, 4.0))
             : -2.0f;
  const semantic::Requirement& r = req_[link];
  if (config_.requirements_observed) {
    *o++ = static_cast<float>(r.w);
    *o++ = static_cast<float>((r.xi_req - 0.85) * 20.0);
    *o++ = static_cast<float>((r.phi_req_ksuts - 60.0) / 10.0);
  } else {
    // Reference defect (requirements.observed = false), reproduced on purpose: the agents never
    // see their UT's requirements; constant zeros keep the observation size.
    *o++ = 0.0f;
    *o++ = 0.0f;
    *o++ = 0.0f;
  }
  if (config_.codeword_gains) {
    const int layer = layer_of(link);
    const int cell = cell_of(link);
    for (int c = 0; c < codewords_; ++c)
      *o++ = db_feature(full_power * gain(layer, cell, cell, c) * inv_noise);
  }
  if (slots_left >= 0) *o++ = static_cast<float>(slots_left) / config_.epoch_slots;
  return o;
}

void Environment::observe(int link, const Measurements& old, int slots_left, bool with_neighbours,
                          float* out) const {
  float* o = observe_local(link, old, slots_left, out);
  const Measurements& m = now_;
  const double inv_noise = 1.0 / noise_w_;
  const double full_power = level_power_w_[power_levels_ - 1];

  // Neighbour part: U strongest interferers of my UT (rx power now/old, codeword, their UT's QoE
  // now/old) and the U UTs my BS interferes with most (my rx power there, their QoE, my share of
  // their interference plus noise). Zero with with_neighbours = false or fewer than U other cells.
  const int u = neighbours_;
  if (!with_neighbours || u == 0) {
    std::fill(o, o + u * kNeighbourFeatures, 0.0f);
    return;
  }
  int idx[64];
  strongest_interferers(m, link, idx);
  const int layer = layer_of(link);
  const std::size_t row = static_cast<std::size_t>(link) * cells_;
  for (int n = 0; n < u; ++n) {
    const int b = idx[n];
    const int their = link_of(b, layer);
    *o++ = db_feature(m.rx_w[row + b] * inv_noise);
    *o++ = db_feature(old.rx_w[row + b] * inv_noise);
    *o++ = codewords_ > 1 ? static_cast<float>(codeword_[their]) / (codewords_ - 1) : 0.0f;
    *o++ = static_cast<float>(m.qoe[their]);
    *o++ = static_cast<float>(old.qoe[their]);
  }
  most_interfered(m, link, idx);
  const int cell = cell_of(link);
  for (int n = 0; n < u; ++n) {
    const int their = idx[n];
    const double my_rx = m.rx_w[static_cast<std::size_t>(their) * cells_ + cell];
    const double my_gain = gain(layer, cell, cell_of(their), codeword_[link]);
    *o++ = db_feature(full_power * my_gain * inv_noise);
    *o++ = static_cast<float>(m.qoe[their]);
    *o++ = static_cast<float>(my_rx / m.in_w[their]);
  }
}

void Environment::observe_reference(int link, const Measurements& old, bool with_neighbours,
                                    float* out) const {
  // The reference's observe_high / observe_low (hierarchy.observation = "reference"), its fixed
  // linear divisors kept on purpose: the same 8 + 11 U floats for both levels and ddrl.
  constexpr double kGain = 1e-9, kRx = 1e-9, kIn = 1e-7, kQoe = 5.0;
  const Measurements& m = now_;
  float* o = out;
  *o++ = static_cast<float>(power_w_[link] / (level_power_w_[power_levels_ - 1]));
  *o++ = static_cast<float>(codeword_[link]);             // raw index
  *o++ = static_cast<float>(std::round(k_[link]) - 1.0);  // raw k index 0..K-1
  *o++ = static_cast<float>(m.qoe[link] / kQoe);
  *o++ = static_cast<float>(m.gain[link] / kGain);
  *o++ = static_cast<float>(old.gain[link] / kGain);
  *o++ = static_cast<float>(m.in_w[link] / kIn);
  *o++ = static_cast<float>(old.in_w[link] / kIn);
  const int u = neighbours_;
  if (!with_neighbours || u == 0) {
    std::fill(o, o + u * kReferenceNeighbourFeatures, 0.0f);
    return;
  }
  const float index_scale = cells_ > 1 ? 1.0f / static_cast<float>(cells_ - 1) : 0.0f;
  const int layer = layer_of(link);
  const std::size_t row = static_cast<std::size_t>(link) * cells_;
  int idx[64];
  // Strongest interferers now (their rx power, codeword, QoE now), then those one step old.
  for (const Measurements* mm : {&m, &old}) {
    strongest_interferers(*mm, link, idx);
    for (int n = 0; n < u; ++n) {
      const int b = idx[n];
      const int their = link_of(b, layer);
      *o++ = static_cast<float>(b) * index_scale;
      *o++ = static_cast<float>(mm->rx_w[row + b] / kRx);
      *o++ = static_cast<float>(mm->codeword[their]);
      *o++ = static_cast<float>(mm->qoe[their] / kQoe);
    }
  }
  most_interfered(m, link, idx);
  const int cell = cell_of(link);
  for (int n = 0; n < u; ++n) {
    const int their = idx[n];
    const double my_rx = m.rx_w[static_cast<std::size_t>(their) * cells_ + cell];
    *o++ = static_cast<float>(gain(layer, cell, cell_of(their), codeword_[link]) / kGain);
    *o++ = static_cast<float>(m.qoe[their] / kQoe);
    *o++ = static_cast<float>(my_rx / m.in_w[their]);
  }
}

}  // namespace semra::dhdrl
