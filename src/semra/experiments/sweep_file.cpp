#include "semra/experiments/sweep_file.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <limits>
#include <set>
#include <sstream>

#include "semra/core/error.hpp"
#include "semra/core/io.hpp"
#include "semra/core/stop.hpp"
#include "semra/experiments/limits.hpp"
#include "semra/experiments/registry.hpp"

namespace semra {
namespace {

const std::vector<std::string> kTopKeys = {"scenario", "name",       "description", "schemes",
                                           "seeds",    "first_seed", "quick_seeds", "set",
                                           "quick",    "grid",       "names",       "plot"};
const std::vector<std::string> kPlotKeys = {"metric", "x_label", "y_label", "log_y"};

[[noreturn]] void unknown(const std::string& src, const std::string& what, const std::string& key,
                          const std::vector<std::string>& valid) {
  throw InputError(src + ": " + unknown_name(what, key, valid));
}

// A TOML value as messages show it (echo: capped, control characters escaped).
std::string node_text(const toml::node& n) {
  std::ostringstream os;
  n.visit([&](auto&& v) { os << v; });
  return echo(os.str());
}

std::string type_of(const toml::node& n) {
  if (n.is_integer()) return "an integer";
  if (n.is_floating_point()) return "a real";
  if (n.is_boolean()) return "a boolean";
  if (n.is_string()) return "a string";
  if (n.is_array()) return "a list";
  if (n.is_table()) return "a table";
  return "a date/time";
}

// Flattens nested tables into dotted keys, keeping where each leaf was written.
void flatten(const toml::table& t, const std::string& prefix,
             std::vector<std::pair<std::string, const toml::node*>>& out) {
  for (const auto& [k, v] : t) {
    const std::string key =
        prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const auto* sub = v.as_table())
      flatten(*sub, key, out);
    else
      out.emplace_back(key, &v);
  }
}

// Whether override table `t` (may be null) sets `key`, written nested or as one quoted dotted key.
bool has_key(const toml::table* t, const std::string& key) {
  if (t == nullptr) return false;
  std::vector<std::pair<std::string, const toml::node*>> leaves;
  flatten(*t, "", leaves);
  return std::any_of(leaves.begin(), leaves.end(), [&](const auto& l) { return l.first == key; });
}

// A TOML value as the typed value of config field `f`; InputError naming `where` on a type that
// does not fit (a real for an integer key, a string for a number, ...).
AxisValue typed_value(const ConfigSchema::Field& f, const toml::node& n, const std::string& where) {
  auto bad = [&](const std::string& expected) -> AxisValue {
    throw InputError(where + ": config key '" + f.key + "': value " + node_text(n) + " is " +
                     type_of(n) + ", expected " + expected);
  };
  if (std::holds_alternative<int*>(f.ref) || std::holds_alternative<std::int64_t*>(f.ref)) {
    if (!n.is_integer()) return bad("an integer");
    return *n.value<std::int64_t>();
  }
  if (std::holds_alternative<double*>(f.ref)) {
    if (!n.is_integer() && !n.is_floating_point()) return bad("a real");
    return *n.value<double>();
  }
  if (std::holds_alternative<bool*>(f.ref)) {
    if (!n.is_boolean()) return bad("true or false");
    return *n.value<bool>();
  }
  if (std::holds_alternative<std::string*>(f.ref)) {
    if (!n.is_string()) return bad("a string");
    return *n.value<std::string>();
  }
  return bad("a list of reals (list-valued keys cannot be swept)");
}

// Text for ConfigSchema::set (strings quoted so they are taken verbatim).
std::string set_text(const AxisValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return "\"" + *s + "\"";
  return axis_value_text(v);
}

// Applies every key of an override table ([set] or [quick]) with exact type checks; returns each
// as "key=value" text that ConfigSchema::set reads back to the same value.
std::vector<std::string> apply_overrides(ConfigSchema& schema, const toml::table& t,
                                         const std::string& where) {
  std::vector<std::pair<std::string, const toml::node*>> leaves;
  flatten(t, "", leaves);
  std::vector<std::string> assignments;
  for (const auto& [key, node] : leaves) {
    const auto* f = schema.find(key);
    try {
      if (f == nullptr) schema.unknown_key(key);
      if (std::holds_alternative<std::vector<double>*>(f->ref)) {
        const auto* arr = node->as_array();
        if (arr == nullptr || arr->empty())
          throw InputError("config key '" + key + "': value " + node_text(*node) + " is " +
                           type_of(*node) + ", expected a non-empty list of reals");
        std::string text = "[";
        for (const auto& e : *arr) {
          if (!e.is_integer() && !e.is_floating_point())
            throw InputError("config key '" + key + "': list element " + node_text(e) + " is " +
                             type_of(e) + ", expected a real");
          if (text.size() > 1) text += ',';
          text += format_double(*e.value<double>());
        }
        schema.set(key, text + "]");
        assignments.push_back(key + "=" + text + "]");
      } else {
        const std::string text = set_text(typed_value(*f, *node, where));
        schema.set(key, text);
        assignments.push_back(key + "=" + text);
      }
    } catch (const InputError& e) {
      const std::string msg = e.what();
      if (msg.rfind(where, 0) == 0) throw;
      throw InputError(where + ": " + msg);
    }
  }
  return assignments;
}

const toml::table* table_or_throw(const toml::table& doc, const char* key, const std::string& src) {
  const auto* n = doc.get(key);
  if (n == nullptr) return nullptr;
  if (const auto* t = n->as_table()) return t;
  throw InputError(src + ": '" + key + "' must be a table ([" + key + "]), found " + type_of(*n));
}

std::int64_t integer_or_throw(const toml::node& n, const std::string& what, std::int64_t min) {
  if (!n.is_integer() || *n.value<std::int64_t>() < min)
    throw InputError(what + ": expected an integer >= " + std::to_string(min) + ", found " +
                     node_text(n));
  return *n.value<std::int64_t>();
}

std::string string_or_throw(const toml::node& n, const std::string& what) {
  if (!n.is_string()) throw InputError(what + ": expected a string, found " + node_text(n));
  return *n.value<std::string>();
}

// The TOML document `text` of `src`, its top-level keys among `keys`.
toml::table parse_document(std::string_view text, const std::string& src,
                           const std::vector<std::string>& keys) {
  toml::table doc;
  try {
    doc = toml::parse(text, src);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    throw InputError(src + ":" + std::to_string(b.line) + ":" + std::to_string(b.column) +
                     ": malformed TOML: " + echo(e.description(), 300));
  }
  for (const auto& [k, v] : doc) {
    (void)v;
    const std::string key(k.str());
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) unknown(src, "key", key, keys);
  }
  return doc;
}

