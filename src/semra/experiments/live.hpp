#pragma once
// Live outputs: while a command runs, every experiment's metrics rows go to
// OUT/live/<experiment id>.csv (the columns and text of metrics.csv, for that experiment only) and,
// with --tensorboard, to a TensorBoard event file OUT/tensorboard/<experiment id>/. Rows are
// buffered and written by a background thread at least every second, and before every
// checkpoint, so a checkpoint at step t finds every row of steps < t on disk; on --resume each
// file is cut back to the rows before its experiment's checkpoint, so no row is ever written
// twice. Internal to experiments/.
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "semra/core/experiment.hpp"
#include "semra/experiments/jobs.hpp"

namespace semra::detail {

// metrics.csv pieces, shared by metrics.csv and the live files so their rows are the same text.
std::string csv_field(const std::string& s);
std::string metrics_header(const RunPlan& plan, const std::vector<std::string>& columns);
// "scheme,seed,<axis values>," of a job's rows.
std::string metrics_prefix(const RunPlan& plan, const Job& job);
void append_metrics_rows(std::string& out, const std::string& prefix, const ExperimentResult& r,
                         std::size_t from_row, std::size_t to_row);

// The first row index whose step is >= `step` (steps increase).
std::size_t first_row_at(const ExperimentResult& r, std::int64_t step);

class LiveOutputs {
 public:
  // Where each experiment starts: finished (its whole result is known: files written in full),
  // resumed from a checkpoint at `step` (files cut to rows of steps < step), or fresh (files
  // removed; created with the first row).
  struct Start {
    const ExperimentResult* finished = nullptr;
    std::int64_t resume_step = 0;
  };
  LiveOutputs(const RunPlan& plan, const std::vector<Job>& jobs, const std::vector<Start>& starts,
              bool tensorboard);
  ~LiveOutputs();  // writes what is pending and stops the writer thread
  LiveOutputs(const LiveOutputs&) = delete;
  LiveOutputs& operator=(const LiveOutputs&) = delete;

  // The experiment's result gained rows: buffers those not written yet. Thread-safe. `r` holds the
  // result's rows from row `first_row` on (another MPI rank sends only its new rows); rows before
  // it that the files still lack wait for the complete result (first_row 0) when it finishes.
  void rows(const Job& job, const ExperimentResult& r, std::size_t first_row = 0);
  // Writes the job's pending rows now. Thread-safe.
  void flush(const Job& job);

 private:
  struct Slot;
  void flush_slot(Slot& s);
  void loop();

  const RunPlan& plan_;
  bool tensorboard_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::mutex m_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace semra::detail
