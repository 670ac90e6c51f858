#include "semra/core/config.hpp"

#include <toml++/toml.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "semra/core/error.hpp"
#include "semra/core/io.hpp"

namespace semra {
namespace {

std::string format_real(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::ostringstream os;
  os.precision(17);
  os << v;
  std::string s = os.str();
  // Shortest text that reads back as the same double.
  for (int p = 1; p <= 17; ++p) {
    std::ostringstream t;
    t.precision(p);
    t << v;
    // strtod, not stod: stod throws for a subnormal (ERANGE), which a TOML file can give.
    if (std::strtod(t.str().c_str(), nullptr) == v) {
      s = t.str();
      break;
    }
  }
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

// A TOML basic string. Control characters are escaped (TOML forbids them raw), so a value with a
// newline or a tab still makes a config.toml that reads back.
std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", u);
      out += esc;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// TOML text is UTF-8: a string value that is not (possible through --set) could not be written to
// config.toml and read back.
bool valid_utf8(const std::string& s) {
  static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};  // shortest form per length
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const int n = c < 0x80           ? 0
                  : (c >> 5) == 0x6  ? 1
                  : (c >> 4) == 0xe  ? 2
                  : (c >> 3) == 0x1e ? 3
                                     : -1;
    if (n < 0 || s.size() - i <= static_cast<std::size_t>(n)) return false;
    std::uint32_t cp = n == 0 ? c : c & (0x3fu >> n);
    for (int k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d >> 6) != 0x2) return false;
      cp = (cp << 6) | (d & 0x3fu);
    }
    // Overlong forms, surrogates and code points beyond U+10FFFF are not UTF-8.
    if (cp < kMin[n] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return false;
    i += static_cast<std::size_t>(n) + 1;
  }
  return true;
}

std::string int_range_text(const IntRange& r) {
  const bool has_min = r.min != std::numeric_limits<std::int64_t>::min();
  const bool has_max = r.max != std::numeric_limits<std::int64_t>::max();
  if (has_min && has_max) return std::to_string(r.min) + " .. " + std::to_string(r.max);
  if (has_min) return ">= " + std::to_string(r.min);
  if (has_max) return "<= " + std::to_string(r.max);
  return "any integer";
}

std::string real_range_text(const RealRange& r) {
  const bool has_min = std::isfinite(r.min);
  const bool has_max = std::isfinite(r.max);
  std::string lo = has_min ? (r.min_open ? "> " : ">= ") + format_real(r.min) : "";
  std::string hi = has_max ? (r.max_open ? "< " : "<= ") + format_real(r.max) : "";
  if (has_min && has_max) return lo + " and " + hi;
  if (has_min) return lo;
  if (has_max) return hi;
  return "any real";
}

bool in_range(double v, const RealRange& r) {
  if (std::isnan(v)) return false;
  if (r.min_open ? !(v > r.min) : !(v >= r.min)) return false;
  if (r.max_open ? !(v < r.max) : !(v <= r.max)) return false;
  return true;
}

std::string type_name(const ConfigSchema::Field& f) {
  struct V {
    std::string operator()(int*) const { return "integer"; }
    std::string operator()(std::int64_t*) const { return "integer"; }
    std::string operator()(double*) const { return "real"; }
    std::string operator()(bool*) const { return "bool"; }
    std::string operator()(std::string*) const { return "string"; }
    std::string operator()(std::vector<double>*) const { return "list of reals"; }
  };
  return std::visit(V{}, f.ref);
}

std::string expectation(const ConfigSchema::Field& f) {
  struct V {
    const ConfigSchema::Field& f;
    std::string operator()(int*) const { return "an integer in " + int_range_text(f.int_range); }
    std::string operator()(std::int64_t*) const {
      return "an integer in " + int_range_text(f.int_range);
    }
    std::string operator()(double*) const { return "a real " + real_range_text(f.real_range); }
    std::string operator()(bool*) const { return "true or false"; }
    std::string operator()(std::string*) const {
      if (f.choices.empty()) return "a string";
      std::string s = "one of";
      for (const auto& c : f.choices) s += " '" + c + "'";
      return s;
    }
    std::string operator()(std::vector<double>*) const {
      return "a list of reals, each " + real_range_text(f.real_range);
    }
  };
  return std::visit(V{f}, f.ref);
}

[[noreturn]] void bad_value(const ConfigSchema::Field& f, const std::string& value) {
  throw InputError("config key '" + f.key + "': invalid value '" + echo(value) + "', expected " +
                   expectation(f));
}

