#pragma once
// MPI, when built with it (CMake SEMRA_MPI, OpenMPI) *and* started by an MPI launcher (mpirun,
// or srun with PMIx). The plain binary never touches MPI, so it runs where no MPI runtime is set
// up. Only the main thread calls MPI (MPI_THREAD_FUNNELED); experiments run on other threads.
namespace semra::mpi {

// RAII: initialises MPI in the constructor when launched under MPI, finalises in the destructor.
// Create one in main() before anything else; it is a no-op otherwise.
class Session {
 public:
  Session(int& argc, char**& argv);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
};

bool initialized();  // MPI_Init done by Session
int rank();          // 0 without MPI
int size();          // 1 without MPI
int local_size();    // ranks on this machine (1 without MPI)
bool is_root();      // rank() == 0

}  // namespace semra::mpi
