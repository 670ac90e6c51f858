#pragma once
// One `dhdrl` experiment: (config, scheme, seed) -> per-slot metrics and summary scalars.
#include <cstdint>
#include <string>

#include "semra/core/experiment.hpp"
#include "semra/scenarios/dhdrl/config.hpp"

namespace semra::dhdrl {

// Columns (means over the UTs of a slot, averaged over output.record_every_slots slots):
//   qoe, sinr_db (UTs with non-zero serving power), k, power (transmit power per link, W), g_r,
//   g_a.
// Scalars: final_qoe (mean QoE over the last 10% of slots), steps_per_second (slots/s of the loop).
// Samples: sinr_db of every (UT, slot) with non-zero serving power.
ExperimentResult run_experiment(const Config& config, const std::string& scheme, std::uint64_t seed,
                                RunContext& ctx);

}  // namespace semra::dhdrl