// Typed assignment with validation. `text` is how the value was written (for messages).
void assign_int(const ConfigSchema::Field& f, std::int64_t v, const std::string& text) {
  if (v < f.int_range.min || v > f.int_range.max) bad_value(f, text);
  if (auto* p = std::get_if<int*>(&f.ref)) {
    if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
      bad_value(f, text);
    **p = static_cast<int>(v);
  } else {
    **std::get_if<std::int64_t*>(&f.ref) = v;
  }
}

void assign_real(const ConfigSchema::Field& f, double v, const std::string& text) {
  if (!in_range(v, f.real_range)) bad_value(f, text);
  **std::get_if<double*>(&f.ref) = v;
}

void assign_string(const ConfigSchema::Field& f, const std::string& v) {
  // Every string key is a choice or a path: a NUL byte would cut a path where the C library reads
  // it, and open its prefix.
  if (v.find('\0') != std::string::npos)
    throw InputError("config key '" + f.key + "': the value contains a NUL byte");
  if (!valid_utf8(v))
    throw InputError("config key '" + f.key + "': the value is not valid UTF-8 text");
  if (!f.choices.empty() && std::find(f.choices.begin(), f.choices.end(), v) == f.choices.end())
    bad_value(f, v);
  **std::get_if<std::string*>(&f.ref) = v;
}

void assign_list(const ConfigSchema::Field& f, const std::vector<double>& v,
                 const std::string& text) {
  for (double x : v)
    if (!in_range(x, f.real_range)) bad_value(f, text);
  **std::get_if<std::vector<double>*>(&f.ref) = v;
}

std::string current_text(const ConfigSchema::Field& f) {
  struct V {
    std::string operator()(int* p) const { return std::to_string(*p); }
    std::string operator()(std::int64_t* p) const { return std::to_string(*p); }
    std::string operator()(double* p) const { return format_real(*p); }
    std::string operator()(bool* p) const { return *p ? "true" : "false"; }
    std::string operator()(std::string* p) const { return quote(*p); }
    std::string operator()(std::vector<double>* p) const {
      std::string s = "[";
      for (std::size_t i = 0; i < p->size(); ++i) s += (i ? ", " : "") + format_real((*p)[i]);
      return s + "]";
    }
  };
  return std::visit(V{}, f.ref);
}

bool parse_int(const std::string& s, std::int64_t& out) {
  if (s.empty()) return false;
  std::size_t pos = 0;
  try {
    out = std::stoll(s, &pos, 10);
  } catch (...) {
    return false;
  }
  return pos == s.size();
}

bool parse_real(const std::string& s, double& out) {
  if (s.empty()) return false;
  std::size_t pos = 0;
  try {
    out = std::stod(s, &pos);
  } catch (...) {
    return false;
  }
  return pos == s.size() && std::isfinite(out);
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

}  // namespace

