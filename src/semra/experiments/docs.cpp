#include "semra/experiments/docs.hpp"

#include "semra/experiments/registry.hpp"
#include "semra/experiments/resolve.hpp"

namespace semra {

std::string config_reference_markdown(const std::string& only) {
  std::string out;
  for (const auto& s : scenarios()) {
    if (!only.empty() && s.name != only) continue;
    out += "## Scenario `" + s.name + "`\n\n" + resolve_config(s, "", {})->schema().to_markdown() +
           "\n";
  }
  return out;
}

}  // namespace semra
