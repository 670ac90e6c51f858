// Must not compile: the command-line parser is the program's (apps/semra), not the core's.
#include <CLI/CLI.hpp>
