// Must compile: the positive control (a scenario may use its own headers, the learners, the
// radio and core).
#include "semra/core/scenario_entry.hpp"
#include "semra/scenarios/vderl/config.hpp"
#include "semra/radio/sinr.hpp"
#include "semra/rl/dqn.hpp"
