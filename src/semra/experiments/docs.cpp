#include "semra/experiments/docs.hpp"

#include "semra/experiments/registry.hpp"

namespace semra {

std::string config_reference_markdown() {
  std::string out;
  for (const auto& s : scenarios()) {
    auto c = s.make_config();
    out += "## Scenario `" + s.name + "`\n\n" + c->schema().to_markdown() + "\n";
  }
  return out;
}

}  // namespace semra
