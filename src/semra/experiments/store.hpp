#pragma once
// The run directory as a store of finished experiments, for --resume. Internal to experiments/.
//
//   OUT/manifest.json               what was asked (version, scenario, schemes, seeds, grid,
//   config) OUT/experiments/<id>.msgpack    one finished experiment (MessagePack; doubles exact)
//   OUT/experiments/<id>.ckpt       the latest mid-experiment checkpoint of an unfinished one
//   OUT/.lock                       flock()ed while a command writes the directory
//
// Every file is written atomically (temp + rename), so SIGKILL at any moment leaves each either
// absent or complete. Formats: docs/scaling.md.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "semra/core/experiment.hpp"
#include "semra/experiments/jobs.hpp"

namespace semra::detail {

// The run directory's format (manifest.json "format_version") and the records' (2: each record
// ends with a checksum).
inline constexpr int kRecordFormat = 2;

struct StoredCheckpoint {
  std::int64_t step = 0;
  std::string state;
};

// What the directory already holds for a plan's jobs (indexed like the jobs).
struct StoredRun {
  std::vector<std::optional<ExperimentResult>> finished;
  std::vector<std::optional<StoredCheckpoint>> checkpoints;
};

nlohmann::ordered_json make_manifest(const RunPlan& plan);

// A decoded result's content against its job, before anything is built from it (every record
// passes its checksum first; this is what a record of another build, or a crafted one, must also
// pass): the job's scheme and seed, the scenario's metric columns (when declared), one value per
// step in every column, and steps increasing within 0 .. job.steps - 1. Throws InputError
// starting with `corrupt` ("experiment record 'PATH' is corrupt (").
void check_record_content(const ExperimentResult& r, const std::string& scheme, std::uint64_t seed,
                          const Job& job, const std::string& corrupt);

class RunStore {
 public:
  // Fresh (resume = false): the directory must be new or empty. Resume: it must be empty or hold a
  // manifest equal to `manifest`, and every stored experiment must match its job. Throws
  // InputError naming what differs; nothing is written, overwritten or removed before all checks
  // pass (the only file ever created by a failed open is an empty .lock in a new directory).
  RunStore(std::filesystem::path dir, const nlohmann::ordered_json& manifest, bool resume,
           const std::vector<Job>& jobs);
  ~RunStore();
  RunStore(const RunStore&) = delete;
  RunStore& operator=(const RunStore&) = delete;

  const StoredRun& stored() const { return stored_; }
  StoredRun take_stored() { return std::move(stored_); }

  // MessagePack record of a finished experiment (also what MPI ranks send to rank 0).
  static std::string encode_record(const Job& job, const ExperimentResult& r);
  // Checks format, version, experiment id and config against `job`; throws InputError naming it.
  static ExperimentResult decode_record(const std::string& bytes, const Job& job,
                                        const std::string& where);

  // Thread-safe for different jobs. store_record also removes the job's checkpoint.
  void store_record(const Job& job, const std::string& bytes) const;
  void store_checkpoint(const Job& job, std::int64_t step, const std::string& state) const;

  // After a failure that could only appear while running (memory, disk, a bad file read late):
  // for a fresh run that has stored nothing yet, removes what this command created (the
  // directory if it made it) so the same command can simply be rerun; otherwise keeps
  // everything for --resume. Returns the sentence that tells the user which.
  std::string after_failure();

  static std::string encode_checkpoint(const Job& job, std::int64_t step, const std::string& state);
  static StoredCheckpoint decode_checkpoint(const std::string& bytes, const Job& job,
                                            const std::string& where);

 private:
  std::filesystem::path record_path(const Job& job) const;
  std::filesystem::path checkpoint_path(const Job& job) const;

  std::filesystem::path dir_;
  int lock_fd_ = -1;
  bool resume_ = false;
  bool created_ = false;                         // this command created dir_
  mutable std::atomic<std::size_t> written_{0};  // records and checkpoints stored by this command
  StoredRun stored_;
};

}  // namespace semra::detail
