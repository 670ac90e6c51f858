#include "semra/experiments/runner.hpp"

#include <algorithm>
#include <chrono>
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
#include "semra/core/progress.hpp"
#include "semra/core/stats.hpp"
#include "semra/core/thread_pool.hpp"
#include "semra/version.hpp"

namespace semra {
namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

namespace {

struct Job {
  std::size_t x_index = 0;
  std::string scheme;
  std::uint64_t seed = 0;
  std::unique_ptr<ConfigBase> config;
  std::int64_t steps = 0;
};

std::string x_text(double x) {
  return format_double(x);
}

// JSON cannot hold NaN or infinity: they become null.
ojson num(double v) {
  return std::isfinite(v) ? ojson(v) : ojson(nullptr);
}

std::int64_t steps_of(const ScenarioEntry& sc, ConfigBase& cfg) {
  if (sc.steps_key.empty()) return 0;
  auto schema = cfg.schema();
  try {
    return std::stoll(schema.value_text(sc.steps_key));
  } catch (const std::exception&) {
    return 0;
  }
}

std::vector<Job> make_jobs(const RunPlan& plan) {
  std::vector<Job> jobs;
  const std::size_t nx = plan.x_key.empty() ? 1 : plan.x_values.size();
  for (std::size_t xi = 0; xi < nx; ++xi)
    for (const auto& scheme : plan.schemes)
      for (auto seed : plan.seeds) {
        Job job{xi, scheme, seed, plan.config->clone(), 0};
        if (!plan.x_key.empty()) {
          auto schema = job.config->schema();
          const double x = plan.x_values[xi];
          // Integer keys take integer x values; format without a decimal point for them.
          const auto* f = schema.find(plan.x_key);
          if (f == nullptr) schema.unknown_key(plan.x_key);
          const bool integral =
              std::holds_alternative<int*>(f->ref) || std::holds_alternative<std::int64_t*>(f->ref);
          schema.set(plan.x_key, integral ? std::to_string(static_cast<long long>(std::llround(x)))
                                          : x_text(x));
        }
        job.config->validate();
        job.steps = steps_of(*plan.scenario, *job.config);
        jobs.push_back(std::move(job));
      }
  return jobs;
}

std::string csv_header(const RunPlan& plan, const std::vector<std::string>& columns) {
  std::string h = "scheme,seed,";
  if (!plan.x_key.empty()) h += plan.x_name + ",";
  h += "step";
  for (const auto& c : columns) h += "," + c;
  return h + "\n";
}

std::string metrics_csv(const RunPlan& plan, const std::vector<Job>& jobs,
                        const std::vector<ExperimentResult>& results) {
  const auto& columns = results.front().columns;
  std::string out = csv_header(plan, columns);
  std::size_t rows = 0;
  for (const auto& r : results) rows += r.steps.size();
  out.reserve(rows * (16 + 12 * columns.size()));
  for (std::size_t j = 0; j < results.size(); ++j) {
    const auto& r = results[j];
    std::string prefix = jobs[j].scheme + "," + std::to_string(jobs[j].seed) + ",";
    if (!plan.x_key.empty()) prefix += x_text(plan.x_values[jobs[j].x_index]) + ",";
    for (std::size_t row = 0; row < r.steps.size(); ++row) {
      out += prefix;
      out += std::to_string(r.steps[row]);
      for (std::size_t c = 0; c < r.columns.size(); ++c) {
        out += ',';
        out += format_double(r.values[c][row]);
      }
      out += '\n';
    }
  }
  return out;
}

// results indexed [x][scheme][seed] -> pointer
struct Grid {
  std::size_t nx, ns, nseed;
  std::vector<const ExperimentResult*> r;
  const ExperimentResult& at(std::size_t x, std::size_t s, std::size_t k) const {
    return *r[(x * ns + s) * nseed + k];
  }
};

std::vector<double> scalar_over_seeds(const Grid& g, std::size_t x, std::size_t s,
                                      const std::string& name) {
  std::vector<double> v;
  for (std::size_t k = 0; k < g.nseed; ++k) {
    const auto& sc = g.at(x, s, k).scalars;
    const auto it = sc.find(name);
    v.push_back(it == sc.end() ? std::numeric_limits<double>::quiet_NaN() : it->second);
  }
  return v;
}

std::vector<float> pooled_samples(const Grid& g, std::size_t x, std::size_t s,
                                  const std::string& name) {
  std::vector<float> all;
  for (std::size_t k = 0; k < g.nseed; ++k) {
    const auto& m = g.at(x, s, k).samples;
    const auto it = m.find(name);
    if (it != m.end()) all.insert(all.end(), it->second.begin(), it->second.end());
  }
  return all;
}

ojson summary_json(const RunPlan& plan, const Grid& g, double wall_seconds) {
  ojson j;
  j["semra_version"] = kVersion;
  j["scenario"] = plan.scenario->name;
  if (!plan.figure.empty()) j["figure"] = plan.figure;
  j["seeds"] = plan.seeds;
  std::int64_t steps = 0;
  for (const auto* r : g.r)
    if (!r->steps.empty()) steps = std::max(steps, r->steps.back() + 1);
  j["steps"] = steps;
  j["wall_seconds"] = wall_seconds;
  const bool sweep = !plan.x_key.empty();
  if (sweep) {
    j["x_name"] = plan.x_name;
    j["x_key"] = plan.x_key;
    j["x"] = plan.x_values;
  }
  const auto& first = *g.r.front();
  ojson schemes = ojson::object();
  for (std::size_t s = 0; s < g.ns; ++s) {
    ojson sj = ojson::object();
    for (const auto& [name, unused] : first.scalars) {
      (void)unused;
      if (name == "steps_per_second") continue;
      if (!sweep) {
        const auto v = scalar_over_seeds(g, 0, s, name);
        ojson per_seed = ojson::array();
        for (double x : v) per_seed.push_back(num(x));
        sj[name] = {
            {"mean", num(stats::mean(v))}, {"ci95", num(stats::ci95(v))}, {"per_seed", per_seed}};
      } else {
        ojson means = ojson::array(), cis = ojson::array(), per = ojson::array();
        for (std::size_t x = 0; x < g.nx; ++x) {
          const auto v = scalar_over_seeds(g, x, s, name);
          means.push_back(num(stats::mean(v)));
          cis.push_back(num(stats::ci95(v)));
          ojson ps = ojson::array();
          for (double y : v) ps.push_back(num(y));
          per.push_back(ps);
        }
        sj[name] = {{"mean", means}, {"ci95", cis}, {"per_seed", per}};
      }
    }
    for (const auto& [name, unused] : first.samples) {
      (void)unused;
      auto pct = [&](std::size_t x) {
        const auto all = pooled_samples(g, x, s, name);
        return ojson{{"p10", num(stats::percentile(all, 10))},
                     {"p50", num(stats::percentile(all, 50))},
                     {"p90", num(stats::percentile(all, 90))}};
      };
      if (!sweep) {
        sj[name] = pct(0);
      } else {
        ojson arr = ojson::array();
        for (std::size_t x = 0; x < g.nx; ++x) arr.push_back(pct(x));
        sj[name] = arr;
      }
    }
    if (first.scalars.count("steps_per_second")) {
      if (!sweep) {
        sj["steps_per_second"] = num(stats::mean(scalar_over_seeds(g, 0, s, "steps_per_second")));
      } else {
        ojson arr = ojson::array();
        for (std::size_t x = 0; x < g.nx; ++x)
          arr.push_back(num(stats::mean(scalar_over_seeds(g, x, s, "steps_per_second"))));
        sj["steps_per_second"] = arr;
      }
    }
    schemes[plan.schemes[s]] = sj;
  }
  j["schemes"] = schemes;

  // The proposed scheme against every other: relative difference of the primary metric and the
  // two-sided Welch t-test p-value over seeds.
  const auto& sc = *plan.scenario;
  const auto proposed = std::find(plan.schemes.begin(), plan.schemes.end(), sc.proposed_scheme);
  if (proposed != plan.schemes.end() && first.scalars.count(sc.primary_metric)) {
    const std::size_t p = static_cast<std::size_t>(proposed - plan.schemes.begin());
    ojson cmp = ojson::object();
    for (std::size_t s = 0; s < g.ns; ++s) {
      if (s == p) continue;
      auto one = [&](std::size_t x) {
        const auto a = scalar_over_seeds(g, x, p, sc.primary_metric);
        const auto b = scalar_over_seeds(g, x, s, sc.primary_metric);
        const double mb = stats::mean(b);
        return std::pair{(stats::mean(a) - mb) / std::fabs(mb), stats::welch_p_value(a, b)};
      };
      ojson c;
      c["metric"] = sc.primary_metric;
      c["higher_is_better"] = sc.primary_higher_is_better;
      if (!sweep) {
        const auto [rel, pv] = one(0);
        c["relative_difference"] = num(rel);
        c["p_value"] = num(pv);
      } else {
        ojson rels = ojson::array(), pvs = ojson::array();
        for (std::size_t x = 0; x < g.nx; ++x) {
          const auto [rel, pv] = one(x);
          rels.push_back(num(rel));
          pvs.push_back(num(pv));
        }
        c["relative_difference"] = rels;
        c["p_value"] = pvs;
      }
      cmp[plan.schemes[p] + " vs " + plan.schemes[s]] = c;
    }
    j["comparisons"] = cmp;
  }
  return j;
}

// Mean over seeds of one column, for one (x, scheme).
std::vector<double> seed_mean_series(const Grid& g, std::size_t x, std::size_t s, std::size_t col,
                                     std::size_t rows) {
  std::vector<double> m(rows, 0.0);
  for (std::size_t k = 0; k < g.nseed; ++k) {
    const auto& v = g.at(x, s, k).values[col];
    for (std::size_t i = 0; i < rows; ++i)
      m[i] += (i < v.size() ? v[i] : std::numeric_limits<double>::quiet_NaN()) /
              static_cast<double>(g.nseed);
  }
  return m;
}

void write_figure(const RunPlan& plan, const Grid& g, const fs::path& dir) {
  const auto& first = *g.r.front();
  std::ostringstream dat, gp;
  gp << "# semra figure: " << (plan.figure.empty() ? plan.scenario->name : plan.figure) << "\n"
     << "# Re-render with: gnuplot figure.gp\n"
     << "if (!exists(\"out\")) out = 'figure.png'\n"
     << "set terminal pngcairo size 1000,650 enhanced font 'DejaVu Sans,11'\n"
     << "set output out\n"
     << "set key outside right top\nset grid\n"
     << "set xlabel " << gnuplot_quote(plan.x_label) << "\n"
     << "set ylabel " << gnuplot_quote(plan.y_label) << "\n";
  if (!plan.figure.empty()) gp << "set title " << gnuplot_quote(plan.figure) << "\n";
  if (plan.x_key.empty()) {
    const std::size_t col = first.column(plan.y_metric);
    const std::size_t rows = first.steps.size();
    // The smoothing window is in steps; rows may be recorded every few steps.
    const std::int64_t spacing =
        rows > 1 ? std::max<std::int64_t>(1, first.steps[1] - first.steps[0]) : 1;
    const std::size_t window =
        static_cast<std::size_t>(std::max<std::int64_t>(1, plan.smooth / spacing));
    std::vector<std::vector<double>> curves;
    for (std::size_t s = 0; s < g.ns; ++s)
      curves.push_back(moving_average(seed_mean_series(g, 0, s, col, rows), window));
    dat << "# step";
    for (const auto& name : plan.schemes) dat << " " << name;
    dat << "   (" << plan.y_metric << ", mean over seeds, moving average over " << plan.smooth
        << " steps)\n";
    for (std::size_t i = 0; i < rows; ++i) {
      dat << first.steps[i];
      for (const auto& c : curves) dat << " " << format_double(c[i]);
      dat << "\n";
    }
    gp << "plot ";
    for (std::size_t s = 0; s < g.ns; ++s)
      gp << (s ? ", \\\n     " : "") << "'figure.dat' using 1:" << s + 2
         << " with lines lw 2 title " << gnuplot_quote(plan.schemes[s]);
    gp << "\n";
  } else {
    dat << "# " << plan.x_name;
    for (const auto& name : plan.schemes) dat << " " << name << "_mean " << name << "_ci95";
    dat << "   (" << plan.y_metric << ", mean and 95% CI half-width over seeds)\n";
    for (std::size_t x = 0; x < g.nx; ++x) {
      dat << x_text(plan.x_values[x]);
      for (std::size_t s = 0; s < g.ns; ++s) {
        const auto v = scalar_over_seeds(g, x, s, plan.y_metric);
        dat << " " << format_double(stats::mean(v)) << " " << format_double(stats::ci95(v));
      }
      dat << "\n";
    }
    gp << "plot ";
    for (std::size_t s = 0; s < g.ns; ++s)
      gp << (s ? ", \\\n     " : "") << "'figure.dat' using 1:" << 2 * s + 2 << ":" << 2 * s + 3
         << " with yerrorlines lw 2 pt 7 title " << gnuplot_quote(plan.schemes[s]);
    gp << "\n";
  }
  write_file_atomic(dir / "figure.dat", dat.str());
  write_file_atomic(dir / "figure.gp", gp.str());
  render_gnuplot(dir);
}

void write_mat(const RunPlan& plan, const Grid& g, const fs::path& path) {
  MatFile mat;
  mat.add_strings("schemes", plan.schemes);
  std::vector<double> seeds(plan.seeds.begin(), plan.seeds.end());
  mat.add_array("seeds", {seeds.size(), 1}, seeds);
  if (!plan.x_key.empty()) mat.add_array("x", {plan.x_values.size(), 1}, plan.x_values);
  const auto& first = *g.r.front();
  const std::size_t rows = first.steps.size();
  std::vector<double> steps(first.steps.begin(), first.steps.end());
  mat.add_array("steps", {rows, 1}, steps);
  auto dims = [&](std::size_t lead) {
    std::vector<std::size_t> d{lead, g.nseed, g.ns};
    if (!plan.x_key.empty()) d.push_back(g.nx);
    return d;
  };
  // Series: [step, seed, scheme(, x)].
  for (std::size_t c = 0; c < first.columns.size(); ++c) {
    std::vector<double> data;
    data.reserve(rows * g.r.size());
    for (std::size_t x = 0; x < g.nx; ++x)
      for (std::size_t s = 0; s < g.ns; ++s)
        for (std::size_t k = 0; k < g.nseed; ++k) {
          const auto& v = g.at(x, s, k).values[c];
          for (std::size_t i = 0; i < rows; ++i)
            data.push_back(i < v.size() ? v[i] : std::numeric_limits<double>::quiet_NaN());
        }
    mat.add_array(first.columns[c], dims(rows), std::move(data));
  }
  // Scalars: [1, seed, scheme(, x)], named summary_<scalar>.
  for (const auto& [name, unused] : first.scalars) {
    (void)unused;
    std::vector<double> data;
    for (std::size_t x = 0; x < g.nx; ++x)
      for (std::size_t s = 0; s < g.ns; ++s)
        for (double v : scalar_over_seeds(g, x, s, name)) data.push_back(v);
    mat.add_array("summary_" + name, dims(1), std::move(data));
  }
  mat.write(path);
}

std::string summary_table(const RunPlan& plan, const Grid& g) {
  const auto& sc = *plan.scenario;
  std::ostringstream os;
  const bool has_primary = g.r.front()->scalars.count(sc.primary_metric) > 0;
  const std::string metric = has_primary ? sc.primary_metric : "";
  os << std::left << std::setw(18) << "scheme";
  if (plan.x_key.empty()) {
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
  } else {
    os << metric << " at " << plan.x_name << " =";
    for (double x : plan.x_values) os << " " << x_text(x);
    os << "\n";
    for (std::size_t s = 0; s < g.ns; ++s) {
      os << std::setw(18) << plan.schemes[s];
      for (std::size_t x = 0; x < g.nx; ++x)
        os << " " << std::fixed << std::setprecision(4)
           << (has_primary ? stats::mean(scalar_over_seeds(g, x, s, metric)) : 0.0);
      os << "\n";
    }
  }
  return os.str();
}

}  // namespace

std::vector<double> moving_average(const std::vector<double>& x, std::size_t window) {
  std::vector<double> out(x.size());
  double sum = 0;
  window = std::max<std::size_t>(1, window);
  for (std::size_t i = 0; i < x.size(); ++i) {
    sum += x[i];
    if (i >= window) sum -= x[i - window];
    out[i] = sum / static_cast<double>(std::min(i + 1, window));
  }
  return out;
}

fs::path default_out_dir(const std::string& name) {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return fs::path("results") / (name + "-" + buf);
}

RunOutcome execute(const RunPlan& plan) {
  if (plan.scenario == nullptr || !plan.config) throw std::logic_error("execute: incomplete plan");
  if (plan.schemes.empty()) throw InputError("no scheme to run");
  if (plan.seeds.empty()) throw InputError("--seeds must be at least 1");
  for (const auto& s : plan.schemes)
    if (std::find(plan.scenario->schemes.begin(), plan.scenario->schemes.end(), s) ==
        plan.scenario->schemes.end()) {
      std::string valid;
      for (const auto& v : plan.scenario->schemes) valid += (valid.empty() ? "" : ", ") + v;
      throw InputError("unknown scheme '" + s + "' for scenario '" + plan.scenario->name +
                       "' (valid: " + valid + ")");
    }
  if (!plan.x_key.empty() && plan.x_values.empty()) throw InputError("sweep has no x values");

  // Every config is built and validated before anything runs or is written.
  std::vector<Job> jobs = make_jobs(plan);

  if (fs::exists(plan.out_dir) && !fs::is_empty(plan.out_dir))
    throw InputError("output directory '" + plan.out_dir.string() +
                     "' exists and is not empty (choose another --out; nothing was overwritten)");
  fs::create_directories(plan.out_dir);

  RunContext ctx;
  ctx.set_stop_flag(plan.stop_flag);
  if (plan.save_models) ctx.models_root = (plan.out_dir / "models").string();

  std::int64_t total_steps = 0;
  for (const auto& j : jobs) total_steps += j.steps;
  // Long experiments first keeps threads busy to the end; results keep plan order.
  std::vector<std::size_t> order(jobs.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return jobs[a].steps > jobs[b].steps; });

