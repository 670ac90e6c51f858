#pragma once
// The files a finished run writes (docs/outputs.md): config.toml, metrics.csv, results.mat, the
// figure (figure.dat/.gp/.png when the plan plots) and summary.json, and the summary table the CLI
// prints. runner.cpp runs the experiments; this file only formats what they returned.
#include <string>
#include <vector>

#include "semra/core/experiment.hpp"
#include "semra/experiments/jobs.hpp"
#include "semra/experiments/runner.hpp"

namespace semra::detail {

// Writes every output file of `results` (one per job, in plan order) into plan.out_dir, each
// atomically; returns the summary table. Throws std::logic_error when the experiments returned
// different metric columns.
std::string write_outputs(const RunPlan& plan, const std::vector<Job>& jobs,
                          const std::vector<ExperimentResult>& results, double wall_seconds);

}  // namespace semra::detail
