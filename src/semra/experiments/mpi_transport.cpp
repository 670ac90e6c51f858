#include "semra/experiments/mpi_transport.hpp"

#include "semra/experiments/mpi.hpp"

#ifdef SEMRA_HAVE_MPI
#include <mpi.h>

#include <list>

#include "semra/core/serialize.hpp"
#include "semra/experiments/live.hpp"

namespace semra::detail {
namespace {

enum Tag : int {
  kHello = 11,
  kAssign,
  kHalt,
  kExit,
  kResult,
  kCheckpoint,
  kProgress,
  kFailed,
  kRows,
};

// A worker rank's experiments' new metrics rows, batched per experiment for rank 0's live files
// (rank 0 alone writes files). Thread-safe.
class RowForwarder : public ResultSink {
 public:
  void finished(const Job&, ExperimentResult, const std::string&) override {}
  void checkpoint(const Job&, std::int64_t, const std::string&) override {}
  void started(const Job& job, const RunContext& ectx) override {
    std::lock_guard<std::mutex> lock(m_);
    pending_[job.index] = Pending{ectx.resume_step(), kUnset, 0, {}};
  }
  void rows(const Job& job, const ExperimentResult& r, std::size_t) override {
    std::lock_guard<std::mutex> lock(m_);
    auto& p = pending_[job.index];
    // Rows a resumed experiment restored are rank 0's already.
    if (p.next == kUnset) p.next = first_row_at(r, p.resume_step);
    if (p.part.steps.empty()) {
      p.first_row = p.next;
      p.part.columns = r.columns;
      p.part.values.assign(r.columns.size(), {});
    }
    for (; p.next < r.steps.size(); ++p.next) {
      p.part.steps.push_back(r.steps[p.next]);
      for (std::size_t c = 0; c < r.columns.size(); ++c)
        p.part.values[c].push_back(r.values[c][p.next]);
    }
  }
  // kRows messages (job, first row, columns, steps, values) of the pending rows of `job`, or of
  // every experiment; the rows are then no longer pending.
  std::vector<std::string> take(std::optional<std::size_t> job = std::nullopt) {
    std::lock_guard<std::mutex> lock(m_);
    std::vector<std::string> out;
    for (auto& [index, p] : pending_) {
      if ((job && index != *job) || p.part.steps.empty()) continue;
      StateWriter w;
      w.u64(index);
      w.u64(p.first_row);
      w.u64(p.part.columns.size());
      for (const auto& c : p.part.columns) w.str(c);
      w.vec(p.part.steps);
      for (const auto& v : p.part.values) w.vec(v);
      out.push_back(w.take());
      p.part.steps.clear();
    }
    return out;
  }

 private:
  static constexpr std::size_t kUnset = static_cast<std::size_t>(-1);
  struct Pending {
    std::int64_t resume_step = 0;
    std::size_t next = kUnset;  // first result row not taken yet
    std::size_t first_row = 0;  // result row of part's first row
    ExperimentResult part;
  };
  std::mutex m_;
  std::map<std::size_t, Pending> pending_;
};

// Non-blocking sends whose buffers live until MPI is done with them.
class Sends {
 public:
  void send(int dest, int tag, std::string bytes) {
    if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
      throw std::runtime_error("MPI message of " + std::to_string(bytes.size()) +
                               " bytes is too large (experiment record or checkpoint over 2 GiB)");
    out_.emplace_back();
    auto& o = out_.back();
    o.bytes = std::move(bytes);
    MPI_Isend(o.bytes.data(), static_cast<int>(o.bytes.size()), MPI_BYTE, dest, tag, MPI_COMM_WORLD,
              &o.req);
  }
  // Progresses and frees completed sends; true while some are pending.
  bool pending() {
    for (auto it = out_.begin(); it != out_.end();) {
      int done = 0;
      MPI_Test(&it->req, &done, MPI_STATUS_IGNORE);
      it = done ? out_.erase(it) : std::next(it);
    }
    return !out_.empty();
  }
  void flush() {
    while (pending()) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }

 private:
  struct Out {
    MPI_Request req = MPI_REQUEST_NULL;
    std::string bytes;
  };
  std::list<Out> out_;  // a list: requests must not move
};

struct Message {
  int source = 0, tag = 0;
  std::string bytes;
};

// A message that has arrived, if any (MPI_Iprobe never blocks or spins).
std::optional<Message> try_receive(int source) {
  int flag = 0;
  MPI_Status st;
  MPI_Iprobe(source, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
  if (!flag) return std::nullopt;
  int count = 0;
  MPI_Get_count(&st, MPI_BYTE, &count);
  Message m;
  m.source = st.MPI_SOURCE;
  m.tag = st.MPI_TAG;
  m.bytes.resize(static_cast<std::size_t>(count));
  MPI_Recv(m.bytes.data(), count, MPI_BYTE, m.source, m.tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return m;
}

bool g_workers_released = false;

// Rank 0's view of the other ranks.
class Remote final : public RemoteRanks {
 public:
  Remote(const RunPlan& plan, const std::vector<Job>& jobs, ResultSink& sink, RunContext& ctx,
         Tally& tally)
      : plan_(plan),
        jobs_(jobs),
        sink_(sink),
        ctx_(ctx),
        tally_(tally),
        free_(static_cast<std::size_t>(mpi::size()), 0),
        inflight_(static_cast<std::size_t>(mpi::size()), 0) {}

  std::size_t inflight() const override {
    std::size_t n = 0;
    for (auto v : inflight_) n += static_cast<std::size_t>(v);
    return n;
  }

  // Receives everything that has arrived and hands out work to free threads. True if anything
  // happened (the caller then polls again at once instead of sleeping).
  bool poll(TaskQueue& queue, bool halted) override {
    bool active = false;
    while (auto m = try_receive(MPI_ANY_SOURCE)) {
      active = true;
      handle(*m);
    }
    if (!halted)
      for (int r = 1; r < mpi::size(); ++r)
        while (free_[r] > 0) {
          auto t = queue.try_pop();
          if (!t) break;
          assign(r, std::move(*t));
          active = true;
        }
    return sends_.pending() || active;
  }

  void halt_all() override {
    for (int r = 1; r < mpi::size(); ++r) sends_.send(r, kHalt, {});
  }
  void flush() override { sends_.flush(); }

 private:
  void assign(int r, Task t) {
    const Job& job = jobs_[t.job];
    StateWriter w;
    w.u64(t.job);
    w.str(job.id);
    w.boolean(t.resume.has_value());
    w.i64(t.resume ? t.resume->step : 0);
    w.str(t.resume ? t.resume->state : std::string());
    sends_.send(r, kAssign, w.take());
    --free_[r];
    ++inflight_[r];
  }

  void handle(const Message& m) {
    const std::string where = "rank " + std::to_string(m.source);
    StateReader rd(m.bytes, "MPI message from " + where);
    const auto r = static_cast<std::size_t>(m.source);
    switch (m.tag) {
      case kHello:
        free_[r] = static_cast<int>(rd.u32());
        break;
      case kResult: {
        const Job& job = jobs_.at(rd.u64());
        const std::string record = rd.str();
        // Decoding checks the record's experiment id and config against ours.
        auto result = RunStore::decode_record(record, job, where);
        sink_.finished(job, std::move(result), record);
        tally_.add(std::nullopt, where);
        --inflight_[r], ++free_[r];
        break;
      }
      case kCheckpoint: {
        const Job& job = jobs_.at(rd.u64());
        const auto step = rd.i64();
        sink_.checkpoint(job, step, rd.str());
        break;
      }
      case kRows: {
        const Job& job = jobs_.at(rd.u64());
        const auto first_row = static_cast<std::size_t>(rd.u64());
        ExperimentResult part;
        part.columns.resize(static_cast<std::size_t>(rd.u64()));
        for (auto& c : part.columns) c = rd.str();
        rd.vec_into(part.steps);
        part.values.resize(part.columns.size());
        for (auto& v : part.values) rd.vec_into(v);
        for (const auto& v : part.values)
          if (v.size() != part.steps.size())
            throw std::runtime_error("bad rows message from " + where);
        sink_.rows(job, part, first_row);
        break;
      }
      case kProgress:
        ctx_.add_steps(rd.i64());
        ctx_.report_metric(rd.f64());
        break;
      case kFailed: {
        const Job& job = jobs_.at(rd.u64());
        Failure f;
        f.kind = static_cast<char>(rd.u8());
        f.message = rd.str();
        tally_.add(f, where + ", experiment " + job.id);
        --inflight_[r], ++free_[r];
        break;
      }
      default:
        throw std::runtime_error("unexpected MPI message (tag " + std::to_string(m.tag) +
                                 ") from " + where);
    }
    (void)plan_;
  }

  const RunPlan& plan_;
  const std::vector<Job>& jobs_;
  ResultSink& sink_;
  RunContext& ctx_;
  Tally& tally_;
  std::vector<int> free_, inflight_;
  Sends sends_;
};

}  // namespace

std::unique_ptr<RemoteRanks> connect_remote_ranks(const RunPlan& plan, const std::vector<Job>& jobs,
                                                  ResultSink& sink, RunContext& ctx, Tally& tally) {
  if (!mpi::initialized() || mpi::size() <= 1) return nullptr;
  return std::make_unique<Remote>(plan, jobs, sink, ctx, tally);
}

void dispatch_worker(const RunPlan& plan, const std::vector<Job>& jobs) {
  std::atomic<bool> halt{false};
  RunContext ctx;
  ctx.set_stop_flag(&halt);
  TaskQueue queue;

  std::mutex out_m;
  std::deque<std::pair<int, std::string>> outbox;  // (tag, bytes), sent by the main thread
  auto post = [&](int tag, std::string bytes) {
    std::lock_guard<std::mutex> lock(out_m);
    outbox.emplace_back(tag, std::move(bytes));
  };

  RowForwarder forwarder;
  // An experiment's rows go out before its checkpoints and its result (the outbox keeps order), so
  // rank 0 has every row of steps < t on disk when it stores a checkpoint at step t.
  auto post_rows = [&](std::optional<std::size_t> job) {
    for (auto& m : forwarder.take(job)) post(kRows, std::move(m));
  };

  const int threads = std::max(1, plan.threads);
  Pool pool(threads, queue, [&](Task t) {
    const Job& job = jobs[t.job];
    const auto f = guarded([&] {
      ExperimentResult r = run_job(
          plan, job, ctx, t,
          [&](std::int64_t step, std::string state) {
            post_rows(job.index);
            StateWriter w;
            w.u64(job.index);
            w.i64(step);
            w.str(state);
            post(kCheckpoint, w.take());
          },
          &forwarder);
      post_rows(job.index);
      StateWriter w;
      w.u64(job.index);
      w.str(RunStore::encode_record(job, r));
      post(kResult, w.take());
    });
    if (f) {
      StateWriter w;
      w.u64(job.index);
      w.u8(static_cast<std::uint8_t>(f->kind));
      w.str(f->message);
      post(kFailed, w.take());
    }
  });
  StopOnExit stop_on_exit{queue, halt};

  Sends sends;
  {
    StateWriter w;
    w.u32(static_cast<std::uint32_t>(threads));
    sends.send(0, kHello, w.take());
  }
  std::int64_t reported = 0;
  auto last_progress = Clock::now();
  bool exit_requested = false;
  for (;;) {
    bool active = false;
    if (plan.stop_flag != nullptr && plan.stop_flag->load()) halt = true;
    while (auto m = try_receive(0)) {
      active = true;
      if (m->tag == kAssign) {
        StateReader rd(m->bytes, "MPI message from rank 0");
        Task t;
        t.job = static_cast<std::size_t>(rd.u64());
        const std::string id = rd.str();
        if (t.job >= jobs.size() || jobs[t.job].id != id)
          throw std::runtime_error("rank " + std::to_string(mpi::rank()) +
                                   " has a different experiment list than rank 0 (experiment '" +
                                   id + "'): every rank must see the same files and flags");
        const bool has = rd.boolean();
        const auto step = rd.i64();
        std::string state = rd.str();
        if (has) t.resume = StoredCheckpoint{step, std::move(state)};
        queue.push(std::move(t));
      } else if (m->tag == kHalt) {
        halt = true;
      } else if (m->tag == kExit) {
        exit_requested = true;
        halt = true;
        queue.drain_and_close();
      }
    }
    if (Clock::now() - last_progress > std::chrono::milliseconds(250)) post_rows(std::nullopt);
    {
      std::lock_guard<std::mutex> lock(out_m);
      while (!outbox.empty()) {
        sends.send(0, outbox.front().first, std::move(outbox.front().second));
        outbox.pop_front();
        active = true;
      }
    }
    if (Clock::now() - last_progress > std::chrono::milliseconds(250)) {
      const auto now_steps = ctx.steps_done();
      if (now_steps != reported) {
        StateWriter w;
        w.i64(now_steps - reported);
        w.f64(ctx.last_metric());
        sends.send(0, kProgress, w.take());
        reported = now_steps;
      }
      last_progress = Clock::now();
    }
    const bool sending = sends.pending();
    if (exit_requested && pool.done() && !sending) {
      std::lock_guard<std::mutex> lock(out_m);
      if (outbox.empty()) break;
    }
    if (!active && !sending) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  pool.join();
}

void release_workers() {
  if (!mpi::initialized() || !mpi::is_root() || g_workers_released) return;
  g_workers_released = true;
  for (int r = 1; r < mpi::size(); ++r) MPI_Send(nullptr, 0, MPI_BYTE, r, kExit, MPI_COMM_WORLD);
}

}  // namespace semra::detail

#else  // without MPI: one process, nothing remote

namespace semra::detail {

std::unique_ptr<RemoteRanks> connect_remote_ranks(const RunPlan&, const std::vector<Job>&,
                                                  ResultSink&, RunContext&, Tally&) {
  return nullptr;
}
void dispatch_worker(const RunPlan&, const std::vector<Job>&) {}
void release_workers() {}

}  // namespace semra::detail

#endif
