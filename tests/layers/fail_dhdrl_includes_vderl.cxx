// Must not compile: a scenario never includes another scenario.
#include "semra/scenarios/vderl/config.hpp"
