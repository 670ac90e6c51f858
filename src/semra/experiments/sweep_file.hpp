#pragma once
// Sweep files: a TOML file naming a scenario, schemes, seeds, fixed overrides and a grid of config
// values, run by `semra sweep FILE`. Format (docs/scaling.md; examples in configs/sweeps/):
//
//   scenario = "dhdrl"                    # required
//   name = "dhdrl-power"                  # default: the file name without .toml
//   description = "QoE vs BS power"       # free text
//   schemes = ["dhdrl", "greedy"]         # default: the scenario's default schemes
//   seeds = 5                             # a count (from first_seed, default 1) or a list [1, 7]
//   quick_seeds = 2                       # seeds with --quick (default: min(seeds, 2))
//   [set]                                 # fixed overrides: dotted keys or nested tables
//   "train.slots" = 20000
//   [quick]                               # applied after [set] with --quick
//   "train.slots" = 2000
//   [grid]                                # lists of values; the Cartesian product is run.
//   "network.bs_power_dbm" = [20, 26, 32] # In file order: the first key is the plot's x axis,
//   "network.users_per_cell" = [2, 4]     # the second gives one panel per value.
//   [names]                               # optional column/label names for grid keys
//   "network.bs_power_dbm" = "power_dbm"
//   [plot]                                # optional
//   metric = "final_qoe"                  # a summary scalar (default: the primary metric)
//   x_label = "BS power (dBm)"
//   y_label = "QoE"
#include <filesystem>
#include <string>
#include <string_view>

#include "semra/experiments/runner.hpp"

namespace semra {

// Reads and checks a sweep file into a plan (scenario, schemes, seeds, resolved base config, axes,
// plot). Every grid value is checked against its key's type and range here. Throws InputError
// naming the file and the key. Output options (threads, out_dir...) are left for the caller.
RunPlan load_sweep_file(const std::filesystem::path& file, bool quick);

// A figure file (configs/figures/*.toml, built into the program): the keys of a sweep file
// (scenario, description, schemes, seeds as a count, [set], [quick], [grid] with one key and its
// [names], [plot] metric, x_label, y_label, log_y) plus [plot] smooth. Without [grid] it is a
// series figure: [plot] metric is a metric column drawn against the step, smoothed over `smooth`
// rows; with it, a summary scalar against the grid key. [set] and [quick] become the figure's
// presets, each value checked against its key now. Throws InputError naming `source` and the key.
FigureEntry parse_figure_file(std::string_view text, const std::string& name,
                              const std::string& source);

}  // namespace semra
