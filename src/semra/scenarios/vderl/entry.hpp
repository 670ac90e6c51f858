#pragma once
// Registry entry of the `vderl` scenario (wired into experiments/registry.cpp; its figures, the
// paper's Figs. 6-8, are configs/figures/vderl-*.toml).
#include <vector>

#include "semra/core/scenario_entry.hpp"

namespace semra {

// `semra run vderl`: schemes vderl, vdn, idqn, qmix, random; --steps = training.iterations.
ScenarioEntry vderl_scenario_entry();

}  // namespace semra
