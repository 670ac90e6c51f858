#pragma once
// Figures: we write the data (figure.dat) and the script (figure.gp) so a user can restyle and
// re-render them, then run gnuplot to make figure.png. Without gnuplot the PNG is skipped with a
// warning; the data and script are still written.
#include <filesystem>
#include <string>

namespace semra {

// Runs `gnuplot figure.gp` in `dir`; the script must start with
//   if (!exists("out")) out = 'figure.png'
//   set output out
// and the PNG is renamed into place when complete. Returns false, after printing a
// one-line warning to stderr, when gnuplot is missing or fails.
bool render_gnuplot(const std::filesystem::path& dir, const std::string& script_name = "figure.gp");

// Quotes a string for a gnuplot script (single quotes, doubled inside).
std::string gnuplot_quote(const std::string& s);

}  // namespace semra