// The document's `scenario = "NAME"`.
const ScenarioEntry& scenario_of(const toml::table& doc, const std::string& src) {
  const auto* sc_node = doc.get("scenario");
  if (sc_node == nullptr) throw InputError(src + ": missing 'scenario = \"NAME\"'");
  const std::string sc_name = string_or_throw(*sc_node, src + ": scenario");
  const ScenarioEntry* sc = find_scenario_or_extra(sc_name);
  if (sc == nullptr) {
    std::vector<std::string> names;
    for (const auto& s : scenarios()) names.push_back(s.name);
    unknown(src, "scenario", sc_name, names);
  }
  return *sc;
}

// The document's `schemes = [...]`, each one of the scenario's; its default set without it.
std::vector<std::string> schemes_of(const toml::table& doc, const ScenarioEntry& sc,
                                    const std::string& src) {
  const auto* n = doc.get("schemes");
  if (n == nullptr) return scheme_names_of(sc.schemes, true);
  const auto* arr = n->as_array();
  if (arr == nullptr || arr->empty())
    throw InputError(src + ": schemes: expected a non-empty list of scheme names");
  std::vector<std::string> schemes;
  for (const auto& e : *arr) {
    const std::string s = string_or_throw(e, src + ": schemes");
    if (find_scheme_info(sc.schemes, s) == nullptr)
      unknown(src, "scheme", s, scheme_names_of(sc.schemes));
    schemes.push_back(s);
  }
  return schemes;
}

