#pragma once
// Runs a set of experiments (grid points x schemes x seeds) on threads, and under mpirun on every
// rank, and writes the output contract of docs/outputs.md: config.toml, metrics.csv, summary.json,
// results.mat and, for figures, sweeps and multi-scheme runs, figure.<png|pdf|svg>/.gp/.dat.
//
// Every finished experiment is stored at once in OUT/experiments/ (see store.hpp), so an
// interrupted or killed command continues with `--resume` where it stopped; docs/scaling.md.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "semra/core/config.hpp"
#include "semra/core/error.hpp"
#include "semra/experiments/figure.hpp"
#include "semra/experiments/registry.hpp"

namespace semra {

// One value of a swept key, typed like the key (integer, real, bool or string).
using AxisValue = std::variant<std::int64_t, double, bool, std::string>;
std::string axis_value_text(const AxisValue& v);  // as in metrics.csv ("20", "2.5", "paper")

// One swept config key: a figure's x axis or one key of a sweep file's [grid].
struct SweepAxis {
  std::string key;   // config key
  std::string name;  // metrics.csv column and plot label (default: the key)
  std::vector<AxisValue> values;
};

struct RunPlan {
  const ScenarioEntry* scenario = nullptr;
  std::string command = "run";         // "run", "figure" or "sweep": recorded for --resume checks
  std::string figure;                  // figure name for `semra figure`
  std::string sweep;                   // sweep name for `semra sweep`
  std::string source;                  // the sweep file, for messages ("" for run and figure)
  std::unique_ptr<ConfigBase> config;  // resolved base config (all overrides applied)
  std::vector<std::string> schemes;
  std::vector<std::uint64_t> seeds;
  // Grid (Cartesian product, first axis outermost). One axis: summary.json x_name/x arrays;
  // several: a points list. The first axis is the plot's x axis, the second gives the panels.
  std::vector<SweepAxis> axes;
  // Plot description (from the FigureEntry or sweep file, or a default for `run`).
  std::string y_metric, x_label, y_label;
  int smooth = 1;
  bool log_y = false;  // log-scale y axis (CI bars reaching <= 0 are clipped, see write_figure)
  bool plot = true;
  FigureStyle figure_style;  // formats (png, pdf, svg) and size (default, ieee)

  int threads = 1;  // experiments in parallel in this process (under MPI: per rank)
  std::filesystem::path out_dir;
  bool quiet = false;
  bool save_models = false;
  bool resume = false;                // continue in out_dir (see store.hpp for the checks)
  std::int64_t checkpoint_every = 0;  // steps between mid-experiment checkpoints; 0 = on stop only
  bool tensorboard = false;           // TensorBoard event files under out_dir/tensorboard/
  const std::atomic<bool>* stop_flag = nullptr;

  // Adds a figure-style numeric axis (integer keys get rounded values).
  void add_axis(const std::string& key, const std::string& name, const std::vector<double>& values);
};

// Everything one command produced, for the caller (the CLI prints a table; tests inspect it).
struct RunOutcome {
  bool root = true;  // false on MPI ranks other than 0: they wrote and computed nothing to print
  std::vector<ExperimentResult> results;  // in plan order: point, scheme, seed
  double wall_seconds = 0;
  std::size_t reused = 0;     // experiments taken from the directory (--resume)
  std::size_t computed = 0;   // experiments run by this command (all ranks)
  std::string summary_table;  // human-readable, for stdout
};

// Thrown by execute() after SIGINT/SIGTERM once every running experiment has stopped (and written
// its checkpoint where the scenario supports it). Finished experiments are stored in out_dir.
struct RunInterrupted : Interrupted {
  std::filesystem::path out_dir;
  std::size_t finished = 0, total = 0, checkpoints = 0;
};

// Throws InputError for bad plans or a directory that cannot be resumed (nothing written then),
// RunInterrupted when stop_flag was raised.
RunOutcome execute(const RunPlan& plan);

// Moving average over the trailing `window` values (shorter at the start), as the figures plot it.
std::vector<double> moving_average(const std::vector<double>& x, std::size_t window);

// Default output directory: results/<name>-<yyyymmdd-hhmmss>.
std::filesystem::path default_out_dir(const std::string& name);

}  // namespace semra
