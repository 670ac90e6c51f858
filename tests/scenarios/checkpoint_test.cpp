// Checkpoint / resume of the real scenarios (issue 5): a dhdrl or vderl experiment resumed from any
// of its checkpoints gives exactly the result of an uninterrupted run (every metrics row, sample
// and scalar except the timing scalar steps_per_second).
//
//  - In process, every scheme of both scenarios: the run with checkpoints equals the plain run, and
//    resuming from each checkpoint equals it too (RunContext hooks, as the runner sets them).
//  - As a user runs it: `semra run` killed with SIGKILL at a random point after a checkpoint was
//    written, then `--resume`: metrics.csv byte-identical, summary.json identical but for its
//    timing fields. And SIGTERM: exit 130 with the interrupted experiment checkpointed mid-way.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../support/cli_process.hpp"
#include "semra/core/experiment.hpp"
#include "semra/core/io.hpp"
#include "semra/scenarios/dhdrl/config.hpp"
#include "semra/scenarios/dhdrl/run.hpp"
#include "semra/scenarios/dhdrl/schemes.hpp"
#include "semra/scenarios/vderl/config.hpp"
#include "semra/scenarios/vderl/run.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

bool sanitized() {
  return std::getenv("SEMRA_SANITIZED") != nullptr;
}

using RunFn = std::function<semra::ExperimentResult(semra::RunContext&)>;

semra::ExperimentResult run_with(const RunFn& run, semra::CheckpointHooks hooks) {
  semra::RunContext shared;
  semra::RunContext ctx(shared, std::move(hooks));
  auto r = run(ctx);
  r.scalars.erase("steps_per_second");  // timing: differs between any two runs
  return r;
}

// The run with checkpoints every `every` steps equals the plain run, and so does the run resumed
// from each of them. Returns the checkpoint sizes (bytes) by step.
std::map<std::int64_t, std::size_t> expect_resumes_identically(const RunFn& run, std::int64_t every,
                                                               std::size_t checkpoints) {
  const auto plain = run_with(run, {});
  std::map<std::int64_t, std::string> saved;
  semra::CheckpointHooks h;
  h.every = every;
  h.store = [&](std::int64_t step, std::string state) { saved[step] = std::move(state); };
  EXPECT_EQ(run_with(run, h), plain) << "checkpointing changed the run";
  EXPECT_EQ(saved.size(), checkpoints);
  std::map<std::int64_t, std::size_t> sizes;
  for (const auto& [step, state] : saved) {
    sizes[step] = state.size();
    semra::CheckpointHooks r;
    r.has_resume_state = true;
    r.resume_step = step;
    r.resume_state = state;
    std::vector<std::int64_t> later;
    r.every = every;
    r.store = [&](std::int64_t s, std::string) { later.push_back(s); };
    EXPECT_EQ(run_with(run, r), plain) << "resumed at step " << step;
    // The resumed run checkpoints on from there (never at the step it started from).
    if (!later.empty()) {
      EXPECT_GT(later.front(), step);
    }
  }
  return sizes;
}

semra::dhdrl::Config small_dhdrl() {
  // 7 cells; under the sanitizers (5-10x slower) 150 slots.
  semra::dhdrl::Config c;
  c.train_slots = sanitized() ? 150 : 220;
  c.learning_starts_slots = 40;  // learning (and TD3's warm-up end) before the first checkpoint
  c.replay_capacity = 64;        // the replay rings wrap before the first checkpoint
  c.record_every_slots = 8;      // metrics windows straddle checkpoints (accumulators saved)
  c.epsilon_decay = 1e-2;
  c.oracle_sweeps = 1;
  c.ppo_rollout_slots = 40;       // PPO updates (low level: every 40 slots; high: every 2
  c.ppo_high_rollout_epochs = 2;  // epochs) between checkpoints, which fall mid-epoch
  return c;
}

semra::vderl::Config small_vderl() {
  semra::vderl::Config c;
  c.servers = 3;
  c.users = 20;
  c.iterations = 6;
  c.frames_per_iteration = 4;
  c.gradient_steps = 3;
  c.eval_frames = 3;
  c.final_eval_frames = 6;
  c.learning_starts_frames = 4;
  c.batch_size = 16;
  c.replay_capacity = 50;  // 32 transitions per iteration: the ring wraps in iteration 2
  c.hidden = {32, 32};
  c.ppo.envs = 2;  // ippo, mappo: two frames per environment and iteration
  c.mixing_embed = 8;
  c.hypernet_hidden = 16;
  c.auto_temperature = true;  // the temperature and its optimiser are state too
  return c;
}

