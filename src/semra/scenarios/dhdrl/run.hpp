#pragma once
// One `dhdrl` experiment: (config, scheme, seed) -> per-slot metrics and summary scalars.
#include <cstdint>
#include <string>
#include <vector>

#include "semra/core/experiment.hpp"
#include "semra/core/external_policy.hpp"
#include "semra/scenarios/dhdrl/config.hpp"
#include "semra/scenarios/dhdrl/schemes.hpp"

namespace semra::dhdrl {

// The metrics.csv columns, means over the UTs of a slot averaged over output.record_every_slots
// slots: qoe, sinr_db (UTs with non-zero serving power), k, power (transmit power per link, W),
// g_r, g_a. The summary scalars: final_qoe (mean QoE over the last 10% of slots), steps_per_second
// (slots/s of the loop). Samples: sinr_db of every (UT, slot) with non-zero serving power.
const std::vector<std::string>& metric_columns();
const std::vector<std::string>& summary_scalars();

// The experiment's scheme, with eval.load's networks when configured; InputError for a scheme and
// eval.load / train.enabled combination that cannot run, or models that do not fit. eval.load
// names one experiment's networks, or a run's models/ directory: then each experiment loads its own
// scheme's and seed's (<scheme>-seed<seed>), so one command evaluates every seed of a run.
std::unique_ptr<Scheme> make_loaded_scheme(const Config& config, const std::string& scheme_name,
                                           const MultiAgentEnvironment& env, std::uint64_t seed);

// What run_experiment rejects before its first slot, checked cheaply (replay buffers of one
// transition, the built-in accuracy table): the scheme's options and, for each seed, eval.load's
// networks.
void check_experiment(const Config& config, const std::string& scheme_name,
                      const std::vector<std::uint64_t>& seeds);

ExperimentResult run_experiment(const Config& config, const std::string& scheme, std::uint64_t seed,
                                RunContext& ctx);

// One experiment of an outside policy (semra.evaluate) labelled `name`, on the environment of
// semra.parallel_env (hierarchical layout): the loop and metrics of run_experiment.
ExperimentResult run_policy_experiment(const Config& config, const std::string& name,
                                       std::uint64_t seed, RunContext& ctx, ExternalPolicy& policy);

// semra export-channels dhdrl: the beam gains G [slots + 1, BSs, UTs, codewords] that
// run_experiment draws for `seed` over `slots` slots (row 0 at reset, one row per slot's fading
// step) to the .mat file `path`; channel.source = "trace" on it replays that run bit for bit
// (docs/channels.md "Exporting").
void export_channels(const Config& config, std::uint64_t seed, std::int64_t slots,
                     const std::string& path);

}  // namespace semra::dhdrl
