#pragma once
// Reference documentation generated from the code, so it cannot drift (docs/config.md).
#include <string>

namespace semra {

// For every registered scenario (or only the one named `only`): "## Scenario `name`" and the
// Markdown table of its default config's keys (resolve_config with no file and no --set).
// `semra config --markdown` prints exactly this; docs/config.md embeds it (checked by a test).
std::string config_reference_markdown(const std::string& only = "");

}  // namespace semra