// ---- the CLI, as a user runs it (helpers in tests/support/cli_process.hpp)

using semra_test::count_files;
using semra_test::expect_live_matches_metrics;
using semra_test::expect_same_outputs;
using semra_test::joined;
using semra_test::sh;
using semra_test::spawn;
using semra_test::wait_exit;

fs::path fresh(const std::string& name) {
  return semra_test::fresh("semra-ckpt-", name);
}

// Polls until a checkpoint file exists (or 60 s pass).
bool wait_for_checkpoint(const fs::path& dir) {
  return semra_test::wait_until([&] { return count_files(dir, ".ckpt") > 0; },
                                std::chrono::milliseconds(2));
}

// Rows of a CSV file under its header.
std::size_t file_rows(const fs::path& file) {
  const std::string text = semra::read_file(file);
  const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  return lines > 0 ? lines - 1 : 0;
}

// Rows in OUT/live/*.csv so far, over all experiments (headers not counted).
std::size_t live_rows(const fs::path& dir) {
  std::size_t rows = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir / "live", ec)) rows += file_rows(e.path());
  return rows;
}

// Runs `args` to completion (the reference), then again killed with SIGKILL at a random point after
// its first checkpoint was written, then resumed; the outputs must be the same. The kill point is
// a random count of live rows within the first 60% of the reference's rows: progress, not time, so
// a loaded machine (a slow reference, a fast second run) cannot let the run finish before the kill.
void kill_resume_and_compare(const std::vector<std::string>& args, const std::string& name) {
  const auto ref = fresh(name + "-ref"), d = fresh(name);
  auto r = sh(std::string(SEMRA_CLI) + joined(args) + " --out " + ref.string());
  ASSERT_EQ(r.code, 0) << r.out;
  const std::size_t ref_rows = live_rows(ref);
  ASSERT_GE(ref_rows, 10u) << "too few metrics rows to kill the run mid-way";

  std::random_device rd;  // a different kill point each run; printed to reproduce a failure
  const unsigned seed = rd();
  std::mt19937 gen(seed);
  const auto target_rows = std::uniform_int_distribution<std::size_t>(1, ref_rows * 6 / 10)(gen);
  SCOPED_TRACE("SIGKILL at " + std::to_string(target_rows) +
               " live rows after the first checkpoint (reference " + std::to_string(ref_rows) +
               " rows, seed " + std::to_string(seed) + ")");
  auto killed = args;
  killed.push_back("--out");
  killed.push_back(d.string());
  const fs::path log = d.string() + ".log";
  const pid_t pid = spawn(killed, log);
  ASSERT_TRUE(wait_for_checkpoint(d)) << semra::read_file(log);
  ASSERT_TRUE(semra_test::wait_until([&] { return live_rows(d) >= target_rows; },
                                     std::chrono::milliseconds(1)))
      << semra::read_file(log);
  ::kill(pid, SIGKILL);
  EXPECT_EQ(wait_exit(pid), 128 + SIGKILL);
  EXPECT_FALSE(fs::exists(d / "summary.json")) << "the run finished before it was killed";

  r = sh(std::string(SEMRA_CLI) + joined(args) + " --resume --out " + d.string());
  ASSERT_EQ(r.code, 0) << r.out;
  expect_same_outputs(ref, d);
  // The live files were cut back to the checkpoints: every row once.
  expect_live_matches_metrics(d);
  EXPECT_EQ(count_files(d, ".ckpt"), 0u) << "finished experiments keep no checkpoint";
  fs::remove_all(ref);
  fs::remove_all(d);
  fs::remove(log);
}

// dhdrl and dhdrl-continuous, one seed, one experiment at a time: ~0.8 s in Release.
std::vector<std::string> dhdrl_cli_run(const std::string& checkpoint_every) {
  return {"run",
          "dhdrl",
          "--scheme",
          "dhdrl,dhdrl-continuous",
          "--seeds",
          "1",
          "--steps",
          sanitized() ? "300" : "1000",  // slots
          "--set",
          "learning.learning_starts_slots=64",
          "--set",
          "output.record_every_slots=10",
          "--threads",
          "1",
          "--quiet",
          "--checkpoint-every",
          checkpoint_every};
}

// vderl and qmix, 12 iterations each of a 3-server network: ~0.5 s in Release.
std::vector<std::string> vderl_cli_run(const std::string& checkpoint_every) {
  return {"run",
          "vderl",
          "--scheme",
          "vderl,qmix",
          "--seeds",
          "1",
          "--steps",
          sanitized() ? "8" : "12",  // iterations
          "--set",
          "network.users=20",
          "--set",
          "training.frames_per_iteration=4",
          "--set",
          "training.gradient_steps=4",
          "--set",
          "training.eval_frames=4",
          "--set",
          "training.final_eval_frames=8",
          "--set",
          "training.learning_starts_frames=4",
          "--set",
          "training.batch_size=32",
          "--threads",
          "1",
          "--quiet",
          "--checkpoint-every",
          checkpoint_every};
}

}  // namespace

