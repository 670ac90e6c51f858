#pragma once
// Test fixtures, registered from tests/ (not part of the library or of `semra`): the `toy`
// scenario and the `toy-users` figure, so CLI-level tests (sweep, resume after SIGKILL, SIGINT,
// MPI) run in a second on any build. The test CLI (build/tests/semra-test: apps/semra/main.cpp
// with test_cli_entries.cpp) offers them when the environment has SEMRA_TEST_FIXTURES=1. Not a
// model of anything.
//
// `toy` is a complete checkpointing scenario (see the contract in core/experiment.hpp): two RNG
// streams, a learned estimate, a ring buffer and running sums, all saved and restored, so a run
// resumed from a checkpoint is bit-identical to an uninterrupted one. `toy.work` adds a fixed
// amount of integer arithmetic per step, to make experiments as long as a test needs.
#include <string>

#include "semra/experiments/registry.hpp"

namespace semra {

const ScenarioEntry& toy_scenario_entry();
const FigureEntry& toy_figure_entry();

}  // namespace semra
