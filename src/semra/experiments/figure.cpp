#include "semra/experiments/figure.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "semra/core/error.hpp"
#include "semra/core/gnuplot.hpp"
#include "semra/core/io.hpp"
#include "semra/core/stats.hpp"
#include "semra/experiments/runner.hpp"

namespace semra {

std::vector<std::string> parse_figure_formats(const std::string& list) {
  if (list.empty()) throw InputError("--format '': expected png, pdf and/or svg");
  // Every item between commas counts, a trailing empty one too: "png," is refused like ",png".
  std::vector<std::string> out;
  std::size_t from = 0;
  for (;;) {
    const std::size_t comma = list.find(',', from);
    const std::string f = list.substr(from, comma == std::string::npos ? comma : comma - from);
    if (f != "png" && f != "pdf" && f != "svg")
      throw InputError("--format '" + echo(list) +
                       "': expected a comma-separated subset of png, pdf, svg" +
                       (f.empty() ? " (an empty item)" : ""));
    if (std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  return out;
}

void check_figure_size(const std::string& size) {
  if (size != "default" && size != "ieee")
    throw InputError("--size '" + echo(size) +
                     "': expected default or ieee (3.5 in single column)");
}

namespace detail {

std::string figure_preamble(const FigureStyle& style, const std::string& stem,
                            std::size_t panel_cols, std::size_t panel_rows) {
  const bool panels = panel_cols * panel_rows > 1;
  // Default size: the PNG in pixels (SVG the same), the PDF in inches at 100 px per inch.
  const double w_px = panels ? 480.0 * static_cast<double>(panel_cols) : 1000.0;
  const double h_px = panels ? 380.0 * static_cast<double>(panel_rows) + 40.0 : 650.0;
  const int font_pt = panels ? 10 : 11;
  // IEEE: one column is 3.5 in (a panel grid takes the two-column 7.16 in), 8 pt text. The PNG is
  // 300 dpi, its fonts and lines scaled to match.
  const double iw_in = panels ? 7.16 : 3.5;
  const double ih_in = panels ? 2.3 * static_cast<double>(panel_rows) + 0.3 : 2.6;
  const double dpi_scale = 300.0 / 96.0;  // cairo PNG text is laid out at 96 dpi
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(2);
  s << "if (!exists(\"fmt\")) fmt = " << gnuplot_quote(style.formats.front()) << "\n"
    << "if (!exists(\"size\")) size = " << gnuplot_quote(style.size) << "\n"
    << "if (!exists(\"out\")) out = " << gnuplot_quote("./" + stem + ".") << " . fmt\n"
    << "if (size eq 'ieee') {\n"
    << "  if (fmt eq 'pdf') {\n"
    << "    set terminal pdfcairo size " << iw_in << "in," << ih_in
    << "in noenhanced font 'DejaVu Sans,8' linewidth 1\n"
    << "  } else { if (fmt eq 'svg') {\n"
    << "    set terminal svg size " << iw_in * 72 << "," << ih_in * 72
    << " dynamic noenhanced font 'DejaVu Sans,8' background rgb 'white'\n"
    << "  } else {\n"
    << "    set terminal pngcairo size " << std::lround(iw_in * 300) << ","
    << std::lround(ih_in * 300) << " noenhanced font 'DejaVu Sans,8' fontscale " << dpi_scale
    << " linewidth " << dpi_scale << "\n"
    << "  } }\n"
    << "  set key below font ',7' samplen 2 spacing 0.9 height 0.5\n"
    << "  set tics font ',7'\n"
    << "  set pointsize 0.6\n"
    << "  set xtics offset 0,0.3\n"
    << "  set xlabel offset 0,0.6\n"
    << "} else {\n"
    << "  if (fmt eq 'pdf') {\n"
    << "    set terminal pdfcairo size " << w_px / 100 << "in," << h_px / 100
    << "in noenhanced font 'DejaVu Sans," << font_pt - 1 << "'\n"
    << "  } else { if (fmt eq 'svg') {\n"
    << "    set terminal svg size " << std::lround(w_px) << "," << std::lround(h_px)
    << " dynamic noenhanced font 'DejaVu Sans," << font_pt << "' background rgb 'white'\n"
    << "  } else {\n"
    << "    set terminal pngcairo size " << std::lround(w_px) << "," << std::lround(h_px)
    << " noenhanced font 'DejaVu Sans," << font_pt << "'\n"
    << "  } }\n"
    << "  set key outside right top\n"
    << "}\n"
    << "set output out\n";
  return s.str();
}

constexpr std::size_t kMaxPoints = 2000;
// With two seeds the 95% interval is +-12.7 standard errors (t with one degree of freedom): a band
// that wide hides every curve, so bands start at three seeds (t = 4.3).
constexpr std::size_t kMinBandSeeds = 3;

std::vector<std::string> learning_curves(std::ostream& dat, std::ostream& gp,
                                         const std::vector<Curve>& curves, std::size_t window,
                                         bool log_y, const std::string& data_file) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<bool> band(curves.size(), false), drawn(curves.size(), false);
  for (std::size_t c = 0; c < curves.size(); ++c) {
    const auto& curve = curves[c];
    const std::size_t rows = curve.steps.size();
    std::vector<std::vector<double>> smooth;
    for (const auto& v : curve.values) {
      std::vector<double> x(rows, nan);
      std::copy_n(v.begin(), std::min(rows, v.size()), x.begin());
      smooth.push_back(moving_average(x, window));
    }
    band[c] = smooth.size() >= kMinBandSeeds;
    if (c > 0) dat << "\n\n";  // gnuplot data blocks, selected with `index`
    dat << "# " << gnuplot_comment(curve.label) << ": step mean ci95_low ci95_high ("
        << smooth.size() << " seeds, moving average over " << window << " rows"
        << (rows > kMaxPoints
                ? ", every " + std::to_string((rows + kMaxPoints - 1) / kMaxPoints) + "th row"
                : std::string())
        << ")\n";
    // A figure needs no more than ~2000 points per curve: every k-th row of the smoothed curves
    // (and the last), which keeps figure.dat small for 100,000-step runs.
    const std::size_t k = std::max<std::size_t>(1, (rows + kMaxPoints - 1) / kMaxPoints);
    std::vector<double> at(smooth.size());
    for (std::size_t i = 0; i < rows; ++i) {
      if (i % k != 0 && i + 1 != rows) continue;
      for (std::size_t k = 0; k < smooth.size(); ++k) at[k] = smooth[k][i];
      const double m = stats::mean(at), h = stats::ci95(at);
      drawn[c] = drawn[c] || (std::isfinite(m) && (!log_y || m > 0));
      dat << curve.steps[i] << " " << format_double(m) << " " << format_double(m - h) << " "
          << format_double(m + h) << "\n";
    }
  }
  // gnuplot skips undefined points, but fails ("all points y value undefined") on a plot of
  // nothing else: curves without a single drawable point are left out, and named.
  std::vector<std::string> left_out;
  for (std::size_t c = 0; c < curves.size(); ++c)
    if (!drawn[c]) left_out.push_back(curves[c].label);
  if (left_out.size() == curves.size()) return left_out;
  gp << "plot ";
  bool first = true;
  const std::string low = log_y ? "($3 > 0 ? $3 : $2/10)" : "3";
  // Lighter bands when many overlap.
  const double opacity = std::count(band.begin(), band.end(), true) > 3 ? 0.13 : 0.22;
  for (std::size_t c = 0; c < curves.size(); ++c) {
    if (!band[c] || !drawn[c]) continue;
    gp << (first ? "" : ", \\\n     ") << gnuplot_quote("./" + data_file) << " index " << c
       << " using 1:" << low << ":4 with filledcurves lc " << c + 1 << " fs transparent solid "
       << opacity << " noborder notitle";
    first = false;
  }
  for (std::size_t c = 0; c < curves.size(); ++c) {
    if (!drawn[c]) continue;
    gp << (first ? "" : ", \\\n     ") << gnuplot_quote("./" + data_file) << " index " << c
       << " using 1:2 with lines lw 2 lc " << c + 1 << " title " << gnuplot_quote(curves[c].label);
    first = false;
  }
  gp << "\n";
  return left_out;
}

}  // namespace detail
}  // namespace semra
