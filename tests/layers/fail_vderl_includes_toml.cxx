// Must not compile: a scenario gets its configuration through core/config (toml++ is core's
// and experiments').
#include <toml++/toml.h>
