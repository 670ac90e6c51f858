#pragma once
// Figures: we write the data (figure.dat) and the script (figure.gp) so a user can restyle and
// re-render them, then run gnuplot to make figure.png (and .pdf, .svg). Without gnuplot the figures
// are skipped with a warning; the data and script are still written.
#include <filesystem>
#include <string>
#include <vector>

namespace semra {

// Runs `gnuplot SCRIPT` in `dir` once per format (png, pdf, svg), with the variables `fmt` and
// `out` set; the script picks its terminal from `fmt` and writes to `out`. Each figure is rendered
// to a temporary name and renamed to <script stem>.<format> when complete. Returns false, after
// printing a one-line warning to stderr, when gnuplot is missing or fails.
bool render_gnuplot(const std::filesystem::path& dir, const std::string& script_name = "figure.gp",
                    const std::vector<std::string>& formats = {"png"});

// Quotes a string for a gnuplot script (single quotes, doubled inside).
std::string gnuplot_quote(const std::string& s);

}  // namespace semra
