#include "semra/experiments/plot.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "semra/core/error.hpp"
#include "semra/core/gnuplot.hpp"
#include "semra/core/io.hpp"
#include "semra/core/stop.hpp"
#include "semra/experiments/registry.hpp"

namespace semra {
namespace fs = std::filesystem;

namespace {

// One run directory, as far as a plot needs it.
struct Run {
  fs::path dir;
  std::string scenario;
  std::vector<std::pair<std::string, std::string>> config;  // key, value (schema order)
  std::vector<std::string> columns;                         // metric columns of metrics.csv
  // scheme (in file order) -> seed (in file order) -> rows
  struct Series {
    std::vector<std::int64_t> steps;
    std::vector<std::vector<double>> values;  // [column][row]
  };
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, Series>>>> schemes;
};

std::string quoted(const fs::path& p) {
  return "'" + echo(p.string(), 300) + "'";
}

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out(1);
  bool in_quotes = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_quotes) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      in_quotes = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

Run load_run(const fs::path& dir) {
  Run run;
  run.dir = dir;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw InputError("plot: " + quoted(dir) + " is not a directory");
  if (!fs::exists(dir / "manifest.json", ec))
    throw InputError("plot: " + quoted(dir) + " is not a semra run directory (no manifest.json)");
  nlohmann::json m;
  try {
    m = nlohmann::json::parse(
        read_input_file(dir / "manifest.json", "manifest", input_limit::kManifestBytes));
    run.scenario = m.at("scenario").get<std::string>();
    if (find_scenario_or_extra(run.scenario) == nullptr)
      throw InputError("plot: " + quoted(dir / "manifest.json") + " names an unknown scenario '" +
                       echo(run.scenario) + "'");
    for (const auto& [k, v] : m.at("config").items())
      run.config.emplace_back(k, v.get<std::string>());
    // (inside the try: an "axes" of another shape is a corrupt manifest, not an internal error)
    if (m.contains("axes") && !m["axes"].empty())
      throw InputError("plot: " + quoted(dir) + " is a sweep (over " +
                       echo(m["axes"].at(0).value("key", std::string("?"))) +
                       "); semra plot overlays learning curves of runs without a grid");
  } catch (const nlohmann::json::exception& e) {
    throw InputError("plot: " + quoted(dir / "manifest.json") + " is not a semra manifest (" +
                     echo(e.what(), 300) + ")");
  }
  if (!fs::exists(dir / "metrics.csv", ec))
    throw InputError("plot: " + quoted(dir) +
                     " has no metrics.csv (an unfinished run? finish it with --resume)");
  std::istringstream in(
      read_input_file(dir / "metrics.csv", "metrics file", input_limit::kRunFileBytes));
  std::string line;
  std::getline(in, line);
  const auto header = split_csv_line(line);
  if (header.size() < 4 || header[0] != "scheme" || header[1] != "seed" || header[2] != "step")
    throw InputError("plot: " + quoted(dir / "metrics.csv") +
                     " does not start with scheme,seed,step");
  run.columns.assign(header.begin() + 3, header.end());
  std::size_t line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    const auto f = split_csv_line(line);
    if (f.size() != header.size())
      throw InputError("plot: " + quoted(dir / "metrics.csv") + " line " + std::to_string(line_no) +
                       ": " + std::to_string(f.size()) + " fields, expected " +
                       std::to_string(header.size()));
    auto scheme = std::find_if(run.schemes.begin(), run.schemes.end(),
                               [&](const auto& s) { return s.first == f[0]; });
    if (scheme == run.schemes.end()) {
      run.schemes.push_back({f[0], {}});
      scheme = run.schemes.end() - 1;
    }
    auto& seeds = scheme->second;
    auto seed =
        std::find_if(seeds.begin(), seeds.end(), [&](const auto& s) { return s.first == f[1]; });
    if (seed == seeds.end()) {
      seeds.push_back(
          {f[1], Run::Series{{}, std::vector<std::vector<double>>(run.columns.size())}});
      seed = seeds.end() - 1;
    }
    seed->second.steps.push_back(std::strtoll(f[2].c_str(), nullptr, 10));
    for (std::size_t c = 0; c < run.columns.size(); ++c)
      seed->second.values[c].push_back(std::strtod(f[3 + c].c_str(), nullptr));
  }
  if (run.schemes.empty())
    throw InputError("plot: " + quoted(dir / "metrics.csv") + " has no rows");
  return run;
}

