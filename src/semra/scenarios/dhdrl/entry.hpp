#pragma once
// Registry entries of the `dhdrl` scenario and its figure (wired in experiments/registry.cpp).
#include <vector>

#include "semra/core/scenario_entry.hpp"

namespace semra {

ScenarioEntry dhdrl_scenario_entry();
std::vector<FigureEntry> dhdrl_figure_entries();

}  // namespace semra