// What a [plot] table says; a key not given keeps its value here.
struct PlotSpec {
  std::string metric, x_label, y_label;
  bool log_y = false;
  int smooth = 1;
};

// Reads the [plot] table (if any) of `doc`: its keys among `keys` (metric, x_label, y_label,
// log_y, smooth), each of its type; the metric, checked now rather than after the whole run, one
// of `metrics` (`kind` names them in the message) when those are declared.
void read_plot(const toml::table& doc, const std::string& src, const std::vector<std::string>& keys,
               const std::vector<std::string>& metrics, const std::string& kind, PlotSpec& plot) {
  const auto* p = table_or_throw(doc, "plot", src);
  if (p == nullptr) return;
  for (const auto& [k, v] : *p) {
    const std::string key(k.str());
    const std::string where = src + " [plot] " + key;
    if (std::find(keys.begin(), keys.end(), key) == keys.end())
      unknown(src + " [plot]", "key", key, keys);
    if (key == "log_y") {
      const auto* b = v.as_boolean();
      if (!b) throw InputError(where + ": expected true or false");
      plot.log_y = b->get();
    } else if (key == "smooth") {
      const std::int64_t smooth = integer_or_throw(v, where, 1);
      if (smooth > std::numeric_limits<int>::max())
        throw InputError(where + ": " + std::to_string(smooth) + " is too large");
      plot.smooth = static_cast<int>(smooth);
    } else {
      const std::string value = string_or_throw(v, where);
      if (key == "metric" && !metrics.empty() &&
          std::find(metrics.begin(), metrics.end(), value) == metrics.end())
        throw InputError(where + ": " + unknown_name(kind, value, metrics));
      if (key == "metric") plot.metric = value;
      if (key == "x_label") plot.x_label = value;
      if (key == "y_label") plot.y_label = value;
    }
  }
}

}  // namespace

