#pragma once
// Runs a plan's unfinished experiments: on this process's threads and, under mpirun, on every
// rank. Rank 0 holds the queue (long experiments first) and hands out one experiment per free
// thread of each rank as they ask (dynamic scheduling); the other ranks send back each finished
// experiment's record and their checkpoints, and rank 0 alone writes files. Rank 0 computes too:
// its main thread only coordinates, with non-blocking MPI calls and short sleeps (OpenMPI's
// blocking receives busy-poll and would take a core from the experiments).
// Internal to experiments/.
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "semra/core/experiment.hpp"
#include "semra/experiments/jobs.hpp"
#include "semra/experiments/store.hpp"

namespace semra::detail {

// What rank 0 does with experiments as they finish. Called from any thread, each job once.
class ResultSink {
 public:
  virtual ~ResultSink() = default;
  // `record` is RunStore::encode_record(job, result).
  virtual void finished(const Job& job, ExperimentResult result, const std::string& record) = 0;
  virtual void checkpoint(const Job& job, std::int64_t step, const std::string& state) = 0;
  // Around each experiment run by this process's threads: `ectx` lives until stopped().
  virtual void started(const Job& /*job*/, const RunContext& /*ectx*/) {}
  virtual void stopped(const Job& /*job*/) {}
  // The experiment's result gained metrics rows (RunContext::row_recorded): `partial` holds them
  // from row `first_row` on (0 for experiments of this process; other ranks send their new rows).
  virtual void rows(const Job& /*job*/, const ExperimentResult& /*partial*/,
                    std::size_t /*first_row*/) {}
};

struct Task {
  std::size_t job = 0;
  std::optional<StoredCheckpoint> resume;
};

struct DispatchOutcome {
  std::size_t finished = 0;     // experiments completed by this command
  std::size_t interrupted = 0;  // stopped early (SIGINT/SIGTERM, or halted after an error)
  std::size_t not_started = 0;
  std::exception_ptr error;  // the first experiment failure (InputError or internal)
};

// Rank 0 (or the only process): runs `tasks` in the given order. `ctx` is the command's shared
// context (progress counters); its stop flag is managed here from plan.stop_flag.
DispatchOutcome dispatch_root(const RunPlan& plan, const std::vector<Job>& jobs,
                              std::vector<Task> tasks, ResultSink& sink, RunContext& ctx);

// Ranks > 0: serve rank 0 until it says the command is over.
void dispatch_worker(const RunPlan& plan, const std::vector<Job>& jobs);

// Rank 0, when it fails before dispatch_root: release the waiting ranks.
void release_workers();

}  // namespace semra::detail
