// Must not compile: the networks know nothing of the learners built on them.
#include "semra/rl/dqn.hpp"
