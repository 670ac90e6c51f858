// Must compile: core reads TOML configurations and writes .mat files.
#include <matio.h>
#include <toml++/toml.h>
