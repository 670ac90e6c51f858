#include "semra/experiments/dispatch_pool.hpp"

#include <utility>

namespace semra::detail {

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
