#include "semra/scenarios/dhdrl/multi_agent.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace semra::dhdrl {

RewardScope parse_scope(const std::string& s) {
  if (s == "local") return RewardScope::Local;
  if (s == "network") return RewardScope::Network;
  return RewardScope::Neighbourhood;
}

MultiAgentEnvironment::MultiAgentEnvironment(
    const Config& config, std::shared_ptr<const semantic::AccuracyModel> accuracy,
    EnvOptions options)
    : config_(config),
      options_(options),
      model_(config_, std::move(accuracy)),
      scope_(parse_scope(config.high_reward)),
      paper_split_(config.split == "paper"),
      reference_obs_(config.observation == "reference"),
      reference_rewards_(config.rewards == "reference") {
  const int nc = model_.codewords(), np = model_.power_levels(), nk = model_.max_k();
  const int k_half = std::max(1, nk / 2) - 1;  // index of the reset-time k = K/2
  const int upc = config_.users_per_cell;
  for (int i = 0; i < model_.links(); ++i) {
    std::string base = "bs" + std::to_string(model_.cell_of(i));
    if (upc > 1) base += "_ut" + std::to_string(model_.layer_of(i));
    // noop_action: the reset-time action (codeword 0, full power, k = K/2). Nothing is ever
    // masked, so it never replaces an action; it is what a caller sends when it has no opinion.
    // The reference encoding has one size for every agent (no slots-left feature).
    const int high_dim = reference_obs_ ? model_.reference_obs_dim() : model_.high_obs_dim();
    const int low_dim = reference_obs_ ? model_.reference_obs_dim() : model_.low_obs_dim();
    if (hierarchical()) {
      agents_.push_back({base + "_high", high_dim, paper_split_ ? nc * np : nc,
                         paper_split_ ? np - 1 : 0, "high"});
      agents_.push_back({base + "_low", low_dim, paper_split_ ? nk : np * nk,
                         paper_split_ ? k_half : (np - 1) * nk + k_half, "low"});
    } else {
      agents_.push_back({base, high_dim, nc * np * nk, (np - 1) * nk + k_half, "single"});
    }
  }
  info_names_ = {"slot_step", "slot", "qoe", "sinr_db", "k", "power", "g_r", "g_a"};
  high_return_.assign(model_.links(), 0.0);
  qoe_after_fading_.assign(model_.links(), 0.0);
}

int MultiAgentEnvironment::state_dim() const {
  return model_.links() * (model_.local_obs_dim() + 1);
}

void MultiAgentEnvironment::reset(std::uint64_t seed) {
  model_.reset(seed);
  seeded_ = true;
  start_episode();
}

void MultiAgentEnvironment::reset() {
  if (!seeded_) {
    reset(0);
    return;
  }
  model_.reset_continue();
  start_episode();
}

void MultiAgentEnvironment::start_episode() {
  slot_ = 0;
  next_ = hierarchical() ? StepKind::Decision : StepKind::Slot;
  last_was_slot_ = epoch_closed_ = false;
  last_slot_index_ = -1;
  totals_ = {};
  std::fill(high_return_.begin(), high_return_.end(), 0.0);
  std::fill(qoe_after_fading_.begin(), qoe_after_fading_.end(), 0.0);
  epoch_len_ = 0;
  epoch_old_ = model_.now();
}

int MultiAgentEnvironment::slots_left() const {
  return config_.epoch_slots - static_cast<int>(slot_ % config_.epoch_slots);
}

void MultiAgentEnvironment::observe(int agent, float* out) const {
  const int link = link_of_agent(agent);
  const bool nb = options_.observe_neighbours;
  if (reference_obs_) {
    const bool high = hierarchical() && agent == high_agent(link);
    model_.observe_reference(link, high ? epoch_old_ : model_.prev(), nb, out);
  } else if (!hierarchical()) {
    model_.observe(link, model_.prev(), -1, nb, out);
  } else if (agent == high_agent(link)) {
    model_.observe(link, epoch_old_, -1, nb, out);
  } else {
    model_.observe(link, model_.prev(), slots_left(), nb, out);
  }
}

void MultiAgentEnvironment::action_mask(int agent, std::uint8_t* out) const {
  std::fill(out, out + agents_[agent].num_actions, std::uint8_t{1});
}

void MultiAgentEnvironment::state(float* out) const {
  for (int i = 0; i < model_.links(); ++i)
    out = model_.observe_local(i, model_.prev(), slots_left(), out);
}

