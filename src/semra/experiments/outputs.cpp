#include "semra/experiments/outputs.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <iomanip>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "semra/core/error.hpp"
#include "semra/core/gnuplot.hpp"
#include "semra/core/io.hpp"
#include "semra/core/isa.hpp"
#include "semra/core/stats.hpp"
#include "semra/core/stop.hpp"
#include "semra/experiments/live.hpp"
#include "semra/experiments/mpi.hpp"
#include "semra/version.hpp"

namespace semra::detail {
namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

namespace {

// JSON cannot hold NaN or infinity: they become null.
ojson num(double v) {
  return std::isfinite(v) ? ojson(v) : ojson(nullptr);
}

ojson axis_json(const AxisValue& v) {
  return std::visit([](const auto& x) { return ojson(x); }, v);
}

bool axis_numeric(const SweepAxis& a) {
  for (const auto& v : a.values)
    if (!std::holds_alternative<std::int64_t>(v) && !std::holds_alternative<double>(v))
      return false;
  return true;
}

double axis_number(const AxisValue& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  return std::numeric_limits<double>::quiet_NaN();
}

// The value of every axis at grid point p.
std::vector<AxisValue> point_values(const RunPlan& plan, std::size_t p) {
  const auto idx = detail::point_indices(plan, p);
  std::vector<AxisValue> v;
  for (std::size_t a = 0; a < plan.axes.size(); ++a) v.push_back(plan.axes[a].values[idx[a]]);
  return v;
}

std::string metrics_csv(const RunPlan& plan, const std::vector<Job>& jobs,
                        const std::vector<ExperimentResult>& results) {
  const auto& columns = results.front().columns;
  std::string out = detail::metrics_header(plan, columns);
  std::size_t rows = 0;
  for (const auto& r : results) rows += r.steps.size();
  out.reserve(out.size() + rows * (16 + 12 * columns.size()));
  for (std::size_t j = 0; j < results.size(); ++j)
    detail::append_metrics_rows(out, detail::metrics_prefix(plan, jobs[j]), results[j], 0,
                                results[j].steps.size());
  return out;
}

// results indexed [point][scheme][seed] -> pointer
struct Grid {
  std::size_t np, ns, nseed;
  std::vector<const ExperimentResult*> r;
  const ExperimentResult& at(std::size_t p, std::size_t s, std::size_t k) const {
    return *r[(p * ns + s) * nseed + k];
  }
};

std::vector<double> scalar_over_seeds(const Grid& g, std::size_t p, std::size_t s,
                                      const std::string& name) {
  std::vector<double> v;
  for (std::size_t k = 0; k < g.nseed; ++k) {
    const auto& sc = g.at(p, s, k).scalars;
    const auto it = sc.find(name);
    v.push_back(it == sc.end() ? std::numeric_limits<double>::quiet_NaN() : it->second);
  }
  return v;
}

std::vector<float> pooled_samples(const Grid& g, std::size_t p, std::size_t s,
                                  const std::string& name) {
  std::vector<float> all;
  for (std::size_t k = 0; k < g.nseed; ++k) {
    const auto& m = g.at(p, s, k).samples;
    const auto it = m.find(name);
    if (it != m.end()) all.insert(all.end(), it->second.begin(), it->second.end());
  }
  return all;
}

// stats::percentile for several q at once (the same numbers: numpy's linear interpolation between
// order statistics), by selection instead of one full sort per q. Pooled samples can be millions
// (dhdrl: every UT and slot of every seed), and three sorts of them dominated a sweep's
// bookkeeping time. `qs` ascending.
std::vector<double> percentiles(std::vector<float> x, const std::vector<double>& qs) {
  std::vector<double> out;
  auto from = x.begin();
  for (double q : qs) {
    if (x.empty()) {
      out.push_back(std::numeric_limits<double>::quiet_NaN());
      continue;
    }
    const double pos = q / 100.0 * static_cast<double>(x.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const auto hi = std::min(lo + 1, x.size() - 1);
    const double frac = pos - static_cast<double>(lo);
    const auto at = x.begin() + static_cast<std::ptrdiff_t>(lo);
    // Earlier selections left everything before `from` no greater than what follows.
    if (at >= from) std::nth_element(from, at, x.end());
    const double a = *at;
    const double b = hi == lo ? a : *std::min_element(at + 1, x.end());
    out.push_back(a + frac * (b - a));
    from = at;
  }
  return out;
}

// A value per grid point: the value itself without a grid, else an array aligned with x/points.
template <class F>
ojson per_point(const Grid& g, bool grid, F&& f) {
  if (!grid) return f(std::size_t{0});
  ojson arr = ojson::array();
  for (std::size_t p = 0; p < g.np; ++p) arr.push_back(f(p));
  return arr;
}

ojson summary_json(const RunPlan& plan, const Grid& g, double wall_seconds) {
  ojson j;
  j["semra_version"] = kVersion;
  j["isa"] = to_string(active_isa());
  j["scenario"] = plan.scenario->name;
  if (!plan.figure.empty()) j["figure"] = plan.figure;
  if (!plan.sweep.empty()) j["sweep"] = plan.sweep;
  j["seeds"] = plan.seeds;
  std::int64_t steps = 0;
  for (const auto* r : g.r)
    if (!r->steps.empty()) steps = std::max(steps, r->steps.back() + 1);
  j["steps"] = steps;
  j["wall_seconds"] = wall_seconds;
  const bool grid = !plan.axes.empty();
  if (plan.axes.size() == 1) {
    j["x_name"] = plan.axes[0].name;
    j["x_key"] = plan.axes[0].key;
    ojson x = ojson::array();
    for (const auto& v : plan.axes[0].values) x.push_back(axis_json(v));
    j["x"] = x;
  } else if (plan.axes.size() > 1) {
    ojson axes = ojson::array();
    for (const auto& a : plan.axes) {
      ojson values = ojson::array();
      for (const auto& v : a.values) values.push_back(axis_json(v));
      axes.push_back({{"key", a.key}, {"name", a.name}, {"values", values}});
    }
    j["axes"] = axes;
    ojson points = ojson::array();
    for (std::size_t p = 0; p < g.np; ++p) {
      ojson pt = ojson::object();
      const auto vals = point_values(plan, p);
      for (std::size_t a = 0; a < plan.axes.size(); ++a) pt[plan.axes[a].name] = axis_json(vals[a]);
      points.push_back(pt);
    }
    j["points"] = points;
  }
  const auto& first = *g.r.front();
  ojson schemes = ojson::object();
  for (std::size_t s = 0; s < g.ns; ++s) {
    ojson sj = ojson::object();
    for (const auto& [name, unused] : first.scalars) {
      (void)unused;
      if (name == "steps_per_second") continue;
      if (!grid) {
        const auto v = scalar_over_seeds(g, 0, s, name);
        ojson per_seed = ojson::array();
        for (double x : v) per_seed.push_back(num(x));
        sj[name] = {
            {"mean", num(stats::mean(v))}, {"ci95", num(stats::ci95(v))}, {"per_seed", per_seed}};
      } else {
        ojson means = ojson::array(), cis = ojson::array(), per = ojson::array();
        for (std::size_t p = 0; p < g.np; ++p) {
          const auto v = scalar_over_seeds(g, p, s, name);
          means.push_back(num(stats::mean(v)));
          cis.push_back(num(stats::ci95(v)));
          ojson ps = ojson::array();
          for (double y : v) ps.push_back(num(y));
          per.push_back(ps);
        }
        sj[name] = {{"mean", means}, {"ci95", cis}, {"per_seed", per}};
      }
    }
    for (const auto& sample : first.samples) {
      const std::string& name = sample.first;  // (clang 14 cannot capture a structured binding)
      sj[name] = per_point(g, grid, [&](std::size_t p) {
        const auto q = percentiles(pooled_samples(g, p, s, name), {10, 50, 90});
        return ojson{{"p10", num(q[0])}, {"p50", num(q[1])}, {"p90", num(q[2])}};
      });
    }
    if (first.scalars.count("steps_per_second"))
      sj["steps_per_second"] = per_point(g, grid, [&](std::size_t p) {
        return num(stats::mean(scalar_over_seeds(g, p, s, "steps_per_second")));
      });
    schemes[plan.schemes[s]] = sj;
  }
  j["schemes"] = schemes;

  // The proposed scheme against every other: relative difference of the primary metric and the
  // two-sided Welch t-test p-value over seeds.
  const auto& sc = *plan.scenario;
  const auto proposed = std::find(plan.schemes.begin(), plan.schemes.end(), sc.proposed_scheme);
  if (proposed != plan.schemes.end() && first.scalars.count(sc.primary_metric)) {
    const std::size_t pi = static_cast<std::size_t>(proposed - plan.schemes.begin());
    ojson cmp = ojson::object();
    for (std::size_t s = 0; s < g.ns; ++s) {
      if (s == pi) continue;
      auto one = [&](std::size_t p) {
        const auto a = scalar_over_seeds(g, p, pi, sc.primary_metric);
        const auto b = scalar_over_seeds(g, p, s, sc.primary_metric);
        const double mb = stats::mean(b);
        return std::pair{(stats::mean(a) - mb) / std::fabs(mb), stats::welch_p_value(a, b)};
      };
      ojson c;
      c["metric"] = sc.primary_metric;
      c["higher_is_better"] = sc.primary_higher_is_better;
      c["relative_difference"] =
          per_point(g, grid, [&](std::size_t p) { return num(one(p).first); });
      c["p_value"] = per_point(g, grid, [&](std::size_t p) { return num(one(p).second); });
      cmp[plan.schemes[pi] + " vs " + plan.schemes[s]] = c;
    }
    j["comparisons"] = cmp;
  }
  return j;
}

// figure.dat rows "x mean ci95 mean ci95 ..." of a scalar over the first axis, for the grid
// points whose other axes have the value indices `rest` (empty for a one-key sweep). A non-numeric
// axis (strings, booleans) is written as its value index; the values label the ticks in the script
// (sweep_xtics), so no string ever enters the data file. Returns, per scheme, whether any mean can
// be drawn (finite; with a log axis, above zero).
std::vector<bool> sweep_block(std::ostream& dat, const RunPlan& plan, const Grid& g,
                              const std::vector<std::size_t>& rest) {
  const auto& x_axis = plan.axes[0];
  const bool numeric = axis_numeric(x_axis);
  std::vector<bool> drawable(g.ns, false);
  for (std::size_t xi = 0; xi < x_axis.values.size(); ++xi) {
    // Point index: first axis outermost, then the others in order.
    std::size_t p = xi;
    for (std::size_t a = 1; a < plan.axes.size(); ++a)
      p = p * plan.axes[a].values.size() + rest[a - 1];
    if (numeric)
      dat << axis_value_text(x_axis.values[xi]);
    else
      dat << xi;
    for (std::size_t s = 0; s < g.ns; ++s) {
      const auto v = scalar_over_seeds(g, p, s, plan.y_metric);
      const double m = stats::mean(v);
      drawable[s] = drawable[s] || (std::isfinite(m) && (!plan.log_y || m > 0));
      dat << " " << format_double(m) << " " << format_double(stats::ci95(v));
    }
    dat << "\n";
  }
  return drawable;
}

// `set xtics` labelling a non-numeric first axis by its values (empty for a numeric one).
std::string sweep_xtics(const RunPlan& plan) {
  if (axis_numeric(plan.axes[0])) return "";
  std::string t = "set xtics (";
  for (std::size_t i = 0; i < plan.axes[0].values.size(); ++i)
    t += (i ? ", " : "") + gnuplot_quote(axis_value_text(plan.axes[0].values[i])) + " " +
         std::to_string(i);
  return t + ")\n";
}

// The gnuplot `plot` command of a sweep panel over data block `index`, for the schemes that have
// something to draw there.
std::string sweep_plot(const RunPlan& plan, const Grid& g, int index,
                       const std::vector<bool>& drawable) {
  std::ostringstream gp;
  gp << "plot ";
  bool first = true;
  for (std::size_t s = 0; s < g.ns; ++s) {
    if (!drawable[s]) continue;
    const std::size_t m = 2 + 2 * s, c = m + 1;  // the scheme's mean and ci95 columns
    gp << (first ? "" : ", \\\n     ") << "'figure.dat' index " << index << " using 1:" << m << ":";
    first = false;
    if (plan.log_y) {
      // (x, y, ylow, yhigh): a 95% CI reaching zero or below has no place on a log axis, so its
      // lower bar stops at a tenth of the mean (stated in the figure).
      gp << "(($" << m << "-$" << c << ")>0 ? $" << m << "-$" << c << " : $" << m << "/10):($" << m
         << "+$" << c << ")";
    } else {
      gp << c;
    }
    gp << " with yerrorlines lw 2 pt 7 title " << gnuplot_quote(plan.schemes[s]);
  }
  gp << "\n";
  return gp.str();
}

// "a, b" of the schemes not drawable anywhere (for the warning).
std::string not_drawn(const RunPlan& plan, const std::vector<bool>& drawable) {
  std::string s;
  for (std::size_t i = 0; i < drawable.size(); ++i)
    if (!drawable[i]) s += (s.empty() ? "" : ", ") + plan.schemes[i];
  return s;
}

void write_figure(const RunPlan& plan, const Grid& g, const fs::path& dir) {
  const auto& first = *g.r.front();
  if (plan.axes.size() > 2) return;  // no standard plot for three or more keys
  const bool series = plan.axes.empty();
  const bool known = series ? std::find(first.columns.begin(), first.columns.end(),
                                        plan.y_metric) != first.columns.end()
                            : first.scalars.count(plan.y_metric) > 0;
  if (!known) {
    std::fprintf(stderr, "semra: warning: no figure: the experiments report no %s '%s'\n",
                 series ? "metric column" : "scalar", plan.y_metric.c_str());
    return;
  }
  const std::string what = plan.log_y ? "finite value above zero (log axis)" : "finite value";
  auto nothing_to_draw = [&](const std::string& where) {
    std::fprintf(stderr, "semra: warning: no figure: no scheme has a %s of %s%s\n", what.c_str(),
                 plan.y_metric.c_str(), where.c_str());
  };
  const std::string title = !plan.figure.empty() ? plan.figure : plan.sweep;
  std::ostringstream dat, gp;
  gp << "# semra figure: " << gnuplot_comment(title.empty() ? plan.scenario->name : title) << "\n"
     << "# Re-render with: gnuplot figure.gp   (or gnuplot -e \"fmt='pdf'; size='ieee'\" "
        "figure.gp;\n"
     << "# fmt: png, pdf, svg; size: default, ieee = 3.5 in single column)\n";
  if (plan.axes.size() == 2) {
    const std::size_t n = plan.axes[1].values.size();
    const std::size_t cols = std::min<std::size_t>(n, 3), rows = (n + cols - 1) / cols;
    gp << detail::figure_preamble(plan.figure_style, "figure", cols, rows);
  } else {
    gp << detail::figure_preamble(plan.figure_style, "figure");
  }
  gp << "set grid\n"
     << "set xlabel " << gnuplot_quote(plan.x_label) << "\n"
     << "set ylabel " << gnuplot_quote(plan.y_label) << "\n";
  if (plan.log_y) {
    gp << "set logscale y\n";
    if (!series)
      gp << "note = 'log scale; CI bars reaching <= 0 clipped at mean/10'\n"
            "if (size eq 'ieee') { set label note at graph 0.02, graph 0.96 font ',6' } "
            "else { set label note at graph 0.01, graph -0.09 font ',8' }\n";
  }
  if (series) {
    if (!title.empty()) gp << "if (size ne 'ieee') set title " << gnuplot_quote(title) << "\n";
    const std::size_t col = first.column(plan.y_metric);
    const std::size_t rows = first.steps.size();
    // The smoothing window is in steps; rows may be recorded every few steps.
    const std::int64_t spacing =
        rows > 1 ? std::max<std::int64_t>(1, first.steps[1] - first.steps[0]) : 1;
    const std::size_t window =
        static_cast<std::size_t>(std::max<std::int64_t>(1, plan.smooth / spacing));
    std::vector<detail::Curve> curves;
    for (std::size_t s = 0; s < g.ns; ++s) {
      detail::Curve c{plan.schemes[s], first.steps, {}};
      for (std::size_t k = 0; k < g.nseed; ++k) c.values.push_back(g.at(0, s, k).values[col]);
      curves.push_back(std::move(c));
    }
    dat << "# " << gnuplot_comment(plan.y_metric)
        << ", mean over seeds and 95% CI (smoothing: " << plan.smooth << " steps)\n";
    const auto left_out =
        detail::learning_curves(dat, gp, curves, window, plan.log_y, "figure.dat");
    if (left_out.size() == curves.size()) return nothing_to_draw("");
    for (const auto& l : left_out)
      std::fprintf(stderr, "semra: warning: figure: %s has no %s of %s (left out)\n", l.c_str(),
                   what.c_str(), plan.y_metric.c_str());
  } else {
    const bool numeric = axis_numeric(plan.axes[0]);
    auto header = [&](const std::string& extra) {
      dat << "# " << gnuplot_comment(plan.axes[0].name) << (numeric ? "" : "_index");
      for (const auto& name : plan.schemes) dat << " " << name << "_mean " << name << "_ci95";
      dat << "   (" << gnuplot_comment(plan.y_metric) << ", mean and 95% CI half-width over seeds"
          << gnuplot_comment(extra) << ")\n";
      if (!numeric)
        for (std::size_t i = 0; i < plan.axes[0].values.size(); ++i)
          dat << "# " << i << ": " << gnuplot_comment(axis_value_text(plan.axes[0].values[i]))
              << "\n";
    };
    gp << sweep_xtics(plan);
    if (plan.axes.size() == 1) {
      if (!title.empty()) gp << "if (size ne 'ieee') set title " << gnuplot_quote(title) << "\n";
      header("");
      const auto drawable = sweep_block(dat, plan, g, {});
      if (std::none_of(drawable.begin(), drawable.end(), [](bool d) { return d; }))
        return nothing_to_draw("");
      if (const auto n = not_drawn(plan, drawable); !n.empty())
        std::fprintf(stderr, "semra: warning: figure: %s has no %s of %s (left out)\n", n.c_str(),
                     what.c_str(), plan.y_metric.c_str());
      gp << sweep_plot(plan, g, 0, drawable);
    } else {
      // One panel per value of the second key.
      const auto& panel_axis = plan.axes[1];
      const std::size_t n = panel_axis.values.size();
      const std::size_t cols = std::min<std::size_t>(n, 3), rows = (n + cols - 1) / cols;
      gp << "set key inside top left\n"
         << "set multiplot layout " << rows << "," << cols << " title "
         << gnuplot_quote(title.empty() ? plan.scenario->name : title) << "\n";
      for (std::size_t i = 0; i < n; ++i) {
        const std::string label = panel_axis.name + " = " + axis_value_text(panel_axis.values[i]);
        if (i > 0) dat << "\n\n";  // gnuplot data blocks, selected with `index`
        header(", " + label);
        const auto drawable = sweep_block(dat, plan, g, {i});
        // A panel gnuplot cannot draw fails the whole script.
        if (std::none_of(drawable.begin(), drawable.end(), [](bool d) { return d; }))
          return nothing_to_draw(" in the panel " + label);
        gp << "set title " << gnuplot_quote(label) << "\n"
           << sweep_plot(plan, g, static_cast<int>(i), drawable);
      }
      gp << "unset multiplot\n";
    }
  }
  write_file_atomic(dir / "figure.dat", dat.str());
  write_file_atomic(dir / "figure.gp", gp.str());
  render_gnuplot(dir, "figure.gp", plan.figure_style.formats);
}

std::string mat_name(const std::string& s) {
  std::string out;
  for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out.substr(0, 60);
}

void write_mat(const RunPlan& plan, const Grid& g, const fs::path& path) {
  MatFile mat;
  mat.add_strings("schemes", plan.schemes);
  std::vector<double> seeds(plan.seeds.begin(), plan.seeds.end());
  mat.add_array("seeds", {seeds.size(), 1}, seeds);
  // The grid: "x" for one key; for several, "axes" (their names) and "x1", "x2"... holding each
  // key's value at every point.
  auto add_values = [&](const std::string& name, const std::vector<AxisValue>& vals) {
    bool numeric = true;
    for (const auto& v : vals) numeric = numeric && !std::isnan(axis_number(v));
    if (numeric) {
      std::vector<double> x;
      for (const auto& v : vals) x.push_back(axis_number(v));
      mat.add_array(name, {x.size(), 1}, x);
    } else {
      std::vector<std::string> x;
      for (const auto& v : vals) x.push_back(axis_value_text(v));
      mat.add_strings(name, x);
    }
  };
  if (plan.axes.size() == 1) {
    add_values("x", plan.axes[0].values);
  } else if (plan.axes.size() > 1) {
    std::vector<std::string> names;
    for (const auto& a : plan.axes) names.push_back(a.name);
    mat.add_strings("axes", names);
    for (std::size_t a = 0; a < plan.axes.size(); ++a) {
      std::vector<AxisValue> at;
      for (std::size_t p = 0; p < g.np; ++p) at.push_back(point_values(plan, p)[a]);
      std::string name("x");  // (not "x" + to_string: GCC 12 -Wrestrict false positive)
      name.append(std::to_string(a + 1));
      add_values(name, at);
    }
  }
  const auto& first = *g.r.front();
  const std::size_t rows = first.steps.size();
  std::vector<double> steps(first.steps.begin(), first.steps.end());
  mat.add_array("steps", {rows, 1}, steps);
  auto dims = [&](std::size_t lead) {
    std::vector<std::size_t> d{lead, g.nseed, g.ns};
    if (!plan.axes.empty()) d.push_back(g.np);
    return d;
  };
  // Series: [step, seed, scheme(, point)].
  for (std::size_t c = 0; c < first.columns.size(); ++c) {
    std::vector<double> data;
    data.reserve(rows * g.r.size());
    for (std::size_t p = 0; p < g.np; ++p)
      for (std::size_t s = 0; s < g.ns; ++s)
        for (std::size_t k = 0; k < g.nseed; ++k) {
          const auto& v = g.at(p, s, k).values[c];
          for (std::size_t i = 0; i < rows; ++i)
            data.push_back(i < v.size() ? v[i] : std::numeric_limits<double>::quiet_NaN());
        }
    mat.add_array(mat_name(first.columns[c]), dims(rows), std::move(data));
  }
  // Scalars: [1, seed, scheme(, point)], named summary_<scalar>.
  for (const auto& [name, unused] : first.scalars) {
    (void)unused;
    std::vector<double> data;
    for (std::size_t p = 0; p < g.np; ++p)
      for (std::size_t s = 0; s < g.ns; ++s)
        for (double v : scalar_over_seeds(g, p, s, name)) data.push_back(v);
    mat.add_array(mat_name("summary_" + name), dims(1), std::move(data));
  }
  mat.write(path);
}

std::string summary_table(const RunPlan& plan, const Grid& g) {
  const auto& sc = *plan.scenario;
  std::ostringstream os;
  const bool has_primary = g.r.front()->scalars.count(sc.primary_metric) > 0;
  const std::string metric = has_primary ? sc.primary_metric : "";
  os << std::left << std::setw(18) << "scheme";
  if (plan.axes.empty()) {
    if (has_primary) os << std::setw(28) << (metric + " (mean +- ci95)");
    os << "steps/s\n";
    for (std::size_t s = 0; s < g.ns; ++s) {
      os << std::setw(18) << plan.schemes[s];
      if (has_primary) {
        const auto v = scalar_over_seeds(g, 0, s, metric);
        std::ostringstream cell;
        cell << std::fixed << std::setprecision(4) << stats::mean(v) << " +- " << stats::ci95(v);
        os << std::setw(28) << cell.str();
      }
      os << std::fixed << std::setprecision(0)
         << stats::mean(scalar_over_seeds(g, 0, s, "steps_per_second")) << "\n";
    }
  } else if (plan.axes.size() == 1) {
    os << metric << " at " << plan.axes[0].name << " =";
    for (const auto& x : plan.axes[0].values) os << " " << axis_value_text(x);
    os << "\n";
    for (std::size_t s = 0; s < g.ns; ++s) {
      os << std::setw(18) << plan.schemes[s];
      for (std::size_t p = 0; p < g.np; ++p)
        os << " " << std::fixed << std::setprecision(4)
           << (has_primary ? stats::mean(scalar_over_seeds(g, p, s, metric)) : 0.0);
      os << "\n";
    }
  } else {
    // One line per grid point (at most 50), one column per scheme.
    os.str("");
    os << metric << " (mean over seeds)\n" << std::left << std::setw(40) << "point";
    for (const auto& s : plan.schemes) os << " " << std::setw(12) << s;
    os << "\n";
    for (std::size_t p = 0; p < std::min<std::size_t>(g.np, 50); ++p) {
      std::string label;
      const auto vals = point_values(plan, p);
      for (std::size_t a = 0; a < vals.size(); ++a)
        label += (a ? " " : "") + plan.axes[a].name + "=" + axis_value_text(vals[a]);
      os << std::setw(40) << label;
      for (std::size_t s = 0; s < g.ns; ++s)
        os << " " << std::setw(12) << std::fixed << std::setprecision(4)
           << (has_primary ? stats::mean(scalar_over_seeds(g, p, s, metric)) : 0.0);
      os << "\n";
    }
    if (g.np > 50) os << "... (" << g.np - 50 << " more points in summary.json)\n";
  }
  return os.str();
}

std::string config_header(const RunPlan& plan) {
  std::ostringstream cfg;
  cfg << "# semra " << kVersion << " resolved configuration of scenario '" << plan.scenario->name
      << "'\n# schemes:";
  for (const auto& s : plan.schemes) cfg << " " << s;
  cfg << "\n# seeds:";
  for (auto s : plan.seeds) cfg << " " << s;
  cfg << "\n";
  if (!plan.figure.empty()) cfg << "# figure: " << plan.figure << "\n";
  if (!plan.sweep.empty()) cfg << "# sweep: " << plan.sweep << "\n";
  for (const auto& a : plan.axes) {
    cfg << "# swept: " << a.key << " =";
    for (const auto& x : a.values) cfg << " " << axis_value_text(x);
    cfg << " (the value below is the base value)\n";
  }
  return cfg.str();
}

}  // namespace

std::string write_outputs(const RunPlan& plan, const std::vector<Job>& jobs,
                          const std::vector<ExperimentResult>& results, double wall_seconds) {
  Grid g{grid_points(plan), plan.schemes.size(), plan.seeds.size(), {}};
  for (const auto& r : results) g.r.push_back(&r);
  for (const auto& r : results)
    if (r.columns != results.front().columns)
      throw std::logic_error("experiments returned different metric columns");

  // A stop between files (they may be large) ends the command; --resume writes them again.
  write_file_atomic(plan.out_dir / "config.toml",
                    config_header(plan) + plan.config->schema().to_toml());
  throw_if_stopped();
  write_file_atomic(plan.out_dir / "metrics.csv", metrics_csv(plan, jobs, results));
  throw_if_stopped();
  write_mat(plan, g, plan.out_dir / "results.mat");
  throw_if_stopped();
  write_file_atomic(plan.out_dir / "summary.json",
                    summary_json(plan, g, wall_seconds).dump(2) + "\n");
  throw_if_stopped();
  // Last: every data output is complete before gnuplot runs, so a figure that fails (an error,
  // exit 2) leaves the results written.
  if (plan.plot && !plan.y_metric.empty()) write_figure(plan, g, plan.out_dir);
  return summary_table(plan, g);
}

}  // namespace semra::detail
