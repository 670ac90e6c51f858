#pragma once
// `semra plot`: overlays the learning curves of finished runs of one scenario (for example two
// configurations) in one figure: per run and scheme, the mean over seeds of a per-step metric with
// its shaded 95% confidence band. Curves are labelled by the config keys whose values differ
// between the runs, unless labels are given.
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
  std::filesystem::path out;  // the figure; OUT's stem also names <stem>.gp and <stem>.dat
};

struct PlotOutcome {
  std::vector<std::filesystem::path> figures;  // rendered (empty without gnuplot)
  std::vector<std::string> curve_labels;
  std::string metric;
};

// Throws InputError (one line) for a directory that is not a finished run, runs of different
// scenarios, sweeps, a metric missing from a run, or a label count that does not match.
PlotOutcome plot_runs(const PlotRequest& request);

}  // namespace semra