// One experiment given several threads (RunContext::threads()) gives the one-thread result bit for
// bit, for every scheme, and so does resuming it on another number of threads. (The learned
// schemes run their agents on the threads, every scheme its fading: a WorkTeam, decisions.md.)
TEST(DhdrlThreads, EverySchemeGivesTheSameResultOnAnyNumberOfThreads) {
  const semra::dhdrl::Config c = small_dhdrl();
  for (const auto& scheme : semra::dhdrl::scheme_names()) {
    SCOPED_TRACE("scheme " + scheme);
    auto run_on = [&](int threads, semra::CheckpointHooks hooks) {
      return run_with(
          [&](semra::RunContext& ctx) {
            ctx.set_threads(threads);
            return semra::dhdrl::run_experiment(c, scheme, 3, ctx);
          },
          std::move(hooks));
    };
    const auto one = run_on(1, {});
    EXPECT_TRUE(run_on(2, {}) == one) << "2 threads";
    EXPECT_TRUE(run_on(3, {}) == one) << "3 threads";
    // Checkpoint on 3 threads at slot 100, resume on 2.
    std::string state;
    semra::CheckpointHooks save;
    save.every = 100;
    save.store = [&](std::int64_t step, std::string bytes) {
      if (step == 100) state = std::move(bytes);
    };
    run_on(3, std::move(save));
    ASSERT_FALSE(state.empty());
    semra::CheckpointHooks resume;
    resume.has_resume_state = true;
    resume.resume_step = 100;
    resume.resume_state = state;
    EXPECT_TRUE(run_on(2, std::move(resume)) == one) << "resumed on 2 threads";
  }
}

// The same at 19 cells (38 links: the fading and the measurements are split too) for the schemes
// whose agents run on the threads.
TEST(DhdrlThreads, NineteenCellsGiveTheSameResultOnAnyNumberOfThreads) {
  semra::dhdrl::Config c = small_dhdrl();
  c.rings = 2;
  c.train_slots = sanitized() ? 80 : 160;
  for (const char* scheme : {"dhdrl", "ddrl", "dhdrl-continuous"}) {
    SCOPED_TRACE(std::string("scheme ") + scheme);
    auto run_on = [&](int threads) {
      return run_with(
          [&](semra::RunContext& ctx) {
            ctx.set_threads(threads);
            return semra::dhdrl::run_experiment(c, scheme, 5, ctx);
          },
          {});
    };
    const auto one = run_on(1);
    EXPECT_TRUE(run_on(2) == one) << "2 threads";
    EXPECT_TRUE(run_on(3) == one) << "3 threads";
  }
}

TEST(DhdrlCheckpoint, EverySchemeResumesBitIdenticallyFromEveryCheckpoint) {
  const semra::dhdrl::Config c = small_dhdrl();
  for (const auto& scheme : semra::dhdrl::scheme_names()) {
    SCOPED_TRACE("scheme " + scheme);
    // Checkpoints at slots 70, 140 (and 210): mid-epoch (T_H = 20) and mid-window (8 slots a row).
    const auto sizes = expect_resumes_identically(
        [&](semra::RunContext& ctx) { return semra::dhdrl::run_experiment(c, scheme, 3, ctx); }, 70,
        sanitized() ? 2 : 3);
    if (!sizes.empty())
      std::printf("dhdrl %-16s checkpoint at slot 70: %zu bytes\n", scheme.c_str(),
                  sizes.begin()->second);
  }
}

TEST(VderlCheckpoint, EverySchemeResumesBitIdenticallyFromEveryCheckpoint) {
  const semra::vderl::Config c = small_vderl();
  for (const auto& scheme : semra::vderl::scheme_names()) {
    SCOPED_TRACE("scheme " + scheme);
    const auto sizes = expect_resumes_identically(
        [&](semra::RunContext& ctx) { return semra::vderl::run_experiment(c, scheme, 5, ctx); }, 2,
        2);  // iterations 2 and 4 of 6
    if (!sizes.empty())
      std::printf("vderl %-6s checkpoint at iteration 2: %zu bytes\n", scheme.c_str(),
                  sizes.begin()->second);
  }
}

