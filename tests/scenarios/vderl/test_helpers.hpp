#pragma once
// Shared by the vderl tests: a small network (3 servers, 12 users, 4 RBs, 16 images).
#include "semra/scenarios/vderl/config.hpp"

namespace vderl_test {

inline semra::vderl::Config small_config() {
  semra::vderl::Config c;
  c.servers = 3;
  c.users = 12;
  c.rbs = 4;
  c.images = 16;
  return c;
}

}  // namespace vderl_test
