#pragma once
// The vderl schemes that do not learn (schemes.hpp's table).
#include <memory>

#include "semra/core/rng.hpp"
#include "semra/scenarios/vderl/config.hpp"
#include "semra/scenarios/vderl/env.hpp"
#include "semra/scenarios/vderl/schemes.hpp"

namespace semra::vderl {

// random: a uniformly random unmasked action per server (the paper's random baseline).
std::unique_ptr<Scheme> make_random_scheme(const Config& cfg, const Environment& env, Rng& init);

}  // namespace semra::vderl
