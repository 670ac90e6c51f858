#pragma once
// What one experiment (scenario config, scheme, seed) produces, and what the runner offers it while
// it runs. Scenarios fill ExperimentResult; experiments/ aggregates results into the output
// contract (metrics.csv, summary.json, results.mat, figures). Kept in core so scenarios need not
// know the runner.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "semra/core/error.hpp"
#include "semra/core/serialize.hpp"

namespace semra {

struct ExperimentResult {
  std::string scheme;
  std::uint64_t seed = 0;

  // Per-step series: rows are steps (slots, iterations...), one column per metric.
  // values[c][row] is metric columns[c] at step steps[row]. Names and meaning: docs/outputs.md.
  std::vector<std::string> columns;
  std::vector<std::int64_t> steps;
  std::vector<std::vector<double>> values;

  // Per-experiment scalars (final_qoe, steps_per_second, avg_latency_ms...); summary.json reports
  // each as mean / ci95 / per_seed over seeds.
  std::map<std::string, double> scalars;
  // Raw samples pooled over seeds for percentiles in summary.json (e.g. sinr_db -> p10, p50, p90).
  std::map<std::string, std::vector<float>> samples;

  std::size_t column(const std::string& name) const;  // index of a column; throws if absent
  void add_row(std::int64_t step, const std::vector<double>& row);

  bool operator==(const ExperimentResult&) const = default;  // exact (NaN != NaN, as usual)
};

// A partly filled result inside a checkpoint (exact: every double and float round-trips).
void save_result(StateWriter& w, const ExperimentResult& r);
void load_result(StateReader& r, ExperimentResult& out);

// What the runner hands one experiment for checkpointing. Scenarios never build this.
struct CheckpointHooks {
  // Steps between periodic checkpoints (`--checkpoint-every`); 0 = only when stopping.
  std::int64_t every = 0;
  // The state saved by this experiment's last checkpoint, when resuming from one.
  bool has_resume_state = false;
  std::int64_t resume_step = 0;
  std::string resume_state;
  // Stores a checkpoint (atomically, thread-safe); empty = checkpoints are not kept.
  std::function<void(std::int64_t steps_done, std::string state)> store;
  // Sees the result each time a metrics row was added (live outputs); may be empty.
  std::function<void(const ExperimentResult& partial)> row;
};

// Where a run saved one experiment's networks: MODELS_ROOT/<scheme>-seed<seed> (--save-models).
std::string saved_model_dir(const std::string& models_root, const std::string& scheme,
                            std::uint64_t seed);

// The runner gives every experiment its own RunContext; progress counters and the stop flag are
// shared with the command's context (the `shared` constructor argument). Thread-safe where noted.
//
// ---- Checkpoint contract for scenario authors (details: docs/scaling.md) ----
// A scenario supports checkpoints when its training loop does three things:
//   1. After building everything from (config, scheme, seed) exactly as for a fresh start, if
//      ctx.resume_state() is non-null, restore the full mutable state from it (StateReader) and
//      continue the loop at step ctx.resume_step().
//   2. At the top of every step t (t steps done, before step t runs), call
//        ctx.step_boundary(t, [&](StateWriter& w) { /* write the full state */ });
//      The lambda runs only when a checkpoint is due: every checkpoint_every() steps, and once
//      more when a stop was requested; step_boundary then throws Interrupted.
//   3. Write *everything* that influences later steps: networks, optimiser moments and step counts,
//      replay buffers (contents, head, size), exploration schedules, environment state (positions,
//      fading, requirements...), every Rng stream (StateWriter::rng), the ExperimentResult rows so
//      far (save_result) and any running accumulators. Rule: a run resumed at step t must produce
//      metrics bit-identical to an uninterrupted run. Timing scalars (steps_per_second) are exempt.
// Live outputs: after adding each metrics row, call ctx.row_recorded(result) (OUT/live/ and
// TensorBoard follow the run); a row's step is the step that completed it, so a checkpoint taken at
// step t holds exactly the rows of steps < t.
// A scenario that does not support checkpoints keeps `if (ctx.stop_requested()) throw
// Interrupted();` in its loop: an interrupted experiment then restarts from step 0 on --resume.
class RunContext {
 public:
  RunContext() = default;
  // A per-experiment context whose progress and stop flag are those of `shared`.
  RunContext(RunContext& shared, CheckpointHooks hooks);
  RunContext(const RunContext&) = delete;
  RunContext& operator=(const RunContext&) = delete;

  // Threads this experiment may use for its own inner loops (a WorkTeam, work_team.hpp): more than
  // 1 when the command has more threads than experiments to run. Results must not depend on it.
  int threads() const { return threads_; }
  void set_threads(int n) { threads_ = n < 1 ? 1 : n; }

