// Must not compile: radio and semantic are siblings above core, independent of each other.
#include "semra/semantic/deepsc.hpp"
