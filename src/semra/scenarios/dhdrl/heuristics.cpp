// Non-learning schemes: random, greedy, oracle (docs/model-dhdrl.md 1, part 7; the oracle: 4.4).
#include "semra/scenarios/dhdrl/heuristics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>
#include <vector>

#include "semra/scenarios/dhdrl/learned.hpp"

namespace semra::dhdrl {
namespace {

// The step's action buffers, every agent at its do-nothing action.
void init_buffers(const MultiAgentEnvironment& env, std::vector<int>& actions,
                  std::vector<float>& rewards) {
  actions.resize(env.agents().size());
  for (std::size_t a = 0; a < actions.size(); ++a) actions[a] = env.agents()[a].noop_action;
  rewards.assign(env.agents().size(), 0.0f);
}

// The single-layer action index of (codeword, power level, k).
int single_action(const Environment& m, int codeword, int power_level, int k) {
  return (codeword * m.power_levels() + power_level) * m.max_k() + k - 1;
}

void require_layout(const MultiAgentEnvironment& env, Layout layout, const char* scheme) {
  if (env.options().layout != layout)
    throw std::invalid_argument(std::string(scheme) + " needs the " +
                                (layout == Layout::Hierarchical ? "hierarchical" : "single-layer") +
                                " layout");
}

}  // namespace

// ---- random: uniform actions at both levels (high: codeword [x power] per epoch; low: k [x
// power])
RandomScheme::RandomScheme(const MultiAgentEnvironment& env, std::uint64_t seed)
    : rng_(seed, "exploration"), paper_split_(env.config().split == "paper") {
  require_layout(env, Layout::Hierarchical, "random");
  init_buffers(env, actions_, rewards_);
}

int random_high_action(int codewords, int power_levels, bool paper_split, Rng& rng) {
  const int c = rng.uniform_int(codewords);
  return paper_split ? c * power_levels + rng.uniform_int(power_levels) : c;
}

int random_low_action(int power_levels, int max_k, bool paper_split, Rng& rng) {
  const int p = paper_split ? 0 : rng.uniform_int(power_levels);
  return p * max_k + rng.uniform_int(max_k);
}

void RandomScheme::step(MultiAgentEnvironment& env) {
  const Environment& m = env.model();
  const int nc = m.codewords(), np = m.power_levels(), nk = m.max_k();
  if (env.next_step() == StepKind::Decision) {
    for (int i = 0; i < env.links(); ++i)
      actions_[env.high_agent(i)] = random_high_action(nc, np, paper_split_, rng_);
  } else if (env.next_step() == StepKind::Slot) {
    for (int i = 0; i < env.links(); ++i)
      actions_[env.low_agent(i)] = random_low_action(np, nk, paper_split_, rng_);
  }
  env.step(actions_.data(), rewards_.data());
}

SingleLayerHeuristic::SingleLayerHeuristic(const MultiAgentEnvironment& env) {
  init_buffers(env, actions_, rewards_);
}

// ---- greedy: every slot every link maximises its own UT's instantaneous QoE, the others' actions
// held at their current values (measured interference). For a fixed codeword more power never
// lowers the own SINR, so the search is over codewords at full power, then the best k.
GreedyScheme::GreedyScheme(const MultiAgentEnvironment& env, std::uint64_t seed)
    : SingleLayerHeuristic(env), reference_(env.config().greedy_mode == "reference") {
  require_layout(env, Layout::SingleLayer, "greedy");
  if (reference_) {
    ResetActions r = reset_actions(env, seed);
    codeword_ = std::move(r.codeword);
    k_ = std::move(r.k);
  }
}

const std::vector<int>& GreedyScheme::decide(const MultiAgentEnvironment& env) {
  const Environment& m = env.model();
  if (env.next_step() == StepKind::Slot && reference_) {
    const int full = m.power_levels() - 1;
    for (int i = 0; i < m.links(); ++i)
      actions_[env.single_agent(i)] = single_action(m, codeword_[i], full, k_[i]);
  } else if (env.next_step() == StepKind::Slot) {
    const int full = m.power_levels() - 1;
    const double p_full = m.level_power_w(full);
    for (int i = 0; i < m.links(); ++i) {
      const int cell = m.cell_of(i);
      const double others = m.now().in_w[i];  // interference from the other BSs + noise
      const int layer = m.layer_of(i);
      int best_c = 0;
      double best_gain = -1.0;
      for (int c = 0; c < m.codewords(); ++c) {
        const double g = m.gain(layer, cell, cell, c);
        if (g > best_gain) best_gain = g, best_c = c;
      }
      int k = 1;
      m.best_k(i, p_full * best_gain / others, &k);
      actions_[env.single_agent(i)] = single_action(m, best_c, full, k);
    }
  }
  return actions_;
}

// ---- greedy-local: fixed random codeword, full power, best k for the measured SINR
GreedyLocalScheme::GreedyLocalScheme(const MultiAgentEnvironment& env, std::uint64_t seed)
    : SingleLayerHeuristic(env) {
  require_layout(env, Layout::SingleLayer, "greedy-local");
  Rng rng(seed, "exploration");
  for (int i = 0; i < env.links(); ++i)
    codeword_.push_back(rng.uniform_int(env.model().codewords()));
}

const std::vector<int>& GreedyLocalScheme::decide(const MultiAgentEnvironment& env) {
  const Environment& m = env.model();
  if (env.next_step() == StepKind::Slot) {
    const int full = m.power_levels() - 1;
    const double p_full = m.level_power_w(full);
    for (int i = 0; i < m.links(); ++i) {
      // What the link measures: its serving gain with the codeword in force (its own one after the
      // first slot) and the interference plus noise under the others' current actions.
      const double gain = m.codeword(i) == codeword_[i]
                              ? m.now().gain[i]
                              : m.gain(m.layer_of(i), m.cell_of(i), m.cell_of(i), codeword_[i]);
      int k = 1;
      m.best_k(i, p_full * gain / m.now().in_w[i], &k);
      actions_[env.single_agent(i)] = single_action(m, codeword_[i], full, k);
    }
  }
  return actions_;
}

// ---- oracle: centralised, full CSI of the current slot. Iterated best response over every BS's
// (codeword, power) maximising the sum over the RB layer of each UT's QoE with its best k,
// `sweeps` passes per slot starting from the previous slot's actions; then each UT gets its best k.
OracleScheme::OracleScheme(const MultiAgentEnvironment& env)
    : SingleLayerHeuristic(env),
      sweeps_(env.config().oracle_sweeps),
      cells_(env.model().cells()),
      gains_(static_cast<std::size_t>(cells_) * cells_ * env.model().codewords()),
      rx_(static_cast<std::size_t>(cells_) * cells_),
      in_(cells_),
      trial_(cells_),
      codeword_(env.links()),
      power_level_(env.links()) {
  require_layout(env, Layout::SingleLayer, "oracle");
}

const std::vector<int>& OracleScheme::decide(const MultiAgentEnvironment& env) {
  if (env.next_step() != StepKind::Slot) return actions_;
  const Environment& m = env.model();
  const int n = cells_;
  const int nc = m.codewords();
  const int np = m.power_levels();
  for (int i = 0; i < m.links(); ++i) {
    codeword_[i] = m.codeword(i);
    power_level_[i] = m.power_level(i);
  }
  for (int layer = 0; layer < env.config().users_per_cell; ++layer) {
    for (int b = 0; b < n; ++b)
      for (int u = 0; u < n; ++u)
        for (int c = 0; c < nc; ++c)
          gains_[(static_cast<std::size_t>(b) * n + u) * nc + c] = m.gain(layer, b, u, c);
    auto g = [&](int b, int u, int c) {
      return gains_[(static_cast<std::size_t>(b) * n + u) * nc + c];
    };
    // rx_[u * n + b] under the current actions
    for (int u = 0; u < n; ++u) {
      in_[u] = m.noise_w();
      for (int b = 0; b < n; ++b) {
        const int l = m.link_of(b, layer);
        rx_[u * n + b] = m.power_w(l) * g(b, u, codeword_[l]);
        if (b != u) in_[u] += rx_[u * n + b];
      }
    }
    for (int sweep = 0; sweep < sweeps_; ++sweep) {
      for (int b = 0; b < n; ++b) {
        const int lb = m.link_of(b, layer);
        double best = -1.0;
        int best_c = codeword_[lb], best_p = power_level_[lb];
        for (int c = 0; c < nc; ++c) {
          for (int p = 0; p < np; ++p) {
            const double pw = m.level_power_w(p);
            double total = 0.0;
            for (int u = 0; u < n; ++u) {
              const double new_rx = pw * g(b, u, c);
              double sinr;
              if (u == b) {
                sinr = new_rx / in_[u];
              } else {
                const double in = in_[u] - rx_[u * n + b] + new_rx;
                sinr = rx_[u * n + u] / in;
              }
              total += m.best_k(m.link_of(u, layer), sinr, nullptr);
            }
            if (total > best + 1e-12) best = total, best_c = c, best_p = p;
          }
        }
        codeword_[lb] = best_c;
        power_level_[lb] = best_p;
        for (int u = 0; u < n; ++u) {
          const double new_rx = m.level_power_w(best_p) * g(b, u, best_c);
          if (u != b) in_[u] += new_rx - rx_[u * n + b];
          rx_[u * n + b] = new_rx;
        }
      }
    }
    for (int u = 0; u < n; ++u) {
      const int l = m.link_of(u, layer);
      int k = 1;
      m.best_k(l, rx_[u * n + u] / in_[u], &k);
      actions_[env.single_agent(l)] = single_action(m, codeword_[l], power_level_[l], k);
    }
  }
  return actions_;
}

}  // namespace semra::dhdrl
