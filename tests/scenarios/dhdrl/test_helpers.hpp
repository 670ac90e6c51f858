#pragma once
// Helpers shared by the dhdrl test files of test_scenarios.
#include <memory>
#include <string>

#include "semra/core/error.hpp"
#include "semra/scenarios/dhdrl/config.hpp"
#include "semra/semantic/deepsc.hpp"

namespace dhdrl_test {

// The built-in DeepSC accuracy model, as the environment takes it.
inline std::shared_ptr<const semra::semantic::AccuracyModel> model() {
  return std::make_shared<const semra::semantic::AccuracyModel>();
}

// The InputError message of setting `key=value` on the default config and validating it; empty
// when it is accepted.
inline std::string config_error(const std::string& assignment) {
  semra::dhdrl::Config c;
  try {
    auto s = c.schema();
    s.set(assignment);
    c.validate();
  } catch (const semra::InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace dhdrl_test
