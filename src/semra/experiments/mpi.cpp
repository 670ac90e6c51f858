#include "semra/experiments/mpi.hpp"

#include <cstdlib>
#include <cstring>
#include <initializer_list>

#ifdef SEMRA_HAVE_MPI
#include <mpi.h>
#endif

namespace semra::mpi {
namespace {

bool g_initialized = false;
int g_rank = 0, g_size = 1, g_local_size = 1;

// mpirun (OpenMPI) and PMIx/PMI launchers (srun --mpi=pmix) set these. SEMRA_MPI=0 turns MPI off
// even then (e.g. a serial semra inside an MPI job step).
[[maybe_unused]] bool launched_under_mpi() {  // (unused without MPI)
  const char* off = std::getenv("SEMRA_MPI");
  if (off != nullptr && std::strcmp(off, "0") == 0) return false;
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(v) != nullptr) return true;
  return false;
}

}  // namespace

Session::Session(int& argc, char**& argv) {
#ifdef SEMRA_HAVE_MPI
  if (!launched_under_mpi()) return;
  // OpenMPI's default point-to-point layer selection probes UCX and libfabric (cm/ofi) at start,
  // which costs ~0.2 s per command here; semra sends a few messages per experiment, for which
  // ob1 (shared memory, TCP, ...) is all that is needed. A user's own choice (mpirun --mca pml X,
  // or OMPI_MCA_pml in the environment) wins: setenv does not overwrite it.
  ::setenv("OMPI_MCA_pml", "ob1", 0);
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  g_initialized = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
  MPI_Comm local;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local);
  MPI_Comm_size(local, &g_local_size);
  MPI_Comm_free(&local);
#else
  (void)argc;
  (void)argv;
#endif
}

Session::~Session() {
#ifdef SEMRA_HAVE_MPI
  if (g_initialized) MPI_Finalize();
#endif
}

bool initialized() {
  return g_initialized;
}
int rank() {
  return g_rank;
}
int size() {
  return g_size;
}
int local_size() {
  return g_local_size;
}
bool is_root() {
  return g_rank == 0;
}

}  // namespace semra::mpi
