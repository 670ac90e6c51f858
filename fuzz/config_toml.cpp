// A config TOML file (`--config FILE`) applied to each scenario's config, then validated. When it
// is accepted, the resolved config.toml we would write (ConfigSchema::to_toml) must read back to
// the same values: it is what a user reruns with.
#include <memory>

#include "fuzz.hpp"
#include "semra/experiments/registry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string toml = semra::fuzz::text(data, size);
  for (const auto& sc : semra::scenarios()) {
    semra::fuzz::expect_input_errors_only([&] {
      auto config = sc.make_config();
      auto schema = config->schema();
      schema.apply_toml_text(toml, "fuzz.toml");
      config->validate();
      semra::fuzz::require_config_round_trip(schema, sc.make_config);
    });
  }
  return 0;
}