// Published curves: `slot,NAME,...` then rows of numbers; an empty cell is a gap in that curve.
struct Published {
  std::vector<std::string> names;
  std::vector<std::vector<std::pair<double, double>>> points;  // [curve] (slot, value)
};

Published load_published(const fs::path& file) {
  // A published curve at full resolution (one point per slot, 100,000 slots, a few curves) is a
  // few MB: the config files' cap (docs/limits.md "Input files").
  std::istringstream in(read_input_file(file, "plot: --published", input_limit::kTomlBytes));
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const auto header = split_csv_line(line);
  if (header.size() < 2 || header[0] != "slot")
    throw InputError("plot: --published " + quoted(file) +
                     " must start with a header slot,NAME,... (one column per curve)");
  Published p;
  p.names.assign(header.begin() + 1, header.end());
  p.points.resize(p.names.size());
  auto number = [&](const std::string& text, std::size_t line_no, const std::string& column) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v))
      throw InputError("plot: --published " + quoted(file) + " line " + std::to_string(line_no) +
                       ", column " + echo(column) + ": '" + echo(text) + "' is not a number");
    return v;
  };
  std::size_t line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto f = split_csv_line(line);
    if (f.size() != header.size())
      throw InputError("plot: --published " + quoted(file) + " line " + std::to_string(line_no) +
                       ": " + std::to_string(f.size()) + " fields, expected " +
                       std::to_string(header.size()));
    const double slot = number(f[0], line_no, "slot");
    for (std::size_t c = 1; c < f.size(); ++c)
      if (!f[c].empty()) p.points[c - 1].emplace_back(slot, number(f[c], line_no, header[c]));
  }
  return p;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const FigureEntry* headline_figure(const std::string& scenario) {
  for (const auto& f : figures())
    if (f.scenario == scenario && f.x_key.empty()) return &f;
  return nullptr;
}

// "key=value, key=value" of the config keys whose values differ between the runs.
std::vector<std::string> differing_labels(const std::vector<Run>& runs) {
  std::vector<std::string> labels(runs.size());
  std::map<std::string, std::vector<std::string>> values;  // key -> value per run ("" if absent)
  std::vector<std::string> order;
  for (std::size_t r = 0; r < runs.size(); ++r)
    for (const auto& [k, v] : runs[r].config) {
      auto& vs = values[k];
      if (vs.empty()) {
        vs.assign(runs.size(), "(unset)");
        order.push_back(k);
      }
      vs[r] = v;
    }
  for (const auto& k : order) {
    const auto& vs = values[k];
    if (std::all_of(vs.begin(), vs.end(), [&](const auto& v) { return v == vs.front(); })) continue;
    for (std::size_t r = 0; r < runs.size(); ++r)
      labels[r] += (labels[r].empty() ? "" : ", ") + k + "=" + vs[r];
  }
  for (std::size_t r = 0; r < runs.size(); ++r)
    if (labels[r].empty()) labels[r] = runs[r].dir.filename().string();
  return labels;
}

}  // namespace

