#pragma once
// Shared by the fuzz targets. A target feeds the bytes to one parser; the parser's documented error
// (InputError: one line for the user, exit 2) is a correct answer. Anything else is a finding: a
// crash, a sanitizer report, a timeout, running out of memory, or any other exception escaping,
// which the CLI would report as "internal error" (exit 1).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "semra/core/config.hpp"
#include "semra/core/error.hpp"

namespace semra::fuzz {

inline std::string text(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// Runs `f`; InputError is fine, any other exception aborts (a finding with its message).
template <class F>
void expect_input_errors_only(F&& f) {
  try {
    f();
  } catch (const InputError&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "FINDING: exception other than InputError: %s\n", e.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "FINDING: non-standard exception\n");
    std::abort();
  }
}

// A property the parser promises, checked after it accepted the input.
inline void require(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "FINDING: %s\n", what.c_str());
    std::abort();
  }
}

// The resolved config.toml semra writes for `schema` (ConfigSchema::to_toml) must read back into a
// fresh config (`fresh`, from the scenario's make_config) with every value the same: it is what a
// user reruns with.
template <class MakeConfig>
void require_config_round_trip(const ConfigSchema& schema, const MakeConfig& make_config) {
  const std::string written = schema.to_toml();
  auto again = make_config();
  auto schema2 = again->schema();
  try {
    schema2.apply_toml_text(written, "config.toml");
  } catch (const InputError& e) {
    require(false,
            std::string("written config.toml does not read back: ") + e.what() + "\n" + written);
  }
  for (const auto& f : schema.fields())
    require(schema.value_text(f.key) == schema2.value_text(f.key),
            "config.toml round trip changed " + f.key);
}

}  // namespace semra::fuzz
