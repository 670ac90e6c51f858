// The test CLI (build/tests/semra-test): `semra` plus the `toy` fixture scenario and `toy-users`
// figure when the environment has SEMRA_TEST_FIXTURES=1 (exactly "1"), so the CLI tests can
// also check that without it they do not exist. Registered before main() runs: this file is linked
// into the test CLI's executable only, never into `semra`.
#include <cstdlib>
#include <cstring>

#include "semra/experiments/registry.hpp"
#include "toy_fixture.hpp"

namespace {

[[maybe_unused]] const bool registered = [] {
  const char* v = std::getenv("SEMRA_TEST_FIXTURES");
  if (v != nullptr && std::strcmp(v, "1") == 0)
    semra::add_extra_entries(&semra::toy_scenario_entry(), &semra::toy_figure_entry());
  return true;
}();

}  // namespace