int edit_distance(const std::string& a, const std::string& b) {
  std::vector<int> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<int>(i);
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const int sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string did_you_mean(const std::string& typed, const std::vector<std::string>& valid) {
  // Nothing is near an empty name, and a very long one is not a typo (and would cost
  // length x names x name length to compare).
  if (typed.empty() || typed.size() > 64) return "";
  std::vector<std::string> best;  // every name at the smallest distance, in `valid` order
  int best_d = 1 << 30;
  for (const auto& v : valid) {
    const int d = edit_distance(typed, v);
    if (d < best_d) best_d = d, best.clear();
    if (d == best_d && std::find(best.begin(), best.end(), v) == best.end()) best.push_back(v);
  }
  if (best.empty() || best_d == 0 || best_d > std::max<int>(2, static_cast<int>(typed.size()) / 3))
    return "";
  std::string names;
  for (std::size_t i = 0; i < best.size() && i < 3; ++i)
    names += (i == 0                                           ? "'"
              : i + 1 == std::min<std::size_t>(best.size(), 3) ? "' or '"
                                                               : "', '") +
             best[i];
  return " (did you mean " + names + "'?)";
}

std::string unknown_name(const std::string& what, const std::string& typed,
                         const std::vector<std::string>& valid) {
  std::string list;
  for (const auto& v : valid) list += (list.empty() ? "" : ", ") + v;
  return "unknown " + what + " '" + echo(typed) + "'" + did_you_mean(typed, valid) +
         " (valid: " + list + ")";
}

void ConfigSchema::add(std::string key, int& ref, IntRange range, std::string unit,
                       std::string help) {
  Field f{std::move(key), &ref, range, {}, {}, std::move(unit), std::move(help), ""};
  f.default_text = current_text(f);
  fields_.push_back(std::move(f));
}
void ConfigSchema::add(std::string key, std::int64_t& ref, IntRange range, std::string unit,
                       std::string help) {
  Field f{std::move(key), &ref, range, {}, {}, std::move(unit), std::move(help), ""};
  f.default_text = current_text(f);
  fields_.push_back(std::move(f));
}
void ConfigSchema::add(std::string key, double& ref, RealRange range, std::string unit,
                       std::string help) {
  Field f{std::move(key), &ref, {}, range, {}, std::move(unit), std::move(help), ""};
  f.default_text = current_text(f);
  fields_.push_back(std::move(f));
}
void ConfigSchema::add(std::string key, bool& ref, std::string help) {
  Field f{std::move(key), &ref, {}, {}, {}, "", std::move(help), ""};
  f.default_text = current_text(f);
  fields_.push_back(std::move(f));
}
void ConfigSchema::add(std::string key, std::string& ref, Choices choices, std::string help) {
  Field f{std::move(key), &ref, {}, {}, std::move(choices), "", std::move(help), ""};
  f.default_text = current_text(f);
  fields_.push_back(std::move(f));
}
void ConfigSchema::add(std::string key, std::vector<double>& ref, RealRange range, std::string unit,
                       std::string help) {
  Field f{std::move(key), &ref, {}, range, {}, std::move(unit), std::move(help), ""};
  f.default_text = current_text(f);
  fields_.push_back(std::move(f));
}

const ConfigSchema::Field* ConfigSchema::find(const std::string& key) const {
  for (const auto& f : fields_)
    if (f.key == key) return &f;
  return nullptr;
}

void ConfigSchema::unknown_key(const std::string& key) const {
  if (key.empty()) throw InputError("config key '': the key is empty (expected a dotted key)");
  // A key with an empty part ('.', 'network.', 'a..b') is malformed, not a typo of any key: a
  // suggestion for it would be arbitrary.
  if (key.front() == '.' || key.back() == '.' || key.find("..") != std::string::npos)
    throw InputError("config key '" + echo(key) +
                     "': a part of the key is empty (expected a dotted key such as "
                     "'network.rings')");
  std::string msg = "unknown config key '" + echo(key) + "'";
  if (key.size() > 64) throw InputError(msg);  // not a typo; see did_you_mean
  std::string best;
  int best_d = 1 << 30;
  for (const auto& f : fields_) {
    // Compare with the whole key and with its last component, so "rigns" finds "network.rings".
    const auto dot = f.key.rfind('.');
    const std::string leaf = dot == std::string::npos ? f.key : f.key.substr(dot + 1);
    const int d = std::min(edit_distance(key, f.key), edit_distance(key, leaf) + 1);
    if (d < best_d) best_d = d, best = f.key;
  }
  // At most 3 edits, and fewer than the key has characters: replacing all of a short key is not
  // a typo of it.
  const int n = static_cast<int>(key.size());
  if (!best.empty() && best_d < n && best_d <= std::max(3, n / 3))
    msg += " (did you mean '" + best + "'?)";
  throw InputError(msg);
}

void ConfigSchema::set(const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos)
    throw InputError("--set '" + echo(assignment) + "': expected key=value");
  if (trim(assignment.substr(0, eq)).empty())
    throw InputError("--set '" + echo(assignment) + "': expected key=value (the key is empty)");
  set(trim(assignment.substr(0, eq)), trim(assignment.substr(eq + 1)));
}

void ConfigSchema::set(const std::string& key, const std::string& value_in) {
  const Field* f = find(key);
  if (f == nullptr) unknown_key(key);
  std::string value = value_in;
  if (std::holds_alternative<int*>(f->ref) || std::holds_alternative<std::int64_t*>(f->ref)) {
    std::int64_t v = 0;
    if (!parse_int(value, v)) bad_value(*f, value);
    assign_int(*f, v, value);
  } else if (std::holds_alternative<double*>(f->ref)) {
    double v = 0;
    if (!parse_real(value, v)) bad_value(*f, value);
    assign_real(*f, v, value);
  } else if (auto* b = std::get_if<bool*>(&f->ref)) {
    if (value == "true")
      **b = true;
    else if (value == "false")
      **b = false;
    else
      bad_value(*f, value);
  } else if (std::holds_alternative<std::string*>(f->ref)) {
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    assign_string(*f, value);
  } else {
    // A list: "[1, 2, 3]" or "1,2,3".
    std::string body = value;
    if (!body.empty() && body.front() == '[') {
      if (body.back() != ']') bad_value(*f, value);
      body = body.substr(1, body.size() - 2);
    }
    std::vector<double> list;
    std::stringstream ss(body);
    std::string item;
    while (std::getline(ss, item, ',')) {
      double v = 0;
      if (!parse_real(trim(item), v)) bad_value(*f, value);
      list.push_back(v);
    }
    if (list.empty()) bad_value(*f, value);
    assign_list(*f, list, value);
  }
}