PlotOutcome plot_runs(const PlotRequest& req) {
  if (req.dirs.empty()) throw InputError("plot: name at least one run directory");
  if (req.out.empty()) throw InputError("plot: --out FILE is required");
  if (!req.labels.empty() && req.labels.size() != req.dirs.size())
    throw InputError("plot: --label gives " + std::to_string(req.labels.size()) + " labels for " +
                     std::to_string(req.dirs.size()) + " directories");
  check_figure_size(req.size);
  FigureStyle style;
  style.size = req.size;
  // FILE names the figure, in the folder it names: never a directory, never another name without
  // a word. FILE.png, .pdf or .svg picks the format; any other name gets the format's extension
  // added (cmp-lr0.001 -> cmp-lr0.001.png), so nothing of it is dropped.
  std::error_code ec;
  const std::string file = req.out.filename().string();
  if (file.empty() || file == "." || file == ".." || fs::is_directory(req.out, ec))
    throw InputError("plot: --out " + quoted(req.out) +
                     " is a directory: name the figure file, e.g. " + quoted(req.out / "plot.png"));
  const std::string ext = req.out.extension().string();
  const bool known_ext = ext == ".png" || ext == ".pdf" || ext == ".svg";
  if (!req.formats.empty()) {
    style.formats = req.formats;
    if (known_ext &&
        std::find(style.formats.begin(), style.formats.end(), ext.substr(1)) == style.formats.end())
      throw InputError("plot: --out " + quoted(req.out) + " is a " + ext.substr(1) +
                       " file but --format does not ask for " + ext.substr(1) +
                       ": change the extension or add it to --format");
  } else if (known_ext) {
    style.formats = {ext.substr(1)};
  }
  const std::string stem = known_ext ? req.out.stem().string() : file;

  std::vector<Run> runs;
  for (const auto& d : req.dirs) runs.push_back(load_run(d));
  // The same run twice would be two identical curves.
  for (std::size_t a = 0; a < runs.size(); ++a)
    for (std::size_t b = 0; b < a; ++b)
      if (fs::equivalent(runs[a].dir, runs[b].dir, ec))
        throw InputError("plot: " + quoted(runs[b].dir) + " and " + quoted(runs[a].dir) +
                         " are the same run directory; give each run once");
  for (const auto& r : runs)
    if (r.scenario != runs.front().scenario)
      throw InputError("plot: " + quoted(r.dir) + " is a " + echo(r.scenario) + " run but " +
                       quoted(runs.front().dir) + " is " + echo(runs.front().scenario) +
                       ": overlay runs of one scenario");
  const std::string& scenario = runs.front().scenario;
  const FigureEntry* fig = headline_figure(scenario);
  PlotOutcome outcome;
  outcome.metric = !req.metric.empty() ? req.metric
                   : fig != nullptr    ? fig->y_metric
                                       : runs.front().columns.front();
  std::vector<std::size_t> col(runs.size());
  for (std::size_t r = 0; r < runs.size(); ++r) {
    const auto& cs = runs[r].columns;
    const auto it = std::find(cs.begin(), cs.end(), outcome.metric);
    if (it == cs.end()) {
      std::string valid;
      for (const auto& c : cs) valid += (valid.empty() ? "" : ", ") + c;
      throw InputError("plot: no metric '" + echo(outcome.metric) + "' in " +
                       quoted(runs[r].dir / "metrics.csv") + " (columns: " + echo(valid, 300) +
                       ")");
    }
    col[r] = static_cast<std::size_t>(it - cs.begin());
  }

  const auto run_labels = req.labels.empty() ? differing_labels(runs) : req.labels;
  std::vector<std::string> all_schemes;
  for (const auto& r : runs)
    for (const auto& s : r.schemes)
      if (std::find(all_schemes.begin(), all_schemes.end(), s.first) == all_schemes.end())
        all_schemes.push_back(s.first);
  std::vector<detail::Curve> curves;
  std::vector<std::string> curve_scheme;  // [curve] its scheme (published curves match it)
  std::int64_t spacing = 1;
  for (std::size_t r = 0; r < runs.size(); ++r)
    for (const auto& [scheme, seeds] : runs[r].schemes) {
      detail::Curve c;
      c.label = all_schemes.size() > 1 ? run_labels[r] + ": " + scheme : run_labels[r];
      c.steps = seeds.front().second.steps;
      for (const auto& [seed, series] : seeds) c.values.push_back(series.values[col[r]]);
      if (c.steps.size() > 1) spacing = std::max<std::int64_t>(1, c.steps[1] - c.steps[0]);
      curves.push_back(std::move(c));
      curve_scheme.push_back(scheme);
    }
  const Published published = req.published.empty() ? Published{} : load_published(req.published);
  outcome.curve_labels.reserve(curves.size());
  for (const auto& c : curves) outcome.curve_labels.push_back(c.label);
  for (const auto& n : published.names) outcome.curve_labels.push_back(n + " (published)");

  const bool headline = fig != nullptr && fig->y_metric == outcome.metric;
  const int smooth = headline ? fig->smooth : 1;
  const auto window = static_cast<std::size_t>(std::max<std::int64_t>(1, smooth / spacing));
  const fs::path dir = req.out.parent_path().empty() ? fs::path(".") : req.out.parent_path();
  std::ostringstream dat, gp;
  gp << "# semra plot: " << gnuplot_comment(outcome.metric) << " of " << runs.size() << " "
     << gnuplot_comment(scenario) << " run(s)\n"
     << "# Re-render with: gnuplot " << gnuplot_comment(stem)
     << ".gp   (or gnuplot -e \"fmt='pdf'; size='ieee'\" " << gnuplot_comment(stem) << ".gp)\n"
     << detail::figure_preamble(style, stem) << "set grid\n"
     << "set xlabel " << gnuplot_quote(fig != nullptr ? fig->x_label : "step") << "\n"
     << "set ylabel " << gnuplot_quote(headline ? fig->y_label : outcome.metric) << "\n";
  if (headline && fig->log_y) gp << "set logscale y\n";
  dat << "# " << gnuplot_comment(outcome.metric)
      << ", mean over seeds and 95% CI (smoothing: " << smooth << " steps)\n";
  std::ostringstream ours;
  const auto left_out =
      detail::learning_curves(dat, ours, curves, window, headline && fig->log_y, stem + ".dat");
  const std::string drawable =
      headline && fig->log_y ? "finite value above zero (log axis)" : "finite value";
  if (left_out.size() == curves.size())
    throw InputError("plot: no run has a " + drawable + " of '" + echo(outcome.metric) +
                     "' (every value is NaN or infinite" +
                     (headline && fig->log_y ? ", or not above zero" : "") +
                     "): nothing to draw; nothing was written");
  for (const auto& l : left_out)
    std::fprintf(stderr, "semra plot: warning: '%s' has no %s of '%s': left out of the figure\n",
                 echo(l).c_str(), drawable.c_str(), echo(outcome.metric).c_str());
  std::string plot_cmd = ours.str();
  // Published curves: data blocks after ours (learning_curves writes one block per curve, drawn or
  // not), dashed, in the colour of our curve of that scheme, else in the next colour no curve has
  // taken (gnuplot's line colours repeat after 8, so numbering by column could repeat one of ours).
  std::size_t next_free = curves.size() + 1;
  for (std::size_t j = 0; j < published.names.size(); ++j) {
    dat << "\n\n# " << gnuplot_comment(published.names[j])
        << " (published, as given): step value\n";
    for (const auto& [x, y] : published.points[j])
      dat << format_double(x) << " " << format_double(y) << "\n";
    std::size_t colour = 0;
    for (std::size_t c = 0; c < curves.size(); ++c)
      if (curve_scheme[c] == lower(published.names[j])) {
        colour = c + 1;
        break;
      }
    if (colour == 0) colour = next_free++;
    while (!plot_cmd.empty() && plot_cmd.back() == '\n') plot_cmd.pop_back();
    plot_cmd += ", \\\n     " + gnuplot_quote("./" + stem + ".dat") + " index " +
                std::to_string(curves.size() + j) + " using 1:2 with lines lw 2 dt 2 lc " +
                std::to_string(colour) + " title " +
                gnuplot_quote(published.names[j] + " (published)") + "\n";
  }
  gp << plot_cmd;
  exit_on_stop().store(false);  // writing from here on (core/stop.hpp)
  write_file_atomic(dir / (stem + ".dat"), dat.str());
  write_file_atomic(dir / (stem + ".gp"), gp.str());
  if (render_gnuplot(dir, stem + ".gp", style.formats))
    for (const auto& f : style.formats) outcome.figures.push_back(dir / (stem + "." + f));
  return outcome;
}

}  // namespace semra
