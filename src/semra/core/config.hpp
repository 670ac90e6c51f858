#pragma once
// Configuration: defaults live in C++ structs; a TOML file and repeated `--set dotted.key=value`
// override them. A config struct describes its fields once (key, reference, range, unit, help)
// through a ConfigSchema; everything else (parsing, validation, typo suggestions, writing the
// resolved TOML, generating docs/config.md) is generic.
//
//   struct MyConfig : semra::ConfigBase {
//     int rings = 1;
//     void describe(semra::ConfigSchema& s) override {
//       s.add("network.rings", rings, semra::IntRange{0, 3}, "", "hexagonal rings around the centre
//       cell");
//     }
//     std::unique_ptr<ConfigBase> clone() const override { return
//     std::make_unique<MyConfig>(*this); }
//   };
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace semra {

struct IntRange {
  std::int64_t min = std::numeric_limits<std::int64_t>::min();
  std::int64_t max = std::numeric_limits<std::int64_t>::max();
};
struct RealRange {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_open = false;  // true: value must be > min (not >=)
  bool max_open = false;
};
// A string field limited to a set of choices; empty = any string (e.g. a file path).
using Choices = std::vector<std::string>;

class ConfigSchema {
 public:
  struct Field {
    std::string key;
    std::variant<int*, std::int64_t*, double*, bool*, std::string*, std::vector<double>*> ref;
    IntRange int_range;
    RealRange real_range;
    Choices choices;
    std::string unit;
    std::string help;
    std::string default_text;  // the value when described (the struct's default for a fresh struct)
  };

  void add(std::string key, int& ref, IntRange range, std::string unit, std::string help);
  void add(std::string key, std::int64_t& ref, IntRange range, std::string unit, std::string help);
  void add(std::string key, double& ref, RealRange range, std::string unit, std::string help);
  void add(std::string key, bool& ref, std::string help);
  void add(std::string key, std::string& ref, Choices choices, std::string help);
  // A list of reals, each in range.
  void add(std::string key, std::vector<double>& ref, RealRange range, std::string unit,
           std::string help);

  const std::vector<Field>& fields() const { return fields_; }
  const Field* find(const std::string& key) const;

  // Apply `key=value` (value parsed by the field's type). Throws InputError naming key and value.
  void set(const std::string& assignment);
  void set(const std::string& key, const std::string& value);
  // Apply every key of a TOML document (nested tables = dotted keys). `source` names the file.
  void apply_toml_text(const std::string& text, const std::string& source);
  void apply_toml_file(const std::string& path);

  // The current values as a TOML document, grouped by table, each key with its help as a comment.
  std::string to_toml() const;
  // Markdown table of every key: key, type, unit, default, range, meaning.
  std::string to_markdown() const;
  // The current value of a key as text (TOML syntax).
  std::string value_text(const std::string& key) const;

  // Throws InputError "unknown config key 'x' (did you mean 'y'?)".
  [[noreturn]] void unknown_key(const std::string& key) const;

 private:
  std::vector<Field> fields_;
};

// Base of every scenario's config struct.
struct ConfigBase {
  virtual ~ConfigBase() = default;
  virtual void describe(ConfigSchema& schema) = 0;
  // Cross-field checks after all overrides; throw InputError naming the keys.
  virtual void validate() const {}
  // Reads the input files the config names (tables, scene graphs, saved models); throws InputError
  // naming the file. The runner calls it once per grid point, before anything is written; kept
  // apart from validate(), which every experiment calls, so big files are not re-read for checks.
  virtual void check_input_files() const {}
  virtual std::unique_ptr<ConfigBase> clone() const = 0;

  ConfigSchema schema() {
    ConfigSchema s;
    describe(s);
    return s;
  }
};

// Levenshtein distance, for "did you mean" suggestions.
int edit_distance(const std::string& a, const std::string& b);
// " (did you mean 'x'?)" when the nearest of `valid` is close to `typed` (at most 2 edits, or a
// third of its length), else "": appended to "unknown scheme 'dhdr'" and the like.
std::string did_you_mean(const std::string& typed, const std::vector<std::string>& valid);
// "unknown WHAT 'typed' (did you mean 'x'?) (valid: a, b, ...)": the one line for a name that is
// not one of `valid` (scenarios, figures, sweep-file keys).
std::string unknown_name(const std::string& what, const std::string& typed,
                         const std::vector<std::string>& valid);

}  // namespace semra
