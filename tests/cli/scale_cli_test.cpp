// `semra sweep`, --resume after SIGKILL and SIGINT, and mpirun, as a user runs them. The hidden
// `toy` fixture scenario (SEMRA_TEST_FIXTURES=1) keeps each case to a second or two. Identity
// checks: semra_test::expect_same_outputs (tests/support/cli_process.hpp).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "../support/cli_process.hpp"
#include "semra/core/io.hpp"
#include "semra/core/isa.hpp"
#include "semra/experiments/tensorboard.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using semra_test::expect_same_outputs;
using semra_test::joined;
using semra_test::Result;
using semra_test::sh;
using semra_test::spawn;
using semra_test::wait_exit;
using semra_test::without_timing;

// Every child of this test sees the fixtures.
const bool kFixtures = [] { return ::setenv("SEMRA_TEST_FIXTURES", "1", 1) == 0; }();

Result run_cli(const std::string& args) {
  return sh(std::string(SEMRA_CLI) + " " + args);
}

fs::path fresh(const std::string& name) {
  return semra_test::fresh("semra-cli-", name);
}

std::size_t finished_records(const fs::path& dir) {
  return semra_test::count_files(dir, ".msgpack");
}

// Polls until at least `n` experiments are stored (or 60 s pass).
bool wait_for_records(const fs::path& dir, std::size_t n) {
  return semra_test::wait_until([&] { return finished_records(dir) >= n; },
                                std::chrono::milliseconds(5));
}

std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> m;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) m[fs::relative(e.path(), dir).string()] = semra::read_file(e.path());
  return m;
}

// 8 experiments of ~0.2 s each (300 steps of 700k integer operations).
const std::vector<std::string> kToyRun = {
    "run",       "toy", "--seeds", "4", "--set", "train.steps=300", "--set", "toy.work=700000",
    "--threads", "2",   "--quiet"};

bool have_mpirun() {
  return sh("command -v mpirun").code == 0;
}

// Under the sanitizers (make check sets SEMRA_SANITIZED), leak detection is off in the ranks:
// OpenMPI's dlopen'ed plugins leave allocations LeakSanitizer reports (from "<unknown module>",
// so no suppression file can name them). Memory errors are still checked.
std::string mpirun(int np) {
  std::string cmd = "mpirun --oversubscribe -np " + std::to_string(np) + " -x SEMRA_TEST_FIXTURES";
  if (std::getenv("SEMRA_SANITIZED") != nullptr)
    cmd = "ASAN_OPTIONS=detect_leaks=0 " + cmd + " -x ASAN_OPTIONS";
  if (::geteuid() == 0) cmd += " --allow-run-as-root";
  return cmd + " " + SEMRA_CLI;
}

}  // namespace

TEST(Sweep, ShippedSweepQuickWritesEveryContractFile) {
  (void)kFixtures;
  const auto d = fresh("sweep-quick");
  const auto r = run_cli("sweep " SEMRA_SOURCE_DIR
                         "/configs/sweeps/dhdrl-power.toml --quick --quiet "
                         "--threads 2 --out " +
                         d.string());
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* f : {"config.toml", "metrics.csv", "summary.json", "results.mat", "figure.gp",
                        "figure.dat", "manifest.json"})
    EXPECT_TRUE(fs::exists(d / f)) << f;
  if (sh("command -v gnuplot").code == 0) {
    EXPECT_TRUE(fs::exists(d / "figure.png"));
  }
  const auto j = json::parse(semra::read_file(d / "summary.json"));
  EXPECT_EQ(j["sweep"], "dhdrl-power");
  EXPECT_EQ(j["x_key"], "network.bs_power_dbm");
  EXPECT_EQ(j["x"].size(), 5u);
  EXPECT_TRUE(j.contains("comparisons"));
  const auto csv = semra::read_file(d / "metrics.csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')).rfind("scheme,seed,bs_power_dbm,step,", 0), 0u)
      << csv.substr(0, 80);
  fs::remove_all(d);
}

