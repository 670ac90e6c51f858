// Must compile: the positive control for the third-party libraries of experiments (JSON for
// records and summaries, TOML for sweep files, MPI when built with it).
#include <nlohmann/json.hpp>
#include <toml++/toml.h>
#ifdef SEMRA_HAVE_MPI
#include <mpi.h>
#endif
