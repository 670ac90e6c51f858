// Must not compile: a scenario registers through core/scenario_entry.hpp, not experiments/.
#include "semra/experiments/runner.hpp"
