#pragma once
// Runs a set of experiments (schemes x seeds [x sweep points]) in parallel and writes the output
// contract of docs/outputs.md: config.toml, metrics.csv, summary.json, results.mat and, for figures
// and multi-scheme runs, figure.png/.gp/.dat.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "semra/core/config.hpp"
#include "semra/experiments/registry.hpp"

namespace semra {

struct RunPlan {
  const ScenarioEntry* scenario = nullptr;
  std::string figure;                  // empty for `semra run`
  std::unique_ptr<ConfigBase> config;  // resolved base config (all overrides applied)
  std::vector<std::string> schemes;
  std::vector<std::uint64_t> seeds;
  // Sweep: the config key set to each x value (empty key = no sweep).
  std::string x_key, x_name;
  std::vector<double> x_values;
  // Plot description (from the FigureEntry, or a default for `run`).
  std::string y_metric, x_label, y_label;
  int smooth = 1;
  bool plot = true;

  int threads = 1;
  std::filesystem::path out_dir;
  bool quiet = false;
  bool save_models = false;
  const std::atomic<bool>* stop_flag = nullptr;
};

// Everything one command produced, for the caller (the CLI prints a table; tests inspect it).
struct RunOutcome {
  std::vector<ExperimentResult> results;  // in plan order: x, scheme, seed
  double wall_seconds = 0;
  std::string summary_table;  // human-readable, for stdout
};

// Throws InputError for bad plans, Interrupted when stop_flag was raised (nothing half-written).
RunOutcome execute(const RunPlan& plan);

// Moving average over the trailing `window` values (shorter at the start), as the figures plot it.
std::vector<double> moving_average(const std::vector<double>& x, std::size_t window);

// Default output directory: results/<name>-<yyyymmdd-hhmmss>.
std::filesystem::path default_out_dir(const std::string& name);

}  // namespace semra