TEST(Sweep, TwoKeyToySweepAndBadInputLeaveDirectoryUntouched) {
  const auto d = fresh("sweep-toy");
  const auto file = d.string() + ".toml";
  semra::write_file_atomic(file, R"(scenario = "toy"
seeds = 2
[set]
"train.steps" = 50
[grid]
"model.users" = [1, 3]
"model.mode" = ["linear", "square"]
)");
  auto r = run_cli("sweep " + file + " --quiet --out " + d.string());
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = json::parse(semra::read_file(d / "summary.json"));
  EXPECT_EQ(j["points"].size(), 4u);
  EXPECT_NE(semra::read_file(d / "figure.gp").find("multiplot"), std::string::npos);
  const auto before = snapshot(d);

  // Resuming with another grid, another version, or without --resume: exit 2, one line, no change.
  semra::write_file_atomic(file, R"(scenario = "toy"
seeds = 2
[set]
"train.steps" = 50
[grid]
"model.users" = [1, 3, 5]
"model.mode" = ["linear", "square"]
)");
  r = run_cli("sweep " + file + " --quiet --resume --out " + d.string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("differs from the stored one in axes"), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  r = run_cli("sweep " + file + " --quiet --out " + d.string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("exists and is not empty"), std::string::npos) << r.out;
  semra::write_file_atomic(file, "scenario = \"toy\"\n[grid]\n\"model.userz\" = [1]\n");
  r = run_cli("sweep " + file + " --quiet --resume --out " + d.string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("unknown config key 'model.userz' (did you mean 'model.users'?)"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(snapshot(d), before);
  fs::remove_all(d);
  fs::remove(file);
}

TEST(Resume, AfterSigkillAtARandomPointOutputsAreIdentical) {
  const auto ref = fresh("kill-ref"), d = fresh("kill");
  auto r = run_cli(joined(kToyRun) + " --out " + ref.string());
  ASSERT_EQ(r.code, 0) << r.out;

  std::random_device rd;  // a different kill point each run; printed to reproduce a failure
  const unsigned seed = rd();
  std::mt19937 gen(seed);
  const int extra_ms = std::uniform_int_distribution<int>(0, 250)(gen);
  const std::size_t after = std::uniform_int_distribution<std::size_t>(1, 4)(gen);
  SCOPED_TRACE("kill after " + std::to_string(after) + " stored experiments + " +
               std::to_string(extra_ms) + " ms (random seed " + std::to_string(seed) + ")");

  auto args = kToyRun;
  for (const char* a : {"--checkpoint-every", "40", "--out"}) args.push_back(a);
  args.push_back(d.string());
  const pid_t pid = spawn(args, d.string() + ".log");
  ASSERT_TRUE(wait_for_records(d, after)) << semra::read_file(d.string() + ".log");
  std::this_thread::sleep_for(std::chrono::milliseconds(extra_ms));
  ::kill(pid, SIGKILL);
  EXPECT_EQ(wait_exit(pid), 128 + SIGKILL);
  const std::size_t stored = finished_records(d);
  EXPECT_FALSE(fs::exists(d / "summary.json")) << "the run finished before it was killed";
  EXPECT_LT(stored, 8u);

  r = run_cli(joined(kToyRun) + " --checkpoint-every 40 --resume --out " + d.string());
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("reused " + std::to_string(stored) + " stored"), std::string::npos) << r.out;
  expect_same_outputs(ref, d);
  fs::remove_all(ref);
  fs::remove_all(d);
  fs::remove(d.string() + ".log");
}

TEST(Resume, SigintExits130AndPrintsTheCommandThatResumes) {
  const auto ref = fresh("int-ref"), d = fresh("int");
  auto r = run_cli(joined(kToyRun) + " --out " + ref.string());
  ASSERT_EQ(r.code, 0) << r.out;

  auto args = kToyRun;
  args.push_back("--out");
  args.push_back(d.string());
  const fs::path log = d.string() + ".log";
  const pid_t pid = spawn(args, log);
  ASSERT_TRUE(wait_for_records(d, 2)) << semra::read_file(log);
  ::kill(pid, SIGINT);
  EXPECT_EQ(wait_exit(pid), 130);
  const std::string out = semra::read_file(log);
  EXPECT_NE(out.find("semra: interrupted: "), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(d / "summary.json"));
  // The toy checkpoints when stopped, so the interrupted experiments continue mid-way.
  EXPECT_NE(out.find("checkpointed mid-way"), std::string::npos) << out;
  const auto at = out.find("resume with:\n  ");
  ASSERT_NE(at, std::string::npos) << out;
  std::string cmd = out.substr(at + 15);
  cmd = cmd.substr(0, cmd.find('\n'));
  EXPECT_EQ(cmd, std::string(SEMRA_CLI) + joined(kToyRun) + " --out " + d.string() + " --resume");

  r = sh(cmd);
  ASSERT_EQ(r.code, 0) << r.out;
  expect_same_outputs(ref, d);
  fs::remove_all(ref);
  fs::remove_all(d);
  fs::remove(log);
}

// Kernel variants may differ in the last bits, so a checkpoint written under one is refused under
// another, naming both; the same variant resumes as usual.
TEST(Resume, ACheckpointOfAnotherKernelVariantIsRefused) {
  std::vector<semra::Isa> supported;
  for (semra::Isa isa : semra::kAllIsas)
    if (semra::isa_supported(isa)) supported.push_back(isa);
  if (supported.size() < 2) GTEST_SKIP() << "this machine runs only one kernel variant";
  const std::string first(semra::to_string(supported.front())),
      other(semra::to_string(supported.back()));
  const auto d = fresh("isa");
  const std::string run = joined(kToyRun) + " --checkpoint-every 40 --out " + d.string();
  auto args = kToyRun;
  for (const char* a : {"--checkpoint-every", "40", "--out"}) args.push_back(a);
  args.push_back(d.string());
  const fs::path log = d.string() + ".log";
  ::setenv("SEMRA_ISA", first.c_str(), 1);
  const pid_t pid = spawn(args, log);
  ::unsetenv("SEMRA_ISA");
  ASSERT_TRUE(semra_test::wait_until([&] { return semra_test::count_files(d, ".ckpt") > 0; },
                                     std::chrono::milliseconds(2)))
      << semra::read_file(log);
  ::kill(pid, SIGINT);
  ASSERT_EQ(wait_exit(pid), 130) << semra::read_file(log);
  ASSERT_GT(semra_test::count_files(d, ".ckpt"), 0u);
  const auto before = snapshot(d);
  auto r = sh("SEMRA_ISA=" + other + " " + std::string(SEMRA_CLI) + run + " --resume");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("written with the " + first + " kernels and this process uses " + other),
            std::string::npos)
      << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  EXPECT_EQ(snapshot(d), before) << "a refused resume changed the directory";
  r = sh("SEMRA_ISA=" + first + " " + std::string(SEMRA_CLI) + run + " --resume");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(fs::exists(d / "summary.json"));
  fs::remove_all(d);
  fs::remove(log);
}

TEST(Resume, CheckpointEveryMustNotBeNegative) {
  const auto r = run_cli("run toy --checkpoint-every -1 --quiet --out " + fresh("neg").string());
  EXPECT_EQ(r.code, 2) << r.out;
}

// One large experiment on the command's spare threads (issue 10; RunContext::threads(), a
// WorkTeam in dhdrl): a single dhdrl experiment of 7 and of 19 cells writes byte-identical
// metrics.csv at --threads 1, 2 and 3, and so does one interrupted at a checkpoint on 3 threads
// and resumed on 2.
TEST(Threads, OneDhdrlExperimentGivesTheSameMetricsOnAnyNumberOfThreads) {
  auto dhdrl = [](int rings, int slots) {
    return std::string(" run dhdrl --scheme dhdrl --seeds 1 --quiet --set network.rings=") +
           std::to_string(rings) + " --set train.slots=" + std::to_string(slots) +
           " --set learning.learning_starts_slots=50 --set output.record_every_slots=10";
  };
  for (int rings : {1, 2}) {
    SCOPED_TRACE("rings " + std::to_string(rings));
    const auto one = fresh("threads-1");
    auto r = run_cli(dhdrl(rings, 300) + " --threads 1 --out " + one.string());
    ASSERT_EQ(r.code, 0) << r.out;
    for (int threads : {2, 3}) {
      const auto d = fresh("threads-" + std::to_string(threads));
      r = run_cli(dhdrl(rings, 300) + " --threads " + std::to_string(threads) + " --out " +
                  d.string());
      ASSERT_EQ(r.code, 0) << r.out;
      expect_same_outputs(one, d);
      fs::remove_all(d);
    }
    fs::remove_all(one);
  }
  // 19 cells, 600 slots: stopped (SIGINT) right after its first checkpoint at slot 50 on three
  // threads, resumed on two.
  const auto one = fresh("threads-resume-ref"), d = fresh("threads-resume");
  auto r = run_cli(dhdrl(2, 600) + " --threads 1 --out " + one.string());
  ASSERT_EQ(r.code, 0) << r.out;
  const std::vector<std::string> base = {"run",
                                         "dhdrl",
                                         "--scheme",
                                         "dhdrl",
                                         "--seeds",
                                         "1",
                                         "--quiet",
                                         "--set",
                                         "network.rings=2",
                                         "--set",
                                         "train.slots=600",
                                         "--set",
                                         "learning.learning_starts_slots=50",
                                         "--set",
                                         "output.record_every_slots=10",
                                         "--checkpoint-every",
                                         "50",
                                         "--out",
                                         d.string()};
  std::vector<std::string> args = base;
  for (const char* a : {"--threads", "3"}) args.push_back(a);
  const fs::path log = d.string() + ".log";
  const pid_t pid = spawn(args, log);
  ASSERT_TRUE(semra_test::wait_until([&] { return semra_test::count_files(d, ".ckpt") > 0; },
                                     std::chrono::milliseconds(2)))
      << semra::read_file(log);
  ::kill(pid, SIGINT);
  ASSERT_EQ(wait_exit(pid), 130) << semra::read_file(log);
  ASSERT_FALSE(fs::exists(d / "summary.json"));
  r = run_cli(joined(base) + " --threads 2 --resume");
  ASSERT_EQ(r.code, 0) << r.out;
  expect_same_outputs(one, d);
  fs::remove_all(one);
  fs::remove_all(d);
  fs::remove(log);
}

// mpirun -np 2 writes exactly what one process writes.
TEST(Mpi, TwoRanksMatchOneProcessAndResume) {
#ifndef SEMRA_HAVE_MPI
  GTEST_SKIP() << "built without MPI (CMake SEMRA_MPI=OFF or OpenMPI not found)";
#else
  if (!have_mpirun()) GTEST_SKIP() << "mpirun not found (install openmpi-bin)";
  const auto one = fresh("mpi-one"), two = fresh("mpi-two");
  const std::string fig = " figure toy-users --set toy.work=100000 --quiet --threads 1 --out ";
  auto r = run_cli(fig + one.string());
  ASSERT_EQ(r.code, 0) << r.out;
  r = sh(mpirun(2) + fig + two.string());
  ASSERT_EQ(r.code, 0) << r.out;
  expect_same_outputs(one, two);
  // The same experiment records (their contents differ only in the timing scalar).
  std::vector<std::string> a, b;
  for (const auto& [name, bytes] : snapshot(one / "experiments")) a.push_back(name);
  for (const auto& [name, bytes] : snapshot(two / "experiments")) b.push_back(name);
  EXPECT_EQ(a, b);
  EXPECT_EQ(r.out.find("wrote"), r.out.rfind("wrote")) << "only rank 0 prints: " << r.out;

  // Interrupted single-process run (SIGINT after a few experiments), resumed under mpirun.
  const auto part = fresh("mpi-part");
  auto args = kToyRun;
  args.push_back("--out");
  args.push_back(part.string());
  const pid_t pid = spawn(args, part.string() + ".log");
  ASSERT_TRUE(wait_for_records(part, 2));
  ::kill(pid, SIGINT);
  EXPECT_EQ(wait_exit(pid), 130);
  r = sh(mpirun(2) + joined(kToyRun) + " --resume --out " + part.string());
  ASSERT_EQ(r.code, 0) << r.out;
  const auto ref = fresh("mpi-ref");
  r = run_cli(joined(kToyRun) + " --out " + ref.string());
  ASSERT_EQ(r.code, 0) << r.out;
  expect_same_outputs(ref, part);

  // Bad input under mpirun: exit 2, said once.
  r = sh(mpirun(2) + " run toy --set model.userz=3 --quiet --out " + fresh("mpi-bad").string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(r.out.find("semra: error"), r.out.rfind("semra: error")) << r.out;
  for (const auto& p : {one, two, part, ref}) fs::remove_all(p);
  fs::remove(part.string() + ".log");
#endif
}

// Under mpirun the experiments of other ranks reach rank 0's live files while they train (rank 1
// sends its new rows with its progress), not only when they finish.
TEST(Mpi, LiveFilesOfEveryRankGrowWhileTheyTrain) {
#ifndef SEMRA_HAVE_MPI
  GTEST_SKIP() << "built without MPI (CMake SEMRA_MPI=OFF or OpenMPI not found)";
#else
  if (!have_mpirun()) GTEST_SKIP() << "mpirun not found (install openmpi-bin)";
  const auto d = fresh("mpi-live");
  const std::string cmd = mpirun(2) +
                          " run toy --scheme good --seeds 2 --steps 3000 --set toy.work=1000000"
                          " --set toy.record_every=10 --threads 1 --quiet --tensorboard"
                          " --out " +
                          d.string() + " > " + d.string() + ".log 2>&1";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  auto lines = [&](const std::string& name) {
    std::error_code ec;
    const auto p = d / "live" / name;
    if (!fs::exists(p, ec)) return std::size_t{0};
    const auto text = semra::read_file(p);
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  };
  std::map<std::string, std::set<std::size_t> > seen;
  semra_test::wait_until(
      [&] {
        const bool done = fs::exists(d / "summary.json");
        if (!done)
          for (const char* n : {"good-seed1.csv", "good-seed2.csv"}) seen[n].insert(lines(n));
        return done;
      },
      std::chrono::milliseconds(50));
  ASSERT_EQ(wait_exit(pid), 0) << semra::read_file(d.string() + ".log");
  for (auto& [name, counts] : seen) {
    counts.erase(0);
    counts.erase(1);  // the header alone
    EXPECT_GE(counts.size(), 2u) << name << " did not grow while the run trained";
  }
  semra_test::expect_live_matches_metrics(d);
  for (const char* e : {"good-seed1", "good-seed2"}) {
    std::size_t files = 0;
    for (const auto& f : fs::directory_iterator(d / "tensorboard" / e)) {
      ++files;
      EXPECT_EQ(semra::tensorboard::read_events(semra::read_file(f.path()), e).size(), 301u) << e;
    }
    EXPECT_EQ(files, 1u) << e;
  }
  fs::remove_all(d);
  fs::remove(d.string() + ".log");
#endif
}