bool MultiAgentEnvironment::rewarded(int agent) const {
  if (!last_was_slot_) return false;
  return !hierarchical() || agent != high_agent(link_of_agent(agent)) || epoch_closed_;
}

// Slot steps, one Decision step at every epoch start (hierarchical), and a Redraw step at every
// slot > 0 whose requirements are due without a Decision step there (schedule_next_step).
std::int64_t MultiAgentEnvironment::episode_steps() const {
  const std::int64_t slots = config_.train_slots, T = config_.epoch_slots;
  const std::int64_t p = config_.redraw_period_slots;
  std::int64_t steps = slots;
  if (hierarchical()) steps += (slots + T - 1) / T;
  const std::int64_t later = slots - 1;  // slots 1 .. slots-1 may start with a Redraw step
  if (p == 0) {
    if (!hierarchical()) steps += later / T;
  } else if (p > 0) {
    steps += later / p;
    if (hierarchical()) steps -= later / std::lcm(p, T);  // those are Decision steps
  }
  return steps;
}

// One line per link: its cell, the high level's beam (codeword, power) and the low level's k, and
// the last evaluated slot's SINR and QoE with the UT's requirement.
std::string MultiAgentEnvironment::render_text() const {
  if (!seeded_) return "dhdrl: not reset\n";
  static const char* kinds[] = {"decision", "redraw", "slot"};
  std::string out = "dhdrl: " + std::to_string(model_.cells()) + " cells, " +
                    std::to_string(model_.links()) + " links; slot " + std::to_string(slot_) +
                    " of " + std::to_string(config_.train_slots) +
                    ", next step: " + kinds[static_cast<int>(next_)] + "\n";
  out += "link cell codeword power_W     k  sinr_dB    qoe   w_req xi_req\n";
  char buf[128];
  for (int i = 0; i < model_.links(); ++i) {
    const auto& r = model_.requirement(i);
    const bool evaluated = last_slot_index_ >= 0;
    std::snprintf(buf, sizeof buf, "%4d %4d %8d %7.3f %5.2f %8.2f %6.3f %7.3f %6.3f\n", i,
                  model_.cell_of(i), model_.codeword(i), model_.power_w(i), model_.k(i),
                  evaluated ? model_.sinr_db(i) : 0.0, evaluated ? model_.qoe(i) : 0.0, r.w,
                  r.xi_req);
    out += buf;
  }
  return out;
}

bool MultiAgentEnvironment::acts(int agent) const {
  if (truncated()) return false;
  if (!hierarchical()) return next_ == StepKind::Slot;
  return agent == high_agent(link_of_agent(agent)) ? next_ == StepKind::Decision
                                                   : next_ == StepKind::Slot;
}

void MultiAgentEnvironment::info(double* out) const {
  const double inv_links = 1.0 / model_.links();
  out[kSlotStep] = last_was_slot_ ? 1.0 : 0.0;
  out[kSlot] = static_cast<double>(last_slot_index_);
  out[kQoe] = totals_.qoe * inv_links;
  // Mean over the served UTs; none served (every BS off): -inf dB, the SINR of a UT that receives
  // nothing (not NaN, which compares unequal to itself and breaks equality checks of infos).
  out[kSinrDb] = totals_.served > 0 ? totals_.sinr_db / totals_.served
                                    : -std::numeric_limits<double>::infinity();
  out[kK] = totals_.k * inv_links;
  out[kPower] = totals_.power_w * inv_links;
  out[kGr] = totals_.g_r * inv_links;
  out[kGa] = totals_.g_a * inv_links;
}

void MultiAgentEnvironment::check_actions(const int* actions, const double* low_k) const {
  for (int a = 0; a < static_cast<int>(agents_.size()); ++a) {
    if (!acts(a)) continue;
    const bool continuous = low_k && hierarchical() && a == low_agent(link_of_agent(a));
    if (continuous) {
      const double k = low_k[link_of_agent(a)];
      if (!(k >= 1.0 && k <= model_.max_k()))
        throw std::invalid_argument("dhdrl: agent '" + agents_[a].name + "': continuous k " +
                                    std::to_string(k) + " outside [1, " +
                                    std::to_string(model_.max_k()) + "]");
    } else if (actions[a] < 0 || actions[a] >= agents_[a].num_actions) {
      throw std::invalid_argument("dhdrl: agent '" + agents_[a].name + "': action " +
                                  std::to_string(actions[a]) + " outside [0, " +
                                  std::to_string(agents_[a].num_actions) + ")");
    }
  }
}

