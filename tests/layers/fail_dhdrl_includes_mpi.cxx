// Must not compile: MPI is experiments' (the distribution of experiments over ranks).
#include <mpi.h>
