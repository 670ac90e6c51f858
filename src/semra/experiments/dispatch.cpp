#include "semra/experiments/dispatch.hpp"

#include <algorithm>
#include <chrono>
#include <memory>

#include "semra/experiments/mpi_transport.hpp"

namespace semra::detail {

DispatchOutcome dispatch_root(const RunPlan& plan, const std::vector<Job>& jobs,
                              std::vector<Task> tasks, ResultSink& sink, RunContext& ctx) {
  std::atomic<bool> halt{false};
  ctx.set_stop_flag(&halt);
  Tally tally;
  TaskQueue queue;
  for (auto& t : tasks) queue.push(std::move(t));
  queue.close();

  std::size_t not_started = 0;
  const std::unique_ptr<RemoteRanks> remote = connect_remote_ranks(plan, jobs, sink, ctx, tally);
  // More threads than experiments (one large experiment, say): the spare threads go to the
  // experiments' own inner loops, evenly. Not under MPI, where other ranks take experiments too.
  const int threads = std::max(1, plan.threads);
  int pool_threads = threads, team = 1;
  const bool alone = !remote;
  if (alone && !tasks.empty() && tasks.size() < static_cast<std::size_t>(threads)) {
    pool_threads = static_cast<int>(tasks.size());
    team = threads / pool_threads;
  }
  Pool* pool_ptr = nullptr;
  Pool pool(pool_threads, queue, [&](Task t) {
    const Job& job = jobs[t.job];
    const auto f = guarded([&] {
      ExperimentResult r = run_job(
          plan, job, ctx, t,
          [&](std::int64_t step, std::string state) { sink.checkpoint(job, step, state); }, &sink,
          team);
      const std::string record = RunStore::encode_record(job, r);
      sink.finished(job, std::move(r), record);
    });
    tally.add(f, "experiment " + job.id);
    if (f && pool_ptr != nullptr) pool_ptr->notify();
  });
  pool_ptr = &pool;
  StopOnExit stop_on_exit{queue, halt};

  for (;;) {
    const bool stop = plan.stop_flag != nullptr && plan.stop_flag->load();
    if ((stop || tally.failed || tally.interrupted_any) && !halt) {
      // Stop everything at the next step boundary: running experiments checkpoint and throw.
      halt = true;
      not_started += queue.drain_and_close();
      if (remote) remote->halt_all();
    }
    if (remote) {
      const bool active = remote->poll(queue, halt);
      if (pool.done() && remote->inflight() == 0) break;
      if (!active) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    if (pool.done()) break;
    pool.wait_for(std::chrono::milliseconds(20));
  }
  pool.join();
  if (remote) remote->flush();

  ctx.set_stop_flag(nullptr);  // `halt` dies with this frame

  DispatchOutcome out;
  out.finished = tally.finished;
  out.interrupted = tally.interrupted;
  out.not_started = not_started;
  if (tally.first_error) out.error = to_exception(*tally.first_error, tally.error_where);
  return out;
}

std::exception_ptr to_exception(const Failure& f, const std::string& where) {
  const std::string msg = where.empty() ? f.message : where + ": " + f.message;
  if (f.kind == 'U') return std::make_exception_ptr(InputError(msg));
  if (f.kind == 'R') return std::make_exception_ptr(ResourceError(msg));
  return std::make_exception_ptr(std::runtime_error(msg));
}

ExperimentResult run_job(const RunPlan& plan, const Job& job, RunContext& shared, Task& task,
                         std::function<void(std::int64_t, std::string)> store, ResultSink* observer,
                         int threads) {
  CheckpointHooks hooks;
  hooks.every = plan.checkpoint_every;
  if (task.resume) {
    hooks.has_resume_state = true;
    hooks.resume_step = task.resume->step;
    hooks.resume_state = std::move(task.resume->state);
    task.resume.reset();
  }
  hooks.store = std::move(store);
  if (observer != nullptr)
    hooks.row = [observer, &job](const ExperimentResult& r) { observer->rows(job, r, 0); };
  RunContext ectx(shared, std::move(hooks));
  ectx.set_threads(threads);
  struct Watch {
    ResultSink* observer;
    const Job& job;
    ~Watch() {
      if (observer != nullptr) observer->stopped(job);
    }
  } watch{observer, job};
  if (observer != nullptr) observer->started(job, ectx);
  ExperimentResult r = plan.scenario->run(*job.config, job.scheme, job.seed, ectx);
  r.scheme = job.scheme;
  r.seed = job.seed;
  return r;
}

}  // namespace semra::detail