namespace {

void apply_node(ConfigSchema& schema, const toml::node& node, const std::string& key,
                const std::string& source, std::set<std::string>& seen) {
  if (const auto* table = node.as_table()) {
    for (const auto& [k, v] : *table) {
      const std::string sub = key.empty() ? std::string(k.str()) : key + "." + std::string(k.str());
      apply_node(schema, v, sub, source, seen);
    }
    return;
  }
  // TOML itself refuses a key written twice, but not "a.b" = 1 next to [a] b = 2: the same
  // config key, one value silently lost.
  if (!seen.insert(key).second)
    throw InputError(source + ": config key '" + echo(key) +
                     "' is given twice (once as a quoted dotted key, once in a table); give it "
                     "once");
  const ConfigSchema::Field* f = schema.find(key);
  if (f == nullptr) {
    try {
      schema.unknown_key(key);
    } catch (const InputError& e) {
      throw InputError(source + ": " + e.what());
    }
  }
  std::ostringstream text;
  node.visit([&](auto&& n) { text << n; });
  const std::string shown = text.str();
  try {
    if (std::holds_alternative<int*>(f->ref) || std::holds_alternative<std::int64_t*>(f->ref)) {
      const auto v = node.value_exact<std::int64_t>();
      if (!v) bad_value(*f, shown);
      assign_int(*f, *v, shown);
    } else if (std::holds_alternative<double*>(f->ref)) {
      const auto v = node.value<double>();  // integers are accepted for reals
      if (!v || !(node.is_floating_point() || node.is_integer())) bad_value(*f, shown);
      assign_real(*f, *v, shown);
    } else if (auto* b = std::get_if<bool*>(&f->ref)) {
      const auto v = node.value_exact<bool>();
      if (!v) bad_value(*f, shown);
      **b = *v;
    } else if (std::holds_alternative<std::string*>(f->ref)) {
      const auto v = node.value_exact<std::string>();
      if (!v) bad_value(*f, shown);
      assign_string(*f, *v);
    } else {
      const auto* arr = node.as_array();
      if (arr == nullptr || arr->empty()) bad_value(*f, shown);
      std::vector<double> list;
      for (const auto& e : *arr) {
        const auto v = e.value<double>();
        if (!v || !(e.is_floating_point() || e.is_integer())) bad_value(*f, shown);
        list.push_back(*v);
      }
      assign_list(*f, list, shown);
    }
  } catch (const InputError& e) {
    throw InputError(source + ": " + e.what());
  }
}

}  // namespace

void ConfigSchema::apply_toml_text(const std::string& text, const std::string& source_in) {
  const std::string source = echo(source_in, 300);  // a file name as messages show it
  toml::table table;
  try {
    table = toml::parse(text, source_in);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    throw InputError(source + ":" + std::to_string(b.line) + ":" + std::to_string(b.column) +
                     ": malformed TOML: " + echo(e.description(), 300));
  }
  std::set<std::string> seen;
  apply_node(*this, table, "", source, seen);
}

void ConfigSchema::apply_toml_file(const std::string& path) {
  apply_toml_text(read_input_file(path, "config file", input_limit::kTomlBytes), path);
}

std::string ConfigSchema::value_text(const std::string& key) const {
  const Field* f = find(key);
  if (f == nullptr) unknown_key(key);
  return current_text(*f);
}

std::string ConfigSchema::to_toml() const {
  // Group keys by their table (everything before the last dot), in first-seen order.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const Field*>> groups;
  for (const auto& f : fields_) {
    const auto dot = f.key.rfind('.');
    const std::string table = dot == std::string::npos ? "" : f.key.substr(0, dot);
    if (!groups.count(table)) order.push_back(table);
    groups[table].push_back(&f);
  }
  std::ostringstream os;
  for (const auto& table : order) {
    if (!table.empty()) os << "\n[" << table << "]\n";
    for (const Field* f : groups[table]) {
      const auto dot = f->key.rfind('.');
      const std::string leaf = dot == std::string::npos ? f->key : f->key.substr(dot + 1);
      os << leaf << " = " << current_text(*f) << "  # " << f->help;
      if (!f->unit.empty()) os << " [" << f->unit << "]";
      os << "\n";
    }
  }
  return os.str();
}

std::string ConfigSchema::to_markdown() const {
  std::ostringstream os;
  os << "| key | type | unit | default | allowed | meaning |\n";
  os << "| --- | --- | --- | --- | --- | --- |\n";
  for (const auto& f : fields_) {
    std::string allowed = expectation(f);
    os << "| `" << f.key << "` | " << type_name(f) << " | " << (f.unit.empty() ? "-" : f.unit)
       << " | `" << f.default_text << "` | " << allowed << " | " << f.help << " |\n";
  }
  return os.str();
}

}  // namespace semra