  // Progress: experiments report steps as they go (cheap: relaxed atomic adds).
  void add_steps(std::int64_t n) {
    own_steps_.fetch_add(n, std::memory_order_relaxed);
    root().steps_done_.fetch_add(n, std::memory_order_relaxed);
  }
  // Steps of every experiment sharing this context's root.
  std::int64_t steps_done() const { return root().steps_done_.load(std::memory_order_relaxed); }
  // Steps this context's own experiment ran (since it started or resumed).
  std::int64_t own_steps() const { return own_steps_.load(std::memory_order_relaxed); }
  // The latest value of the scenario's headline metric, shown on the progress line.
  void report_metric(double v) { root().last_metric_.store(v, std::memory_order_relaxed); }
  double last_metric() const { return root().last_metric_.load(std::memory_order_relaxed); }

  // Set by SIGINT/SIGTERM handlers; long loops check it at step boundaries and throw Interrupted.
  bool stop_requested() const {
    const auto* s = root().stop_;
    return s != nullptr && s->load(std::memory_order_relaxed);
  }
  void set_stop_flag(const std::atomic<bool>* stop) { stop_ = stop; }

  // Non-empty with --save-models: the experiment writes its trained networks under this directory
  // (the runner makes a sub-directory per scheme and seed and passes it here via model_dir_for).
  std::string models_root;
  std::string model_dir_for(const std::string& scheme, std::uint64_t seed) const;

  // ---- Checkpoints (see the contract above) ----
  std::int64_t checkpoint_every() const { return hooks_.every; }
  // Call after every row added to the experiment's result: the runner appends it to the live
  // metrics (OUT/live/, TensorBoard). Rows a resumed experiment restored are not reported again.
  void row_recorded(const ExperimentResult& partial) {
    if (hooks_.row) hooks_.row(partial);
  }

  // The bytes written by this experiment's last checkpoint, or nullptr for a fresh start.
  const std::string* resume_state() const {
    return hooks_.has_resume_state ? &hooks_.resume_state : nullptr;
  }
  // The step at which that checkpoint was written (0 for a fresh start).
  std::int64_t resume_step() const { return hooks_.has_resume_state ? hooks_.resume_step : 0; }
  // Frees the resume bytes once restored (they may be large: replay buffers).
  void release_resume_state() { std::string().swap(hooks_.resume_state); }

  // Call at the top of every step with the number of steps done; `save(StateWriter&)` writes the
  // full state and runs only when a checkpoint is due. Throws Interrupted when a stop was
  // requested.
  template <class Save>
  void step_boundary(std::int64_t steps_done, Save&& save) {
    const bool stop = stop_requested();
    const bool periodic = hooks_.every > 0 && steps_done > 0 && steps_done % hooks_.every == 0;
    if ((stop || periodic) && hooks_.store && steps_done != last_saved_step_ &&
        steps_done != resume_step()) {
      StateWriter w;
      save(w);
      hooks_.store(steps_done, w.take());
      last_saved_step_ = steps_done;
    }
    if (stop) throw Interrupted();
  }

 private:
  RunContext& root() { return shared_ != nullptr ? *shared_ : *this; }
  const RunContext& root() const { return shared_ != nullptr ? *shared_ : *this; }

  std::atomic<std::int64_t> steps_done_{0};
  std::atomic<std::int64_t> own_steps_{0};
  int threads_ = 1;
  std::atomic<double> last_metric_{0.0};
  const std::atomic<bool>* stop_ = nullptr;
  RunContext* shared_ = nullptr;
  CheckpointHooks hooks_;
  std::int64_t last_saved_step_ = -1;
};

// The checkpoint of one run loop, in one layout for every scenario: `tag` (the scenario), then
// what `save` writes (the loop's own state: environment, scheme, streams, accumulators), then the
// result so far. checkpoint_boundary is step_boundary with that layout; resume_checkpoint restores
// it when ctx resumes one (`load` reads what `save` wrote, in the same order) and returns the step
// to continue at (0: a fresh start). `what` names the checkpoint in a refusal ("vderl checkpoint
// of vdn seed 3: ...").
template <class Save>
void checkpoint_boundary(RunContext& ctx, std::int64_t steps_done, const char* tag,
                         const ExperimentResult& result, Save&& save) {
  ctx.step_boundary(steps_done, [&](StateWriter& out) {
    out.tag(tag);
    save(out);
    save_result(out, result);
  });
}
template <class Load>
std::int64_t resume_checkpoint(RunContext& ctx, const char* tag, const std::string& what,
                               ExperimentResult& result, Load&& load) {
  const std::string* state = ctx.resume_state();
  if (state == nullptr) return 0;
  StateReader in(*state, what);
  in.expect_tag(tag);
  load(in);
  load_result(in, result);
  in.expect_end();
  const std::int64_t step = ctx.resume_step();
  ctx.release_resume_state();
  return step;
}

}  // namespace semra
