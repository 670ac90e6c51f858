// Issue 11 beyond the one-line cases of bad_inputs.txt: planning that stops at SIGTERM, threads
// beyond the experiments, output locations that turn read-only or full (a tmpfs, when this
// process may mount one), and a failure mid-run that leaves no half-made directory behind.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "../support/cli_process.hpp"
#include "../support/tmpfs.hpp"
#include "semra/core/gnuplot.hpp"
#include "semra/core/io.hpp"

namespace fs = std::filesystem;

namespace {

const bool kFixtures = [] { return ::setenv("SEMRA_TEST_FIXTURES", "1", 1) == 0; }();

semra_test::Result run_cli(const std::string& args) {
  return semra_test::sh(std::string(SEMRA_CLI) + " " + args);
}

fs::path fresh(const std::string& name) {
  return semra_test::fresh("semra-limits-", name);
}

// A tmpfs of `bytes` at `dir` (read-only when asked); false where this process may not mount.
bool mount_tmpfs(const fs::path& dir, std::size_t bytes, bool read_only) {
  fs::create_directories(dir);
  const std::string opts = "size=" + std::to_string(bytes);
  return ::mount("tmpfs", dir.c_str(), "tmpfs", read_only ? MS_RDONLY : 0, opts.c_str()) == 0;
}

}  // namespace

// "[1,2,...,n]"
std::string one_to(int n) {
  std::string s("[");
  for (int i = 1; i <= n; ++i) s.append(i > 1 ? "," : "").append(std::to_string(i));
  return s.append("]");
}

// 330 x 300 grid points, one scheme and seed: 99,000 toy experiments, whose planning takes
// seconds; SIGTERM must end it at once with nothing written. (SEMRA_MEMORY_AVAILABLE_MB=1 makes a
// plan that finished anyway stop at the memory check, exit 2, instead of running them.)
TEST(Limits, PlanningABigGridStopsAtSigtermWithNothingWritten) {
  ASSERT_TRUE(kFixtures);
  const fs::path dir = fresh("plan-sigterm");
  fs::create_directories(dir);
  std::string sweep("scenario = \"toy\"\nschemes = [\"good\"]\nseeds = 1\n[grid]\n");
  sweep.append("\"toy.work\" = ").append(one_to(330)).append("\n");
  sweep.append("\"train.steps\" = ").append(one_to(300)).append("\n");
  semra::write_file_atomic(dir / "big.toml", sweep);
  ::setenv("SEMRA_MEMORY_AVAILABLE_MB", "1", 1);
  const fs::path out = dir / "out";
  const pid_t pid = semra_test::spawn(
      {"sweep", (dir / "big.toml").string(), "--out", out.string(), "--quiet"}, dir / "log");
  ::unsetenv("SEMRA_MEMORY_AVAILABLE_MB");
  ASSERT_TRUE(semra_test::wait_for_signal_handler(pid, SIGTERM)) << semra::read_file(dir / "log");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // into the planning
  ::kill(pid, SIGTERM);
  const int code = semra_test::wait_exit(pid);
  const std::string log = semra::read_file(dir / "log");
  EXPECT_EQ(code, 130) << log;
  EXPECT_NE(log.find("interrupted"), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(out)) << log;
  fs::remove_all(dir);
}

// More threads than experiments: only as many are started (the old behaviour started all of them,
// and --threads 100000 aborted); the results are those of one thread.
TEST(Limits, ThreadsBeyondTheExperimentsAreNotStarted) {
  const fs::path a = fresh("threads-a"), b = fresh("threads-b");
  auto r =
      run_cli("run toy --seeds 2 --set train.steps=50 --threads 1024 --quiet --out " + a.string());
  ASSERT_EQ(r.code, 0) << r.out;
  r = run_cli("run toy --seeds 2 --set train.steps=50 --threads 1 --quiet --out " + b.string());
  ASSERT_EQ(r.code, 0) << r.out;
  semra_test::expect_same_outputs(a, b);
  fs::remove_all(a);
  fs::remove_all(b);
}