  std::vector<ExperimentResult> results(jobs.size());
  const auto start = std::chrono::steady_clock::now();
  {
    Progress progress(ctx, total_steps, plan.scenario->step_unit, plan.scenario->primary_metric,
                      plan.quiet);
    parallel_for(jobs.size(), plan.threads, [&](std::size_t i) {
      const Job& job = jobs[order[i]];
      ExperimentResult r = plan.scenario->run(*job.config, job.scheme, job.seed, ctx);
      r.scheme = job.scheme;
      r.seed = job.seed;
      results[order[i]] = std::move(r);
    });
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  Grid g{plan.x_key.empty() ? 1 : plan.x_values.size(), plan.schemes.size(), plan.seeds.size(), {}};
  for (const auto& r : results) g.r.push_back(&r);
  for (const auto& r : results)
    if (r.columns != results.front().columns)
      throw std::logic_error("experiments returned different metric columns");

  ConfigSchema schema = plan.config->schema();
  std::ostringstream cfg;
  cfg << "# semra " << kVersion << " resolved configuration of scenario '" << plan.scenario->name
      << "'\n# schemes:";
  for (const auto& s : plan.schemes) cfg << " " << s;
  cfg << "\n# seeds:";
  for (auto s : plan.seeds) cfg << " " << s;
  cfg << "\n";
  if (!plan.figure.empty()) cfg << "# figure: " << plan.figure << "\n";
  if (!plan.x_key.empty()) {
    cfg << "# swept: " << plan.x_key << " =";
    for (double x : plan.x_values) cfg << " " << x_text(x);
    cfg << " (the value below is the base value)\n";
  }
  write_file_atomic(plan.out_dir / "config.toml", cfg.str() + schema.to_toml());
  write_file_atomic(plan.out_dir / "metrics.csv", metrics_csv(plan, jobs, results));
  write_mat(plan, g, plan.out_dir / "results.mat");
  if (plan.plot && !plan.y_metric.empty()) write_figure(plan, g, plan.out_dir);
  write_file_atomic(plan.out_dir / "summary.json", summary_json(plan, g, wall).dump(2) + "\n");

  RunOutcome outcome;
  outcome.wall_seconds = wall;
  outcome.summary_table = summary_table(plan, g);
  outcome.results = std::move(results);
  return outcome;
}

}  // namespace semra
