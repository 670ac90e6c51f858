#include "semra/experiments/registry.hpp"

#include "semra/scenarios/dhdrl/entry.hpp"
#include "semra/scenarios/vderl/entry.hpp"

namespace semra {

// Explicit lists, not self-registering statics: a static library would drop unreferenced
// registration objects, and an explicit list is easy to read.
const std::vector<ScenarioEntry>& scenarios() {
  static const std::vector<ScenarioEntry> all = [] {
    std::vector<ScenarioEntry> v;
    v.push_back(dhdrl_scenario_entry());
    v.push_back(vderl_scenario_entry());
    return v;
  }();
  return all;
}

const std::vector<FigureEntry>& figures() {
  static const std::vector<FigureEntry> all = [] {
    std::vector<FigureEntry> v;
    for (auto& f : dhdrl_figure_entries()) v.push_back(std::move(f));
    for (auto& f : vderl_figure_entries()) v.push_back(std::move(f));
    return v;
  }();
  return all;
}

const ScenarioEntry* find_scenario(const std::string& name) {
  for (const auto& s : scenarios())
    if (s.name == name) return &s;
  return nullptr;
}

const FigureEntry* find_figure(const std::string& name) {
  for (const auto& f : figures())
    if (f.name == name) return &f;
  return nullptr;
}

}  // namespace semra