RunPlan load_sweep_file(const std::filesystem::path& file, bool quick) {
  const std::string src = echo(file.string(), 300);
  const toml::table doc =
      parse_document(read_input_file(file, "sweep file", input_limit::kTomlBytes), src, kTopKeys);

  RunPlan plan;
  plan.command = "sweep";
  plan.source = src;
  plan.scenario = &scenario_of(doc, src);
  const auto& sc = *plan.scenario;

  plan.sweep = file.stem().string();
  if (const auto* n = doc.get("name")) plan.sweep = string_or_throw(*n, src + ": name");
  if (plan.sweep.empty() ||
      plan.sweep.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != std::string::npos)
    throw InputError(src + ": name '" + echo(plan.sweep) + "': use letters, digits, '.', '_', '-'");
  if (const auto* n = doc.get("description")) string_or_throw(*n, src + ": description");

  plan.schemes = schemes_of(doc, sc, src);

  std::int64_t first_seed = 1;
  if (const auto* n = doc.get("first_seed"))
    first_seed = integer_or_throw(*n, src + ": first_seed", 0);
  std::vector<std::uint64_t> seeds;
  if (const auto* n = doc.get("seeds")) {
    if (const auto* arr = n->as_array()) {
      if (arr->empty()) throw InputError(src + ": seeds: the list is empty");
      for (const auto& e : *arr)
        seeds.push_back(static_cast<std::uint64_t>(integer_or_throw(e, src + ": seeds", 0)));
      if (doc.get("first_seed") != nullptr)
        throw InputError(src + ": first_seed goes with a seed count, not with a list of seeds");
    } else {
      const auto count = integer_or_throw(*n, src + ": seeds", 1);
      // The bounds of the CLI's --seeds (seed_list), checked before any seed is listed.
      if (count > static_cast<std::int64_t>(limits::kMaxExperiments))
        throw InputError(src + ": seeds = " + std::to_string(count) + ": expected at most " +
                         std::to_string(limits::kMaxExperiments) + " (docs/limits.md)");
      if (first_seed > std::numeric_limits<std::int64_t>::max() - (count - 1))
        throw InputError(src + ": first_seed = " + std::to_string(first_seed) + " with seeds = " +
                         std::to_string(count) + ": the last seed would overflow");
      for (std::int64_t i = 0; i < count; ++i)
        seeds.push_back(static_cast<std::uint64_t>(first_seed + i));
    }
  } else {
    for (std::int64_t i = 0; i < 3; ++i)
      seeds.push_back(static_cast<std::uint64_t>(first_seed + i));
  }
  std::size_t quick_seeds = std::min<std::size_t>(seeds.size(), 2);
  if (const auto* n = doc.get("quick_seeds"))
    quick_seeds = static_cast<std::size_t>(integer_or_throw(*n, src + ": quick_seeds", 1));
  if (quick) seeds.resize(std::min(seeds.size(), quick_seeds));
  plan.seeds = seeds;

  plan.config = sc.make_config();
  const toml::table* set_table = table_or_throw(doc, "set", src);
  const toml::table* quick_table = table_or_throw(doc, "quick", src);
  {
    auto schema = plan.config->schema();
    if (const auto* t = table_or_throw(doc, "set", src))
      apply_overrides(schema, *t, src + " [set]");
    const auto* q = table_or_throw(doc, "quick", src);
    if (quick && q != nullptr) apply_overrides(schema, *q, src + " [quick]");
    if (!quick && q != nullptr) {
      // Checked even when not used, so a typo there does not wait for the first --quick run.
      auto scratch = plan.config->clone();
      auto s2 = scratch->schema();
      apply_overrides(s2, *q, src + " [quick]");
    }
  }

  const auto* grid = table_or_throw(doc, "grid", src);
  if (grid == nullptr || grid->empty())
    throw InputError(src +
                     ": [grid] names no key (a sweep needs at least one key with a list of "
                     "values; use `semra run` for a single configuration)");
  std::vector<std::pair<std::string, const toml::node*>> leaves;
  flatten(*grid, "", leaves);
  // File order (toml++ tables are sorted by key): the first key written is the x axis.
  std::stable_sort(leaves.begin(), leaves.end(), [](const auto& a, const auto& b) {
    const auto& sa = a.second->source().begin;
    const auto& sb = b.second->source().begin;
    return sa.line != sb.line ? sa.line < sb.line : sa.column < sb.column;
  });
  const auto schema = plan.config->schema();
  for (const auto& [key, node] : leaves) {
    const std::string where = src + " [grid]";
    const auto* f = schema.find(key);
    if (f == nullptr) {
      try {
        schema.unknown_key(key);
      } catch (const InputError& e) {
        throw InputError(where + ": " + e.what());
      }
    }
    const auto* arr = node->as_array();
    if (arr == nullptr)
      throw InputError(where + ": '" + key + "' must be a list of values, found " + type_of(*node));
    if (arr->empty()) throw InputError(where + ": '" + key + "' has an empty list of values");
    for (const auto* t : {set_table, quick ? quick_table : nullptr})
      if (has_key(t, key))
        throw InputError(where + ": '" + key + "' is also given in [" +
                         (t == set_table ? "set" : "quick") +
                         "], where the grid would silently override it; give it in one place");
    // Types now (cheap); ranges once the experiment count is known to be within the limit, so a
    // list of 10^6 values is refused at once rather than after checking each (docs/limits.md).
    SweepAxis axis{key, key, {}};
    axis.values.reserve(arr->size());
    for (const auto& e : *arr) {
      if (axis.values.size() % 4096 == 0) throw_if_stopped();
      axis.values.push_back(typed_value(*f, e, where));
    }
    plan.axes.push_back(std::move(axis));
    limits::count_experiments(plan);
  }
  for (std::size_t a = 0; a < plan.axes.size(); ++a) {
    const std::string where = src + " [grid]";
    const auto& axis = plan.axes[a];
    const auto& arr = *leaves[a].second->as_array();
    // Range and choice checks, on one scratch config per key.
    auto scratch = plan.config->clone();
    auto scratch_schema = scratch->schema();
    std::set<std::string> seen;
    for (std::size_t i = 0; i < axis.values.size(); ++i) {
      if (i % 4096 == 0) throw_if_stopped();
      try {
        scratch_schema.set(axis.key, set_text(axis.values[i]));
      } catch (const InputError& err) {
        throw InputError(where + ": " + err.what());
      }
      if (!seen.insert(axis_value_text(axis.values[i])).second)
        throw InputError(where + ": '" + axis.key + "' lists " + node_text(arr[i]) + " twice");
    }
  }

  if (const auto* names = table_or_throw(doc, "names", src)) {
    std::vector<std::pair<std::string, const toml::node*>> nl;
    flatten(*names, "", nl);
    for (const auto& [key, node] : nl) {
      auto it = std::find_if(plan.axes.begin(), plan.axes.end(),
                             [&k = key](const SweepAxis& a) { return a.key == k; });
      if (it == plan.axes.end())
        throw InputError(src + " [names]: '" + echo(key) + "' is not a [grid] key");
      it->name = string_or_throw(*node, src + " [names] " + key);
      if (it->name.empty()) throw InputError(src + " [names] " + key + ": empty name");
    }
  }
  // Each name is a metrics.csv column and a summary.json field: two equal ones would lose values.
  std::vector<std::string> taken = {"scheme", "seed", "step"};
  taken.insert(taken.end(), sc.metric_columns.begin(), sc.metric_columns.end());
  for (std::size_t a = 0; a < plan.axes.size(); ++a) {
    const auto& axis = plan.axes[a];
    if (std::find(taken.begin(), taken.end(), axis.name) != taken.end())
      throw InputError(src + " [names]: '" + axis.key + "' is named '" + echo(axis.name) +
                       "', which is already a metrics.csv column (scheme, seed, step or a metric "
                       "of '" +
                       sc.name + "'); choose another name");
    for (std::size_t b = 0; b < a; ++b)
      if (plan.axes[b].name == axis.name)
        throw InputError(src + " [names]: '" + plan.axes[b].key + "' and '" + axis.key +
                         "' are both named '" + echo(axis.name) + "'; give them different names");
  }

  PlotSpec plot{sc.primary_metric, plan.axes.front().name, "", false, 1};
  read_plot(doc, src, kPlotKeys, sc.summary_scalars, "per-experiment scalar of '" + sc.name + "'",
            plot);
  plan.y_metric = plot.metric;
  plan.x_label = plot.x_label;
  plan.y_label = plot.y_label;
  plan.log_y = plot.log_y;
  if (plan.y_label.empty()) plan.y_label = plan.y_metric + " (mean, 95% CI)";
  plan.plot = true;
  return plan;
}

