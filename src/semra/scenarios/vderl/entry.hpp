#pragma once
// Registry entries of the `vderl` scenario (wired into experiments/registry.cpp).
#include <vector>

#include "semra/core/scenario_entry.hpp"

namespace semra {

// `semra run vderl`: schemes vderl, vdn, idqn, qmix, random; --steps = training.iterations.
ScenarioEntry vderl_scenario_entry();
// The paper's Figs. 6-8: vderl-convergence, vderl-multirb-vs-users, vderl-multirb-vs-servers,
// vderl-latency-vs-users, vderl-latency-vs-servers.
std::vector<FigureEntry> vderl_figure_entries();

}  // namespace semra
