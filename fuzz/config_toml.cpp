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
      const std::string written = schema.to_toml();
      auto again = sc.make_config();
      auto schema2 = again->schema();
      try {
        schema2.apply_toml_text(written, "config.toml");
      } catch (const semra::InputError& e) {
        semra::fuzz::require(false, std::string("written config.toml does not read back: ") +
                                        e.what() + "\n" + written);
      }
      for (const auto& f : schema.fields())
        semra::fuzz::require(schema.value_text(f.key) == schema2.value_text(f.key),
                             "config.toml round trip changed " + f.key);
    });
  }
  return 0;
}