void MultiAgentEnvironment::step(const int* actions, const double* low_k, float* rewards) {
  if (truncated())
    throw std::logic_error("dhdrl: step() after the episode was truncated; call reset()");
  if (low_k && !(hierarchical() && paper_split_))
    throw std::invalid_argument(
        "dhdrl: a continuous k needs the hierarchical layout with hierarchy.split = \"paper\"");
  check_actions(actions, low_k);
  std::fill(rewards, rewards + agents_.size(), 0.0f);
  last_was_slot_ = epoch_closed_ = false;
  switch (next_) {
    case StepKind::Decision:
      apply_decision(actions);
      next_ = StepKind::Slot;
      return;
    case StepKind::Redraw:
      model_.redraw_requirements();
      next_ = StepKind::Slot;
      return;
    case StepKind::Slot:
      apply_slot_actions(actions, low_k);
      evaluate_slot(rewards);
      model_.advance();
      model_.begin_slot();
      if (reference_rewards_) reference_rewards(rewards);
      ++slot_;
      schedule_next_step();
      return;
  }
}

void MultiAgentEnvironment::apply_decision(const int* actions) {
  const int np = model_.power_levels();
  for (int i = 0; i < model_.links(); ++i) {
    const int a = actions[high_agent(i)];
    if (paper_split_) {
      model_.set_beam(i, a / np, a % np);
    } else {
      model_.set_beam(i, a, model_.power_level(i));
    }
  }
  // The high level's "one epoch old" measurements: this channel under the previous actions.
  epoch_old_ = model_.now();
  model_.remeasure();
}

void MultiAgentEnvironment::apply_slot_actions(const int* actions, const double* low_k) {
  const int np = model_.power_levels(), nk = model_.max_k();
  for (int i = 0; i < model_.links(); ++i) {
    if (!hierarchical()) {
      const int a = actions[single_agent(i)];
      model_.set_beam(i, a / (np * nk), (a / nk) % np);
      model_.set_k(i, 1 + a % nk);
    } else if (low_k) {
      model_.set_k(i, low_k[i]);
    } else if (paper_split_) {
      model_.set_k(i, 1 + actions[low_agent(i)]);
    } else {
      const int a = actions[low_agent(i)];
      model_.set_beam(i, model_.codeword(i), a / nk);
      model_.set_k(i, 1 + a % nk);
    }
  }
}

double MultiAgentEnvironment::reward_part(const semantic::QoeParts& p) const {
  switch (options_.reward_part) {
    case RewardPart::AccuracyOnly:
      return p.g_a;
    case RewardPart::RateOnly:
      return p.g_r;
    case RewardPart::Qoe:
      break;
  }
  return p.qoe;
}

void MultiAgentEnvironment::reference_rewards(float* rewards) {
  // The reference loop's rewards (hierarchy.rewards = "reference"): each link's own QoE measured
  // after the fading update (this slot's actions, the next slot's channel); the low level gets its
  // change from the previous slot, ddrl the value itself, the high level the epoch's sum times
  // 0.99^T_H (hier_main.py's r_accumulate * reward_decay ** step_per_beamforming).
  const Measurements& now = model_.now();
  for (int i = 0; i < model_.links(); ++i) {
    const double q = reward_part(model_.qoe_at(i, model_.k(i), now.sinr[i]));
    if (!hierarchical()) {
      rewards[single_agent(i)] = static_cast<float>(q);
      continue;
    }
    rewards[low_agent(i)] = static_cast<float>(q - qoe_after_fading_[i]);
    qoe_after_fading_[i] = q;
    high_return_[i] += q;
  }
  if (!hierarchical() || !epoch_closed_) return;
  const double discount = std::pow(0.99, config_.epoch_slots);
  for (int i = 0; i < model_.links(); ++i) {
    rewards[high_agent(i)] = static_cast<float>(high_return_[i] * discount);
    high_return_[i] = 0.0;
  }
}

double MultiAgentEnvironment::slot_reward(int link, RewardScope scope) const {
  auto part = [&](int i) {
    switch (options_.reward_part) {
      case RewardPart::AccuracyOnly:
        return model_.g_a(i);
      case RewardPart::RateOnly:
        return model_.g_r(i);
      case RewardPart::Qoe:
        break;
    }
    return model_.qoe(i);
  };
  if (scope == RewardScope::Local) return part(link);
  if (scope == RewardScope::Network) {
    double s = 0.0;
    for (int i = 0; i < model_.links(); ++i) s += part(i);
    return s / model_.links();
  }
  // Neighbourhood: the link's UT and the U UTs its BS interfered with most in this slot.
  int idx[64];
  model_.most_interfered_now(link, idx);
  double s = part(link);
  for (int n = 0; n < model_.neighbours(); ++n) s += part(idx[n]);
  return s / (1 + model_.neighbours());
}

