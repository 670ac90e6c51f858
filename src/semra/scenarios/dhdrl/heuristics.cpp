// Non-learning schemes: random, greedy, oracle (spec 7 and issue 3).
#include <algorithm>
#include <cmath>
#include <vector>

#include "semra/scenarios/dhdrl/heuristics.hpp"

namespace semra::dhdrl {

// ---- random: uniform actions at both levels (high: codeword [x power] per epoch; low: k [x
// power])
RandomScheme::RandomScheme(const Environment& env, std::uint64_t seed)
    : rng_(seed, "exploration"), paper_split_(env.config().split == "paper") {}

void RandomScheme::epoch_start(Environment& env, std::int64_t) {
  for (int i = 0; i < env.links(); ++i) {
    const int c = rng_.uniform_int(env.codewords());
    const int p = paper_split_ ? rng_.uniform_int(env.power_levels()) : env.power_level(i);
    env.set_beam(i, c, p);
  }
}

void RandomScheme::act(Environment& env, std::int64_t, int) {
  for (int i = 0; i < env.links(); ++i) {
    if (!paper_split_) env.set_beam(i, env.codeword(i), rng_.uniform_int(env.power_levels()));
    env.set_k(i, 1 + rng_.uniform_int(env.max_k()));
  }
}

// ---- greedy: every slot every link maximises its own UT's instantaneous QoE, the others' actions
// held at their current values (measured interference). For a fixed codeword more power never
// lowers the own SINR, so the search is over codewords at full power, then the best k.
void GreedyScheme::act(Environment& env, std::int64_t, int) {
  const Measurements& m = env.now();
  const double p_full = env.level_power_w(env.power_levels() - 1);
  for (int i = 0; i < env.links(); ++i) {
    const int cell = env.cell_of(i);
    const double others = m.in_w[i];  // interference from the other BSs + noise
    const auto& ch = env.channel(env.layer_of(i));
    int best_c = 0;
    double best_gain = -1.0;
    for (int c = 0; c < env.codewords(); ++c) {
      const double g = ch.gain(cell, cell, c);
      if (g > best_gain) best_gain = g, best_c = c;
    }
    int k = 1;
    env.best_k(i, p_full * best_gain / others, &k);
    decision_c_[i] = best_c;
    decision_k_[i] = k;
  }
  for (int i = 0; i < env.links(); ++i) {
    env.set_beam(i, decision_c_[i], env.power_levels() - 1);
    env.set_k(i, decision_k_[i]);
  }
}

// ---- oracle: centralised, full CSI of the current slot. Iterated best response over every BS's
// (codeword, power) maximising the sum over the RB layer of each UT's QoE with its best k,
// `sweeps` passes per slot starting from the previous slot's actions; then each UT gets its best k.
OracleScheme::OracleScheme(const Environment& env)
    : sweeps_(env.config().oracle_sweeps),
      cells_(env.cells()),
      gains_(static_cast<std::size_t>(env.cells()) * env.cells() * env.codewords()),
      rx_(static_cast<std::size_t>(env.cells()) * env.cells()),
      in_(env.cells()),
      trial_(env.cells()) {}

void OracleScheme::act(Environment& env, std::int64_t, int) {
  const int n = cells_;
  const int nc = env.codewords();
  const int np = env.power_levels();
  for (int layer = 0; layer < env.config().users_per_cell; ++layer) {
    const auto& ch = env.channel(layer);
    for (int b = 0; b < n; ++b)
      for (int u = 0; u < n; ++u)
        for (int c = 0; c < nc; ++c)
          gains_[(static_cast<std::size_t>(b) * n + u) * nc + c] = ch.gain(b, u, c);
    auto g = [&](int b, int u, int c) {
      return gains_[(static_cast<std::size_t>(b) * n + u) * nc + c];
    };
    // rx_[u * n + b] under the current actions
    for (int u = 0; u < n; ++u) {
      in_[u] = env.noise_w();
      for (int b = 0; b < n; ++b) {
        const int l = env.link_of(b, layer);
        rx_[u * n + b] = env.power_w(l) * g(b, u, env.codeword(l));
        if (b != u) in_[u] += rx_[u * n + b];
      }
    }
    for (int sweep = 0; sweep < sweeps_; ++sweep) {
      for (int b = 0; b < n; ++b) {
        const int lb = env.link_of(b, layer);
        double best = -1.0;
        int best_c = env.codeword(lb), best_p = env.power_level(lb);
        for (int c = 0; c < nc; ++c) {
          for (int p = 0; p < np; ++p) {
            const double pw = env.level_power_w(p);
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
              total += env.best_k(env.link_of(u, layer), sinr, nullptr);
            }
            if (total > best + 1e-12) best = total, best_c = c, best_p = p;
          }
        }
        env.set_beam(lb, best_c, best_p);
        for (int u = 0; u < n; ++u) {
          const double new_rx = env.power_w(lb) * g(b, u, best_c);
          if (u != b) in_[u] += new_rx - rx_[u * n + b];
          rx_[u * n + b] = new_rx;
        }
      }
    }
    for (int u = 0; u < n; ++u) {
      int k = 1;
      env.best_k(env.link_of(u, layer), rx_[u * n + u] / in_[u], &k);
      env.set_k(env.link_of(u, layer), k);
    }
  }
}

}  // namespace semra::dhdrl