// A failure that only shows while running, before anything was stored: the directory this command
// created is removed again, so the same command can be rerun; the message says so. One experiment
// (--scheme good): with two, the other may checkpoint on the way out, and then the directory is
// rightly kept (ReadOnlyAndFullOutputLocationsAreExitTwo checks that case).
TEST(Limits, AFailureMidRunBeforeAnythingWasStoredRemovesTheDirectory) {
  const fs::path out = fresh("late");
  for (const char* kind : {"memory", "input"}) {
    const auto r =
        run_cli(std::string("run toy --scheme good --set toy.fail_at=5 --set toy.fail_with=") +
                kind + " --quiet --out " + out.string());
    EXPECT_EQ(r.code, 2) << r.out;
    EXPECT_NE(r.out.find("was removed (rerun once the cause is fixed)"), std::string::npos)
        << r.out;
    EXPECT_EQ(r.out.find("internal error"), std::string::npos) << r.out;
    EXPECT_FALSE(fs::exists(out)) << kind;
  }
  // An empty directory given as --out is emptied again, not removed.
  fs::create_directories(out);
  const auto r = run_cli(
      "run toy --scheme good --set toy.fail_at=5 --set toy.fail_with=memory "
      "--quiet --out " +
      out.string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("was emptied again"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(out));
  EXPECT_TRUE(fs::is_empty(out));
  fs::remove_all(out);
}

// A --resume that fails mid-run keeps the directory (it may hold earlier experiments), and the
// message names --resume.
TEST(Limits, AResumedCommandThatFailsKeepsItsDirectory) {
  const fs::path out = fresh("late-kept");
  const auto r =
      run_cli("run toy --set toy.fail_at=3 --set toy.fail_with=memory --resume --quiet --out " +
              out.string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("continue with --resume"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(out / "manifest.json"));
  fs::remove_all(out);
}

// An output location on a read-only file system, and one that fills up: exit 2 naming the path
// and the reason, never "internal error". Needs a tmpfs (root in a container that allows mount).
TEST(Limits, ReadOnlyAndFullOutputLocationsAreExitTwo) {
  const fs::path ro = fresh("ro"), full = fresh("full");
  if (!mount_tmpfs(ro, 1 << 20, true)) GTEST_SKIP() << "cannot mount a tmpfs here";
  auto r = run_cli("run toy --quiet --out " + (ro / "out").string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("Read-only file system"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find((ro / "out").string()), std::string::npos) << r.out;
  ::umount(ro.c_str());

  // 64 kB: the manifest fits, one experiment's record (~88 kB of samples) does not. With one
  // experiment nothing is ever stored, so the directory is removed.
  ASSERT_TRUE(mount_tmpfs(full, 64 << 10, false));
  r = run_cli("run toy --scheme good --seeds 1 --set train.steps=2000 --threads 1 --quiet --out " +
              (full / "out").string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("No space left on device"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("internal error"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("was removed"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(full / "out")) << r.out;

  // Four experiments: when the first fails, the one that was running may have checkpointed on the
  // way out (timing decides). Either way the message must say what happened on disk: kept exactly
  // when a record or checkpoint was stored, removed otherwise.
  r = run_cli("run toy --seeds 2 --set train.steps=2000 --threads 1 --quiet --out " +
              (full / "out").string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("No space left on device"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("internal error"), std::string::npos) << r.out;
  bool stored = false;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(full / "out" / "experiments", ec))
    stored = stored || e.path().extension() == ".ckpt" || e.path().extension() == ".msgpack";
  EXPECT_EQ(fs::exists(full / "out"), stored) << r.out;
  EXPECT_EQ(r.out.find("continue with --resume") != std::string::npos, stored) << r.out;
  ::umount(full.c_str());
  fs::remove_all(ro);
  fs::remove_all(full);
}

// `semra plot` onto a full disk: the figure gnuplot cannot finish is an error naming it (exit 2),
// nothing is left under its name, and the advice never mentions --resume (plot has none).
TEST(Limits, PlotOntoAFullDiskIsExitTwoWithoutResumeAdvice) {
  if (semra::find_program("gnuplot").empty()) GTEST_SKIP() << "gnuplot not installed";
  const fs::path run = fresh("plot-full-run");
  auto r = run_cli("run toy --seeds 3 --set train.steps=200 --quiet --out " + run.string());
  ASSERT_EQ(r.code, 0) << r.out;
  // 16 kB: the script and its data fit, the PNG (~30 kB) does not.
  semra_test::Tmpfs full(fresh("plot-full"), 16 << 10);
  if (!full.ok()) GTEST_SKIP() << "cannot mount a tmpfs here";
  r = run_cli("plot " + run.string() + " --out " + (full.dir() / "cmp.png").string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find((full.dir() / "cmp").string()), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("--resume"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("wrote"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("internal error"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(full.dir() / "cmp.png"));
  for (const auto& e : fs::directory_iterator(full.dir()))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
  fs::remove_all(run);
}
