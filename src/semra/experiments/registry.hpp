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

// Entries a program adds to the built-in ones at start-up, before it builds any plan (the test
// CLI adds the `toy` fixture of tests/support; semra and the Python module add none). Not
// thread-safe: call from main() only. `semra list` shows them after the built-in ones.
void add_extra_entries(const ScenarioEntry* scenario, const FigureEntry* figure);
const std::vector<const ScenarioEntry*>& extra_scenarios();
const std::vector<const FigureEntry*>& extra_figures();

// A built-in entry, else an extra one; nullptr if neither.
const ScenarioEntry* find_scenario_or_extra(const std::string& name);
const FigureEntry* find_figure_or_extra(const std::string& name);

}  // namespace semra
