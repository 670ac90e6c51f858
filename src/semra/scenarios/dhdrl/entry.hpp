#pragma once
// Registry entry of the `dhdrl` scenario (wired in experiments/registry.cpp; its figure is
// configs/figures/dhdrl-qoe-vs-slots.toml).
#include <vector>

#include "semra/core/scenario_entry.hpp"

namespace semra {

ScenarioEntry dhdrl_scenario_entry();

}  // namespace semra
