#pragma once
// The scenario and figure registries: what `semra list`, `semra run` and `semra figure` offer.
// A scenario is added with one line in registry.cpp (its entry and figures live in
// scenarios/NAME/entry.cpp; the types in core/scenario_entry.hpp).
#include <string>
#include <vector>

#include "semra/core/scenario_entry.hpp"

namespace semra {

const std::vector<ScenarioEntry>& scenarios();
const ScenarioEntry* find_scenario(const std::string& name);
const std::vector<FigureEntry>& figures();
const FigureEntry* find_figure(const std::string& name);

}  // namespace semra
