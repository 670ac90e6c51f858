#include "entries.hpp"

// `semra` offers the built-in scenarios and figures only.
void register_program_entries() {}
