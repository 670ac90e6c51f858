#pragma once
// Figure pieces shared by the runner's figures and `semra plot`: the gnuplot script's head, which
// picks the terminal (png, pdf or svg; default or IEEE single-column size) from variables a user
// can override (`gnuplot -e "fmt='pdf'; size='ieee'" figure.gp`), and learning curves drawn as the
// mean over seeds with a shaded 95% confidence band.
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace semra {

// How figures are rendered: any subset of png, pdf, svg; size "default" or "ieee" (3.5 in wide).
struct FigureStyle {
  std::vector<std::string> formats{"png"};
  std::string size = "default";
};

// "png,pdf" -> {"png", "pdf"}; throws InputError naming the flag for anything else or an empty
// list.
std::vector<std::string> parse_figure_formats(const std::string& list);
// Throws InputError unless `size` is "default" or "ieee".
void check_figure_size(const std::string& size);

namespace detail {

// The script's first lines: the defaults of `fmt`, `size` and `out` (`<stem>.<fmt>`), the terminal
// for each, `set output out` and the key placement. A layout of cols x rows panels.
std::string figure_preamble(const FigureStyle& style, const std::string& stem,
                            std::size_t panel_cols = 1, std::size_t panel_rows = 1);

// One learning curve: per-seed series on common steps (values[seed][row]).
struct Curve {
  std::string label;
  std::vector<std::int64_t> steps;
  std::vector<std::vector<double>> values;
};

// Appends one data block per curve to `dat` ("step mean ci_low ci_high": the mean over seeds of
// each seed's trailing moving average over `window` rows, and the 95% Student-t interval of that
// mean; at most ~2000 rows per curve, every k-th) and to `gp` the plot command: a shaded band
// (three or more seeds) under each mean line. With log_y, band edges at or below zero are drawn at
// a tenth of the mean. Labels reach the script through gnuplot_quote. Returns the labels of the
// curves left out of the plot command because no point of theirs can be drawn (every mean NaN or
// infinite; with log_y, none above zero); when that is every curve, `gp` gets no plot command and
// the caller must not render it (gnuplot fails on a plot of nothing).
std::vector<std::string> learning_curves(std::ostream& dat, std::ostream& gp,
                                         const std::vector<Curve>& curves, std::size_t window,
                                         bool log_y, const std::string& data_file);

}  // namespace detail
}  // namespace semra
