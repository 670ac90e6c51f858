// `--set key=value` (also the sweep files' [set] values and grid values go through
// ConfigSchema::set). The input is one or more assignments, one per line, applied to each
// scenario's config, then validated; accepted values must be written back readably, as for
// config_toml.
#include <sstream>

#include "fuzz.hpp"
#include "semra/experiments/registry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input = semra::fuzz::text(data, size);
  for (const auto& sc : semra::scenarios()) {
    semra::fuzz::expect_input_errors_only([&] {
      auto config = sc.make_config();
      auto schema = config->schema();
      std::istringstream lines(input);
      std::string line;
      while (std::getline(lines, line)) schema.set(line);
      config->validate();
      semra::fuzz::require_config_round_trip(schema, sc.make_config);
    });
  }
  return 0;
}
