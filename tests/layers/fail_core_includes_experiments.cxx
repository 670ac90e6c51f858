// Must not compile: core is the bottom layer (the registry lists scenarios; core cannot see it).
#include "semra/experiments/registry.hpp"
