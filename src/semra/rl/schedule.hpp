#pragma once
// Exploration-rate schedules for epsilon-greedy. A value type: its whole state is (eps, t), both
// exposed for checkpoints; step() advances one step (the DQN agent steps it once per learning step,
// as the DHDRL reference does).
//   inverse     (DHDRL reference):  eps <- max(eps / (1 + decay), end)         applied iteratively
//   linear      (CleanRL):          eps_t = max(end, start - (start - end) * t / duration)
//   exponential (PyTorch DQN tutorial): eps_t = end + (start - end) * exp(-decay * t)
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "semra/core/error.hpp"
#include "semra/core/serialize.hpp"

namespace semra::rl {

enum class EpsilonKind : std::uint8_t { Inverse = 0, Linear = 1, Exponential = 2 };

inline std::string_view to_string(EpsilonKind k) {
  switch (k) {
    case EpsilonKind::Inverse:
      return "inverse";
    case EpsilonKind::Linear:
      return "linear";
    case EpsilonKind::Exponential:
      return "exponential";
  }
  return "?";
}

inline EpsilonKind parse_epsilon_kind(std::string_view name) {
  if (name == "inverse") return EpsilonKind::Inverse;
  if (name == "linear") return EpsilonKind::Linear;
  if (name == "exponential") return EpsilonKind::Exponential;
  throw InputError("unknown epsilon schedule '" + std::string(name) +
                   "' (expected one of: inverse, linear, exponential)");
}

struct EpsilonConfig {
  EpsilonKind kind = EpsilonKind::Inverse;
  double start = 0.6;
  double end = 0.01;      // floor (eps_min)
  double decay = 1e-4;    // inverse: d; exponential: rate per step
  double duration = 1e4;  // linear: steps from start to end
  bool operator==(const EpsilonConfig&) const = default;
};

class EpsilonSchedule {
 public:
  explicit EpsilonSchedule(const EpsilonConfig& config = {})
      : config_(config), eps_(config.start) {}

  double eps() const { return eps_; }
  std::int64_t t() const { return t_; }
  const EpsilonConfig& config() const { return config_; }

  void step() {
    ++t_;
    const EpsilonConfig& c = config_;
    switch (c.kind) {
      case EpsilonKind::Inverse:
        eps_ = std::max(eps_ / (1.0 + c.decay), c.end);
        break;
      case EpsilonKind::Linear:
        eps_ = std::max(c.end, c.start - (c.start - c.end) * static_cast<double>(t_) / c.duration);
        break;
      case EpsilonKind::Exponential:
        eps_ = c.end + (c.start - c.end) * std::exp(-c.decay * static_cast<double>(t_));
        break;
    }
  }

  void set_state(double eps, std::int64_t t) {
    eps_ = eps;
    t_ = t;
  }
  void save_state(StateWriter& w) const {
    w.f64(eps_);
    w.i64(t_);
  }
  void load_state(StateReader& r) {
    eps_ = r.f64();
    t_ = r.i64();
  }

 private:
  EpsilonConfig config_;
  double eps_ = 0.0;
  std::int64_t t_ = 0;
};

}  // namespace semra::rl
