#include "semra/experiments/jobs.hpp"

#include <cmath>
#include <map>
#include <set>

#include "semra/core/error.hpp"
#include "semra/core/io.hpp"
#include "semra/core/rng.hpp"
#include "semra/experiments/limits.hpp"

namespace semra::detail {
namespace {

std::int64_t steps_of(const ScenarioEntry& sc, ConfigBase& cfg) {
  if (sc.steps_key.empty()) return 0;
  try {
    return std::stoll(cfg.schema().value_text(sc.steps_key));
  } catch (const std::exception&) {
    return 0;
  }
}

// File-name-safe text; anything else is replaced and the original's hash appended, so two
// different values never share a name.
std::string safe_name(const std::string& s) {
  std::string out;
  bool changed = false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-' || c == '=' || c == '+';
    out += ok ? c : '_';
    changed = changed || !ok;
  }
  if (changed || out.size() > 120) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fnv1a64(s)));
    out = out.substr(0, 80) + "~" + buf;
  }
  return out;
}

}  // namespace

std::size_t grid_points(const RunPlan& plan) {
  std::size_t n = 1;
  for (const auto& a : plan.axes) n *= a.values.size();
  return n;
}

std::vector<std::size_t> point_indices(const RunPlan& plan, std::size_t p) {
  std::vector<std::size_t> idx(plan.axes.size());
  for (std::size_t a = plan.axes.size(); a-- > 0;) {
    const std::size_t n = plan.axes[a].values.size();
    idx[a] = p % n;
    p /= n;
  }
  return idx;
}

std::vector<std::pair<std::string, std::string>> config_values(ConfigBase& config) {
  std::vector<std::pair<std::string, std::string>> v;
  const auto schema = config.schema();
  for (const auto& f : schema.fields()) v.emplace_back(f.key, schema.value_text(f.key));
  return v;
}

std::string config_difference(const std::vector<std::pair<std::string, std::string>>& stored,
                              const std::vector<std::pair<std::string, std::string>>& requested,
                              const std::vector<std::pair<std::string, std::string>>& defaults) {
  std::map<std::string, std::string> a(stored.begin(), stored.end());
  std::map<std::string, std::string> b(requested.begin(), requested.end());
  std::map<std::string, std::string> d(defaults.begin(), defaults.end());
  std::string out;
  auto add = [&](const std::string& s) { out += (out.empty() ? "" : "; ") + s; };
  for (const auto& [k, v] : b) {
    const auto it = a.find(k);
    const auto def = d.find(k);
    if (it == a.end() && def != d.end() && def->second == v) continue;  // added since, at default
    if (it == a.end())
      add(echo(k) + " (not in the stored config, requested " + echo(v) + ")");
    else if (it->second != v)
      add(echo(k) + " (stored " + echo(it->second) + ", requested " + echo(v) + ")");
  }
  for (const auto& [k, v] : a)
    if (!b.count(k)) add(echo(k) + " (stored " + echo(v) + ", unknown to this version)");
  return out;
}

std::vector<Job> make_jobs(const RunPlan& plan) {
  // Where a message points: the sweep file (if any), then the grid point.
  const std::string from = plan.source.empty() ? "" : plan.source + ": ";
  for (const auto& axis : plan.axes) {
    if (axis.values.empty()) throw InputError("sweep key '" + axis.key + "' has no values");
    std::set<std::string> seen;
    for (const auto& v : axis.values)
      if (!seen.insert(axis_value_text(v)).second)
        throw InputError("sweep key '" + axis.key + "' lists the value " + axis_value_text(v) +
                         " twice");
  }
  // Counted before anything is expanded: a grid too big to plan is refused at once.
  const std::size_t total = limits::count_experiments(plan);
  {
    std::set<std::string> schemes;
    for (const auto& s : plan.schemes)
      if (!schemes.insert(s).second)
        throw InputError(from + "duplicate scheme '" + echo(s) + "' (list each scheme once)");
    std::set<std::uint64_t> seeds;
    for (auto s : plan.seeds)
      if (!seeds.insert(s).second)
        throw InputError(from + "duplicate seed " + std::to_string(s) + " (list each seed once)");
  }
  const std::size_t np = grid_points(plan);
  std::vector<Job> jobs;
  jobs.reserve(total);
  const auto defaults = std::make_shared<const std::vector<std::pair<std::string, std::string>>>(
      config_values(*plan.scenario->make_config()));
  // Per point: a validated config (the same for every scheme and seed).
  for (std::size_t p = 0; p < np; ++p) {
    // Planning a big grid takes a while: a stop request ends it (nothing is written yet).
    if (plan.stop_flag != nullptr && plan.stop_flag->load()) throw Interrupted();
    auto point_config = plan.config->clone();
    std::string suffix;
    {
      auto schema = point_config->schema();
      const auto idx = point_indices(plan, p);
      for (std::size_t a = 0; a < plan.axes.size(); ++a) {
        const auto& axis = plan.axes[a];
        const auto& v = axis.values[idx[a]];
        // Strings are quoted so that set() takes them verbatim.
        schema.set(axis.key, std::holds_alternative<std::string>(v)
                                 ? "\"" + std::get<std::string>(v) + "\""
                                 : axis_value_text(v));
        suffix += "-" + axis.key + "=" + axis_value_text(v);
      }
    }
    try {
      point_config->validate();
      point_config->check_input_files();
    } catch (const InputError& e) {
      throw InputError(from + (suffix.empty() ? "" : "at grid point " + suffix.substr(1) + ": ") +
                       e.what());
    }
    const auto values = config_values(*point_config);
    const std::int64_t steps = steps_of(*plan.scenario, *point_config);
    for (const auto& scheme : plan.schemes) {
      // What the experiment itself would reject before its first step (topology of every seed,
      // saved models), found now rather than after the output directory exists.
      if (plan.scenario->check) {
        try {
          plan.scenario->check(*point_config, scheme, plan.seeds);
        } catch (const InputError& e) {
          throw InputError(
              from + (suffix.empty() ? "" : "at grid point " + suffix.substr(1) + ": ") + e.what());
        }
      }
      for (auto seed : plan.seeds) {
        Job job;
        job.index = jobs.size();
        job.point = p;
        job.scheme = scheme;
        job.seed = seed;
        job.config = point_config->clone();
        job.steps = steps;
        job.id = safe_name(scheme + "-seed" + std::to_string(seed) + suffix);
        job.config_values = values;
        job.config_defaults = defaults;
        if (!plan.scenario->metric_columns.empty())
          job.metric_columns = &plan.scenario->metric_columns;
        jobs.push_back(std::move(job));
      }
    }
  }
  std::set<std::string> ids;
  for (const auto& j : jobs)
    if (!ids.insert(j.id).second)
      throw InputError("two experiments would share the name '" + j.id + "'");
  return jobs;
}

double expected_cost(const ScenarioEntry& scenario, const Job& job, std::int64_t steps_left) {
  const SchemeInfo* s = find_scheme_info(scenario.schemes, job.scheme);
  return static_cast<double>(steps_left) * (s == nullptr ? 1.0 : s->step_cost);
}

}  // namespace semra::detail
