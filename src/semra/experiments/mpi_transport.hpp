#pragma once
// The MPI transport behind one interface (the only file with MPI calls besides mpi.cpp's session):
// rank 0's view of the other ranks here; the other ranks' service loop and their release are
// dispatch.hpp's dispatch_worker and release_workers, defined in mpi_transport.cpp. Without MPI
// (or with one rank) there are no remote ranks and nothing to serve or release. The protocol:
// dispatch.hpp. Internal to experiments/.
#include <cstddef>
#include <memory>
#include <vector>

#include "semra/experiments/dispatch.hpp"

namespace semra::detail {

// Rank 0's side of the other ranks: hands out queued experiments to their free threads, takes
// back records, checkpoints, rows, progress and failures.
class RemoteRanks {
 public:
  virtual ~RemoteRanks() = default;
  // Receives everything that has arrived and hands out work to free threads. True if anything
  // happened (the caller then polls again at once instead of sleeping).
  virtual bool poll(TaskQueue& queue, bool halted) = 0;
  virtual std::size_t inflight() const = 0;  // experiments running on other ranks
  virtual void halt_all() = 0;               // they checkpoint and stop at the next step
  virtual void flush() = 0;                  // waits for every pending send
};

// Under mpirun with more than one rank, on rank 0: the other ranks; nullptr otherwise.
std::unique_ptr<RemoteRanks> connect_remote_ranks(const RunPlan& plan, const std::vector<Job>& jobs,
                                                  ResultSink& sink, RunContext& ctx, Tally& tally);

}  // namespace semra::detail