FigureEntry parse_figure_file(std::string_view text, const std::string& name,
                              const std::string& src) {
  static const std::vector<std::string> kFigureKeys = {
      "scenario", "description", "schemes", "seeds", "set", "quick", "grid", "names", "plot"};
  static const std::vector<std::string> kFigurePlotKeys = {"metric", "x_label", "y_label", "log_y",
                                                           "smooth"};
  const toml::table doc = parse_document(text, src, kFigureKeys);
  const ScenarioEntry& sc = scenario_of(doc, src);
  FigureEntry f;
  f.name = name;
  f.scenario = sc.name;
  if (const auto* n = doc.get("description"))
    f.description = string_or_throw(*n, src + ": description");
  f.schemes = schemes_of(doc, sc, src);
  if (const auto* n = doc.get("seeds")) {
    const std::int64_t seeds = integer_or_throw(*n, src + ": seeds", 1);
    if (seeds > static_cast<std::int64_t>(limits::kMaxExperiments))
      throw InputError(src + ": seeds = " + std::to_string(seeds) + ": expected at most " +
                       std::to_string(limits::kMaxExperiments) + " (docs/limits.md)");
    f.seeds = static_cast<int>(seeds);
  }

  // [set] and [quick] as "key=value" presets, each checked now against its key's type and range.
  auto config = sc.make_config();
  auto schema = config->schema();
  if (const auto* t = table_or_throw(doc, "set", src))
    f.sets = apply_overrides(schema, *t, src + " [set]");
  if (const auto* t = table_or_throw(doc, "quick", src)) {
    auto scratch = config->clone();
    auto s2 = scratch->schema();
    f.quick_sets = apply_overrides(s2, *t, src + " [quick]");
  }

  // A sweep figure: one numeric [grid] key, its values checked on a scratch config.
  if (const auto* grid = table_or_throw(doc, "grid", src)) {
    std::vector<std::pair<std::string, const toml::node*>> leaves;
    flatten(*grid, "", leaves);
    const std::string where = src + " [grid]";
    if (leaves.size() != 1)
      throw InputError(where + ": a figure sweeps one key (its x axis), found " +
                       std::to_string(leaves.size()));
    const auto& [key, node] = leaves.front();
    const auto* field = schema.find(key);
    try {
      if (field == nullptr) schema.unknown_key(key);
    } catch (const InputError& e) {
      throw InputError(where + ": " + e.what());
    }
    const auto* arr = node->as_array();
    if (arr == nullptr || arr->empty())
      throw InputError(where + ": '" + key + "' must be a non-empty list of numbers");
    auto scratch = config->clone();
    auto s2 = scratch->schema();
    for (const auto& e : *arr) {
      if (!e.is_integer() && !e.is_floating_point())
        throw InputError(where + ": '" + key + "': value " + node_text(e) + " is " + type_of(e) +
                         ", expected a number");
      try {
        s2.set(key, set_text(typed_value(*field, e, where)));
      } catch (const InputError& err) {
        const std::string msg = err.what();
        throw InputError(msg.rfind(where, 0) == 0 ? msg : where + ": " + msg);
      }
      f.x_values.push_back(*e.value<double>());
    }
    f.x_key = key;
  }
  if (const auto* names = table_or_throw(doc, "names", src)) {
    std::vector<std::pair<std::string, const toml::node*>> nl;
    flatten(*names, "", nl);
    for (const auto& [key, node] : nl) {
      if (key != f.x_key)
        throw InputError(src + " [names]: '" + echo(key) + "' is not the [grid] key");
      f.x_name = string_or_throw(*node, src + " [names] " + key);
    }
  }

  // [plot]: a series figure draws a metric column vs step, a sweep figure a summary scalar vs x.
  const auto* plot = table_or_throw(doc, "plot", src);
  if (plot == nullptr || plot->get("metric") == nullptr)
    throw InputError(src + ": missing [plot] metric");
  const bool series = f.x_key.empty();
  PlotSpec spec;
  read_plot(
      doc, src, kFigurePlotKeys, series ? sc.metric_columns : sc.summary_scalars,
      std::string(series ? "metric column" : "per-experiment scalar") + " of '" + sc.name + "'",
      spec);
  f.y_metric = spec.metric;
  f.x_label = spec.x_label;
  f.y_label = spec.y_label;
  f.log_y = spec.log_y;
  f.smooth = spec.smooth;
  return f;
}

}  // namespace semra