TEST(DhdrlCheckpoint, CorruptOrForeignStateIsAClearError) {
  semra::dhdrl::Config c = small_dhdrl();
  c.train_slots = 40;
  std::string state;
  semra::CheckpointHooks h;
  h.every = 20;
  h.store = [&](std::int64_t, std::string s) { state = std::move(s); };
  auto run = [&](const std::string& scheme, semra::CheckpointHooks hooks) {
    semra::RunContext shared;
    semra::RunContext ctx(shared, std::move(hooks));
    return semra::dhdrl::run_experiment(c, scheme, 1, ctx);
  };
  run("dhdrl", h);
  ASSERT_FALSE(state.empty());
  semra::CheckpointHooks r;
  r.has_resume_state = true;
  r.resume_step = 20;
  r.resume_state = state.substr(0, state.size() / 2);  // truncated
  EXPECT_THROW(run("dhdrl", r), semra::InputError);
  r.resume_state = state;  // a dhdrl scheme's state read by ddrl
  try {
    run("ddrl", r);
    FAIL() << "no error";
  } catch (const semra::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("dhdrl checkpoint of ddrl seed 1"), std::string::npos)
        << e.what();
  }
}

TEST(CheckpointCli, DhdrlKilledWithSigkillResumesToIdenticalOutputs) {
  // dhdrl runs first (~1/3 of the time), then dhdrl-continuous: the kill lands in either.
  kill_resume_and_compare(dhdrl_cli_run("100"), "dhdrl-kill");
}

TEST(CheckpointCli, VderlKilledWithSigkillResumesToIdenticalOutputs) {
  kill_resume_and_compare(vderl_cli_run("2"), "vderl-kill");
}

// SIGTERM (as a batch scheduler sends before its time limit): the running experiment stops at its
// next step boundary, writes a checkpoint, and the command exits 130; --resume continues it.
TEST(CheckpointCli, DhdrlSigtermCheckpointsMidExperimentAndResumes) {
  // Periodic checkpoints flush the live files every 100 slots, so they show where the run is;
  // the stop writes its own checkpoint mid-way, between two of them, and says so.
  const auto args = dhdrl_cli_run("100");
  const auto ref = fresh("term-ref"), d = fresh("term");
  auto r = sh(std::string(SEMRA_CLI) + joined(args) + " --out " + ref.string());
  ASSERT_EQ(r.code, 0) << r.out;
  std::size_t final_rows = 0;  // rows of one finished experiment's live file
  for (const auto& e : fs::directory_iterator(ref / "live"))
    final_rows = std::max(final_rows, file_rows(e.path()));
  ASSERT_GE(final_rows, 20u);

  auto stopped = args;
  stopped.push_back("--out");
  stopped.push_back(d.string());
  const fs::path log = d.string() + ".log";
  const pid_t pid = spawn(stopped, log);
  // The signal must reach an experiment mid-way, and the live files say where the run is only
  // up to their last flush (at each checkpoint, and when an experiment ends). So: wait until one
  // live file shows an experiment between 2 rows and 80% of its rows, freeze the process
  // (SIGSTOP), and send SIGTERM only if that still holds, then let it go on (SIGCONT): the stop
  // is taken at its next step. Otherwise (the flush was an experiment's last) continue and look
  // again. Timing alone once let the signal fall between the two experiments.
  const auto running = [&] {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(d / "live", ec)) {
      const std::size_t rows = file_rows(e.path());
      if (rows >= 2 && rows <= final_rows * 8 / 10) return true;
    }
    return false;
  };
  bool sent = false;
  for (int tries = 0; tries < 100 && !sent; ++tries) {
    ASSERT_TRUE(semra_test::wait_until(running, std::chrono::milliseconds(1)))
        << semra::read_file(log);
    ::kill(pid, SIGSTOP);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, WUNTRACED), pid);
    ASSERT_TRUE(WIFSTOPPED(status)) << "the run ended before it was stopped\n"
                                    << semra::read_file(log);
    if (running()) {
      ::kill(pid, SIGTERM);
      sent = true;
    }
    ::kill(pid, SIGCONT);
  }
  ASSERT_TRUE(sent);
  EXPECT_EQ(wait_exit(pid), 130);
  const std::string out = semra::read_file(log);
  EXPECT_NE(out.find("checkpointed mid-way"), std::string::npos) << out;
  EXPECT_EQ(count_files(d, ".ckpt"), 1u) << out;

  r = sh(std::string(SEMRA_CLI) + joined(args) + " --resume --out " + d.string());
  ASSERT_EQ(r.code, 0) << r.out;
  expect_same_outputs(ref, d);
  fs::remove_all(ref);
  fs::remove_all(d);
  fs::remove(log);
}