void MultiAgentEnvironment::evaluate_slot(float* rewards) {
  model_.evaluate();
  totals_ = {};
  for (int i = 0; i < model_.links(); ++i) {
    totals_.qoe += model_.qoe(i);
    totals_.k += model_.k(i);
    totals_.power_w += model_.power_w(i);
    totals_.g_r += model_.g_r(i);
    totals_.g_a += model_.g_a(i);
    if (model_.power_w(i) > 0.0) {
      totals_.sinr_db += model_.sinr_db(i);
      ++totals_.served;
    }
  }
  last_was_slot_ = true;
  last_slot_index_ = slot_;
  if (reference_rewards_) {  // delivered after the fading update (reference_rewards)
    epoch_closed_ = hierarchical() && (slot_ + 1) % config_.epoch_slots == 0;
    return;
  }
  if (!hierarchical()) {
    for (int i = 0; i < model_.links(); ++i)
      rewards[single_agent(i)] = static_cast<float>(slot_reward(i, scope_));
    return;
  }
  ++epoch_len_;
  for (int i = 0; i < model_.links(); ++i) {
    high_return_[i] += slot_reward(i, scope_);
    rewards[low_agent(i)] = static_cast<float>(slot_reward(i, RewardScope::Local));
  }
  epoch_closed_ = (slot_ + 1) % config_.epoch_slots == 0;
  if (!epoch_closed_) return;
  // The high level's reward for the epoch: the mean of its per-slot reward over the epoch's slots.
  for (int i = 0; i < model_.links(); ++i) {
    rewards[high_agent(i)] = static_cast<float>(high_return_[i] / std::max(1, epoch_len_));
    high_return_[i] = 0.0;
  }
  epoch_len_ = 0;
}

bool MultiAgentEnvironment::redraw_due(std::int64_t slot) const {
  const int period = config_.redraw_period_slots;
  if (slot == 0) return false;  // reset() drew them
  if (period == 0) return slot % config_.epoch_slots == 0;
  return period > 0 && slot % period == 0;
}

void MultiAgentEnvironment::schedule_next_step() {
  if (truncated()) return;
  const bool epoch_start = slot_ % config_.epoch_slots == 0;
  if (hierarchical() && epoch_start) {
    // The high level observes the new epoch's requirements before it decides.
    if (redraw_due(slot_)) model_.redraw_requirements();
    next_ = StepKind::Decision;
  } else {
    next_ = redraw_due(slot_) ? StepKind::Redraw : StepKind::Slot;
  }
}

void MultiAgentEnvironment::save_state(StateWriter& w) const {
  w.tag("dhdrl-multi-agent");
  model_.save_state(w);
  w.i64(slot_);
  w.i64(static_cast<std::int64_t>(next_));
  w.boolean(last_was_slot_);
  w.boolean(epoch_closed_);
  w.i64(last_slot_index_);
  for (double v :
       {totals_.qoe, totals_.k, totals_.power_w, totals_.g_r, totals_.g_a, totals_.sinr_db})
    w.f64(v);
  w.i64(totals_.served);
  w.vec(high_return_);
  w.vec(qoe_after_fading_);
  w.i64(epoch_len_);
  epoch_old_.save(w);
}

void MultiAgentEnvironment::load_state(StateReader& r) {
  r.expect_tag("dhdrl-multi-agent");
  model_.load_state(r);
  slot_ = r.i64();
  const std::int64_t next = r.i64();
  if (next < 0 || next > static_cast<std::int64_t>(StepKind::Slot)) r.fail("corrupt step kind");
  next_ = static_cast<StepKind>(next);
  last_was_slot_ = r.boolean();
  epoch_closed_ = r.boolean();
  last_slot_index_ = r.i64();
  for (double* v :
       {&totals_.qoe, &totals_.k, &totals_.power_w, &totals_.g_r, &totals_.g_a, &totals_.sinr_db})
    *v = r.f64();
  totals_.served = static_cast<int>(r.i64());
  const std::size_t n = high_return_.size();
  r.vec_into(high_return_);
  if (high_return_.size() != n) r.fail("dhdrl environment state of another network size");
  r.vec_into(qoe_after_fading_);
  if (qoe_after_fading_.size() != n) r.fail("dhdrl environment state of another network size");
  epoch_len_ = static_cast<int>(r.i64());
  epoch_old_.load(r);
}

}  // namespace semra::dhdrl
