#pragma once
// Test fixtures reachable from the `semra` binary, so CLI-level tests (sweep, resume after
// SIGKILL, SIGINT, MPI) can run in a second on any build: the `toy` scenario and the `toy-users`
// figure. They are hidden: `semra list`, `run`, `figure` and `sweep` see them only when the
// environment has SEMRA_TEST_FIXTURES=1. Not a model of anything.
//
// `toy` is a complete checkpointing scenario (see the contract in core/experiment.hpp): two RNG
// streams, a learned estimate, a ring buffer and running sums, all saved and restored, so a run
// resumed from a checkpoint is bit-identical to an uninterrupted one. `toy.work` adds a fixed
// amount of integer arithmetic per step, to make experiments as long as a test needs.
#include <string>

#include "semra/experiments/registry.hpp"

namespace semra {

bool test_fixtures_enabled();  // SEMRA_TEST_FIXTURES=1
const ScenarioEntry& toy_scenario_entry();
const FigureEntry& toy_figure_entry();

// The registry's entry, else a fixture's when enabled; nullptr if neither.
const ScenarioEntry* find_scenario_or_fixture(const std::string& name);
const FigureEntry* find_figure_or_fixture(const std::string& name);

}  // namespace semra
