#include "semra/experiments/registry.hpp"

#include <string_view>
#include <utility>

#include "semra/experiments/sweep_file.hpp"
#include "semra/scenarios/dhdrl/entry.hpp"
#include "semra/scenarios/vderl/entry.hpp"

namespace semra {
namespace detail {
// configs/figures/*.toml: file name and text, sorted by name (generated: cmake/embed_files.cmake).
const std::vector<std::pair<std::string_view, std::string_view>>& built_in_figure_files();
}  // namespace detail

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

// The figures are data (configs/figures/NAME.toml, parse_figure_file), built into the program by
// CMakeLists.txt ("The figures"), so that `semra figure` runs without the source tree.
const std::vector<FigureEntry>& figures() {
  static const std::vector<FigureEntry> all = [] {
    std::vector<FigureEntry> v;
    for (const auto& [file, text] : detail::built_in_figure_files()) {
      const std::string name(file.substr(0, file.size() - std::string_view(".toml").size()));
      v.push_back(parse_figure_file(text, name, "configs/figures/" + std::string(file)));
    }
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

namespace {
std::vector<const ScenarioEntry*>& extra_scenario_list() {
  static std::vector<const ScenarioEntry*> v;
  return v;
}
std::vector<const FigureEntry*>& extra_figure_list() {
  static std::vector<const FigureEntry*> v;
  return v;
}
}  // namespace

void add_extra_entries(const ScenarioEntry* scenario, const FigureEntry* figure) {
  if (scenario != nullptr) extra_scenario_list().push_back(scenario);
  if (figure != nullptr) extra_figure_list().push_back(figure);
}
const std::vector<const ScenarioEntry*>& extra_scenarios() {
  return extra_scenario_list();
}
const std::vector<const FigureEntry*>& extra_figures() {
  return extra_figure_list();
}

const ScenarioEntry* find_scenario_or_extra(const std::string& name) {
  if (const auto* s = find_scenario(name)) return s;
  for (const auto* s : extra_scenarios())
    if (s->name == name) return s;
  return nullptr;
}

const FigureEntry* find_figure_or_extra(const std::string& name) {
  if (const auto* f = find_figure(name)) return f;
  for (const auto* f : extra_figures())
    if (f->name == name) return f;
  return nullptr;
}

}  // namespace semra
