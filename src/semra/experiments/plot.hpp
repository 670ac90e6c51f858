#pragma once
// `semra plot`: overlays the learning curves of finished runs of one scenario (for example two
// configurations) in one figure: per run and scheme, the mean over seeds of a per-step metric with
// its shaded 95% confidence band. Curves are labelled by the config keys whose values differ
// between the runs, unless labels are given. Published curves (a CSV: `slot` then one column per
// curve, e.g. data/dhdrl-published/C7.csv) can be drawn over them, dashed, each in the colour of
// our scheme of the same name (case-insensitive).
#include <filesystem>
#include <string>
#include <vector>

#include "semra/experiments/figure.hpp"

namespace semra {

struct PlotRequest {
  std::vector<std::filesystem::path> dirs;  // run directories (semra run / figure output)
  std::string metric;                       // metrics.csv column; empty: the scenario's headline
  std::vector<std::string> labels;          // one per directory; empty: from differing config keys
  std::vector<std::string> formats;         // empty: from out's extension, else png
  std::string size = "default";
  std::filesystem::path out;        // the figure; OUT's stem also names <stem>.gp and <stem>.dat
  std::filesystem::path published;  // optional CSV of published curves, drawn as they are
};

struct PlotOutcome {
  std::vector<std::filesystem::path> figures;  // rendered (empty without gnuplot)
  std::vector<std::string> curve_labels;       // ours, then the published ones
  std::string metric;
};

// Throws InputError (one line) for a directory that is not a finished run, runs of different
// scenarios, sweeps, a metric missing from a run, a label count that does not match, or a
// published CSV that is missing or not `slot,NAME,...` rows of numbers.
PlotOutcome plot_runs(const PlotRequest& request);

}  // namespace semra
