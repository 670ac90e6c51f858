#pragma once
// Reference documentation generated from the code, so it cannot drift (docs/config.md).
#include <string>

namespace semra {

// For every registered scenario: "## Scenario `name`" and the Markdown table of its config keys.
// `semra config --markdown` prints exactly this; docs/config.md embeds it (checked by a test).
std::string config_reference_markdown();

}  // namespace semra
