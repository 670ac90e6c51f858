#include "semra/experiments/runner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <limits>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "semra/core/error.hpp"
#include "semra/core/gnuplot.hpp"
#include "semra/core/io.hpp"
#include "semra/core/isa.hpp"
#include "semra/core/progress.hpp"
#include "semra/core/stats.hpp"
#include "semra/core/stop.hpp"
#include "semra/experiments/dispatch.hpp"
#include "semra/experiments/jobs.hpp"
#include "semra/experiments/limits.hpp"
#include "semra/experiments/live.hpp"
#include "semra/experiments/mpi.hpp"
#include "semra/experiments/outputs.hpp"
#include "semra/experiments/store.hpp"
#include "semra/version.hpp"

namespace semra {
namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;
using detail::Job;

std::string axis_value_text(const AxisValue& v) {
  struct V {
    std::string operator()(std::int64_t x) const { return std::to_string(x); }
    std::string operator()(double x) const { return format_double(x); }
    std::string operator()(bool x) const { return x ? "true" : "false"; }
    std::string operator()(const std::string& x) const { return x; }
  };
  return std::visit(V{}, v);
}

void RunPlan::add_axis(const std::string& key, const std::string& name,
                       const std::vector<double>& values) {
  if (!config) throw std::logic_error("add_axis: set the plan's config first");
  const auto schema = config->schema();
  const auto* f = schema.find(key);
  if (f == nullptr) schema.unknown_key(key);
  const bool integral =
      std::holds_alternative<int*>(f->ref) || std::holds_alternative<std::int64_t*>(f->ref);
  SweepAxis axis{key, name.empty() ? key : name, {}};
  for (double x : values) {
    if (integral)
      axis.values.emplace_back(static_cast<std::int64_t>(std::llround(x)));
    else
      axis.values.emplace_back(x);
  }
  axes.push_back(std::move(axis));
}

namespace {

// Rank 0's handling of finished experiments: store each at once, keep the result for the outputs;
// and the live outputs and progress line while they run.
class StoreSink : public detail::ResultSink {
 public:
  StoreSink(detail::RunStore& store, std::vector<ExperimentResult>& results,
            detail::LiveOutputs& live)
      : store_(store), results_(results), live_(live) {}
  void finished(const Job& job, ExperimentResult result, const std::string& record) override {
    store_.store_record(job, record);
    // Experiments of other MPI ranks reach the live files here, complete.
    live_.rows(job, result);
    live_.flush(job);
    results_[job.index] = std::move(result);  // each job writes only its own slot
    if (progress_ != nullptr) progress_->finished_one();
  }
  void checkpoint(const Job& job, std::int64_t step, const std::string& state) override {
    live_.flush(job);  // first: a checkpoint at `step` finds every row of steps < step on disk
    store_.store_checkpoint(job, step, state);
    std::lock_guard<std::mutex> lock(m_);
    checkpointed_.insert(job.index);
  }
  void started(const Job& job, const RunContext& ectx) override {
    if (progress_ != nullptr) progress_->started(job.id, job.steps, ectx.resume_step(), ectx);
  }
  void stopped(const Job& job) override {
    if (progress_ != nullptr) progress_->stopped(job.id);
  }
  void rows(const Job& job, const ExperimentResult& partial, std::size_t first_row) override {
    live_.rows(job, partial, first_row);
  }
  std::size_t checkpoints() {
    std::lock_guard<std::mutex> lock(m_);
    return checkpointed_.size();
  }
  Progress* progress_ = nullptr;  // set while dispatching

