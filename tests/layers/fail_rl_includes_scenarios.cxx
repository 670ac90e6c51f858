// Must not compile: the learners are scenario-agnostic.
#include "semra/scenarios/vderl/config.hpp"
