#include "semra/scenarios/vderl/schemes.hpp"

#include <string>

#include "semra/core/error.hpp"
#include "semra/scenarios/vderl/heuristics.hpp"
#include "semra/scenarios/vderl/learned.hpp"

namespace semra::vderl {
namespace {

struct SchemeRow {
  SchemeInfo info;  // name, in the default set, step cost (per iteration relative to vdn), help
  std::unique_ptr<Scheme> (*make)(const Config&, const Environment&, Rng& init);
};

// The one table of vderl's schemes (adding a scheme: one row here; docs/architecture.md). Step
// costs: per iteration relative to vdn (bench_vderl_train, Table II size; ippo and mappo:
// iterations/s of `semra run vderl --seeds 5 --threads 2`, docs/model-vderl.md 2.5).
const std::vector<SchemeRow>& table() {
  static const std::vector<SchemeRow> t = {
      {{"vderl", true, 2.1, "the paper's VD-ERL: VDN critic, entropy-regularised actors"},
       make_vderl_scheme},
      {{"vdn", true, 1.0, "VDN: Q_tot = sum of the servers' Q"}, make_vdn_scheme},
      {{"idqn", true, 1.1, "independent DQN per server on its own reward"}, make_idqn_scheme},
      {{"qmix", false, 1.7, "QMIX: monotonic mixing network of the servers' Q"}, make_qmix_scheme},
      {{"ippo", false, 0.55, "IPPO: PPO per server, critic on the server's observation"},
       make_ippo_scheme},
      {{"mappo", false, 0.45, "MAPPO: PPO per server, centralised critic on the global state"},
       make_mappo_scheme},
      {{"random", true, 0.02, "uniformly random unmasked action per server"}, make_random_scheme},
  };
  return t;
}

}  // namespace

const std::vector<SchemeInfo>& scheme_table() {
  static const std::vector<SchemeInfo> infos = scheme_infos(table());
  return infos;
}

const std::vector<std::string>& scheme_names() {
  static const std::vector<std::string> names = scheme_names_of(scheme_table());
  return names;
}

std::unique_ptr<Scheme> make_scheme(const std::string& scheme, const Config& cfg,
                                    const Environment& env, std::uint64_t seed) {
  const SchemeRow& row = find_scheme_row(table(), scheme, "vderl");
  Rng init(seed, "network-init");
  return row.make(cfg, env, init);
}

void check_scheme_config(const Config& cfg, const std::string& scheme) {
  if ((scheme == "ippo" || scheme == "mappo") && cfg.frames_per_iteration % cfg.ppo.envs != 0)
    throw InputError("ppo.envs (" + std::to_string(cfg.ppo.envs) +
                     "): expected a divisor of training.frames_per_iteration (" +
                     std::to_string(cfg.frames_per_iteration) +
                     "): each environment collects the same number of frames per iteration");
}

}  // namespace semra::vderl