 private:
  detail::RunStore& store_;
  std::vector<ExperimentResult>& results_;
  detail::LiveOutputs& live_;
  std::mutex m_;
  std::set<std::size_t> checkpointed_;
};

// Rank 0 releases the other ranks however execute() ends (they wait for its word).
struct ReleaseWorkers {
  ~ReleaseWorkers() { detail::release_workers(); }
};

}  // namespace

std::vector<double> moving_average(const std::vector<double>& x, std::size_t window) {
  std::vector<double> out(x.size());
  double sum = 0;
  window = std::max<std::size_t>(1, window);
  for (std::size_t i = 0; i < x.size(); ++i) {
    sum += x[i];
    if (i >= window) sum -= x[i - window];
    out[i] = sum / static_cast<double>(std::min(i + 1, window));
  }
  return out;
}

fs::path default_out_dir(const std::string& name) {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return fs::path("results") / (name + "-" + buf);
}

namespace {

// What execute() checks of a plan before it builds anything.
void check_plan(const RunPlan& plan) {
  if (plan.scenario == nullptr || !plan.config) throw std::logic_error("execute: incomplete plan");
  if (plan.schemes.empty()) throw InputError("no scheme to run");
  if (plan.seeds.empty()) throw InputError("--seeds must be at least 1");
  if (plan.checkpoint_every < 0) throw InputError("--checkpoint-every must be >= 0");
  for (const auto& s : plan.schemes)
    if (find_scheme_info(plan.scenario->schemes, s) == nullptr) {
      const std::vector<std::string> names = scheme_names_of(plan.scenario->schemes);
      std::string valid;
      for (const auto& v : names) valid += (valid.empty() ? "" : ", ") + v;
      throw InputError("unknown scheme '" + echo(s) + "' for scenario '" + plan.scenario->name +
                       "'" + did_you_mean(s, names) + " (valid: " + valid + ")");
    }
}

// Memory: the largest experiments running at once plus every result (throws before writing).
void check_memory(const RunPlan& plan, const std::vector<Job>& jobs) {
  std::vector<std::size_t> all(jobs.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  const std::size_t concurrent =
      std::min(jobs.size(), static_cast<std::size_t>(std::max(1, plan.threads)));
  limits::check_memory(limits::estimate_memory(plan, jobs, all, concurrent), concurrent);
}

// Once the directory exists, a failure says what became of it (RunStore::after_failure).
template <class F>
RunOutcome saying_what_was_kept(const RunPlan& plan, std::size_t jobs, detail::RunStore& store,
                                F&& f) {
  try {
    return f();
  } catch (const RunInterrupted&) {
    throw;
  } catch (const Interrupted&) {
    // Stopped while the outputs were written: every experiment is stored, so --resume (which
    // reuses them all) writes the outputs again.
    RunInterrupted e;
    e.out_dir = plan.out_dir;
    e.finished = e.total = jobs;
    throw e;
  } catch (const ResourceError& e) {
    throw ResourceError(std::string(e.what()) + "; " + store.after_failure());
  } catch (const InputError& e) {
    throw InputError(std::string(e.what()) + "; " + store.after_failure());
  } catch (const std::bad_alloc&) {
    throw ResourceError("out of memory (lower --threads or the sizes of docs/limits.md); " +
                        store.after_failure());
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string(e.what()) + "; " + store.after_failure());
  }
}

}  // namespace

// The plan comes resolved (resolve.hpp: defaults <- preset <- file <- --set, schemes, seeds, grid).
// From it, in order: the jobs, the store, the dispatch, the outputs.
RunOutcome execute(const RunPlan& plan) {
  check_plan(plan);

  // Jobs: every experiment's config, built and validated before anything runs or is written.
  const std::vector<Job> jobs = detail::make_jobs(plan);
  if (mpi::initialized() && !mpi::is_root()) {
    detail::dispatch_worker(plan, jobs);  // other ranks run what rank 0 hands them
    RunOutcome o;
    o.root = false;
    return o;
  }
  ReleaseWorkers release;
  check_memory(plan, jobs);

  // Store: from here on files are written, so a stop is no longer an immediate exit
  // (core/stop.hpp) but polled: running experiments checkpoint and the message says what was
  // kept. The directory is checked against the plan first (throws before writing anything).
  exit_on_stop().store(false);
  detail::RunStore store(plan.out_dir, detail::make_manifest(plan), plan.resume, jobs);
  return saying_what_was_kept(plan, jobs.size(), store, [&] {
    // What the directory holds: finished experiments are reused, checkpointed ones continue.
    detail::StoredRun stored = store.take_stored();
    std::vector<ExperimentResult> results(jobs.size());
    std::vector<detail::Task> tasks;
    std::vector<detail::LiveOutputs::Start> starts(jobs.size());
    std::size_t reused = 0;
    std::int64_t total_steps = 0;
    for (const auto& job : jobs) {
      if (stored.finished[job.index]) {
        results[job.index] = std::move(*stored.finished[job.index]);
        starts[job.index].finished = &results[job.index];
        ++reused;
        continue;
      }
      detail::Task t;
      t.job = job.index;
      t.resume = std::move(stored.checkpoints[job.index]);
      if (t.resume) starts[job.index].resume_step = t.resume->step;
      total_steps += job.steps - (t.resume ? t.resume->step : 0);
      tasks.push_back(std::move(t));
    }
    // Long experiments first keeps every thread and rank busy to the end; results keep plan
    // order.
    auto cost = [&](const detail::Task& t) {
      const auto& job = jobs[t.job];
      return detail::expected_cost(*plan.scenario, job,
                                   job.steps - (t.resume ? t.resume->step : 0));
    };
    std::stable_sort(tasks.begin(), tasks.end(),
                     [&](const auto& a, const auto& b) { return cost(a) > cost(b); });

    // Dispatch: each finished experiment is stored at once (StoreSink), its rows go to the live
    // files as they come.
    RunContext ctx;
    if (plan.save_models) ctx.models_root = (plan.out_dir / "models").string();
    const auto start = std::chrono::steady_clock::now();
    detail::DispatchOutcome d;
    std::size_t checkpoints = 0;
    {
      detail::LiveOutputs live(plan, jobs, starts, plan.tensorboard);
      StoreSink sink(store, results, live);
      Progress progress(ctx, total_steps, plan.scenario->step_unit, jobs.size(), reused,
                        plan.quiet || tasks.empty());
      sink.progress_ = &progress;
      d = detail::dispatch_root(plan, jobs, std::move(tasks), sink, ctx);
      sink.progress_ = nullptr;
      checkpoints = sink.checkpoints();
    }
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (d.error) std::rethrow_exception(d.error);
    if (d.interrupted > 0 || d.not_started > 0) {
      RunInterrupted e;
      e.out_dir = plan.out_dir;
      e.finished = reused + d.finished;
      e.total = jobs.size();
      e.checkpoints = checkpoints;
      throw e;
    }

    // Outputs: metrics.csv, summary.json, results.mat, the figure (outputs.hpp).
    RunOutcome outcome;
    outcome.summary_table = detail::write_outputs(plan, jobs, results, wall);
    outcome.wall_seconds = wall;
    outcome.reused = reused;
    outcome.computed = d.finished;
    outcome.results = std::move(results);
    return outcome;
  });
}

}  // namespace semra
