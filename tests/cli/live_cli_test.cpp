// Live outputs as a user watches them: OUT/live/<experiment>.csv grows while the CLI trains, holds
// each row once after SIGKILL + --resume, and --tensorboard event files decode to the rows of
// metrics.csv. On the `toy` fixture scenario (SEMRA_TEST_FIXTURES=1); toy.work slows its steps.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../support/cli_process.hpp"
#include "semra/core/io.hpp"
#include "semra/experiments/tensorboard.hpp"

namespace fs = std::filesystem;
using namespace semra_test;

namespace {

const bool kFixtures = [] { return ::setenv("SEMRA_TEST_FIXTURES", "1", 1) == 0; }();

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) out.push_back(l);
  return out;
}

std::size_t line_count(const fs::path& p) {
  std::error_code ec;
  if (!fs::exists(p, ec)) return 0;
  return lines(semra::read_file(p)).size();
}

// A slow toy run: ~1 ms per step (toy.work), one row per 10 steps.
std::vector<std::string> slow_toy(const std::string& steps, const fs::path& out) {
  return {"run",       "toy",   "--scheme",         "good",  "--steps",
          steps,       "--set", "toy.work=1000000", "--set", "toy.record_every=10",
          "--threads", "1",     "--quiet",          "--out", out.string()};
}

}  // namespace

TEST(LiveCli, LiveCsvGrowsWhileTheRunTrainsAndEndsEqualToMetrics) {
  ASSERT_TRUE(kFixtures);
  const auto d = fresh("semra-live-", "grow");
  const fs::path log = d.string() + ".log";
  const pid_t pid = spawn(slow_toy("3000", d), log);
  const fs::path live = d / "live" / "good-seed1.csv";
  // Row counts seen while the run had not written metrics.csv yet.
  std::set<std::size_t> seen;
  wait_until(
      [&] {
        const bool done = fs::exists(d / "summary.json");
        if (!done) seen.insert(line_count(live));
        return done;
      },
      std::chrono::milliseconds(50));
  EXPECT_EQ(wait_exit(pid), 0) << semra::read_file(log);
  seen.erase(0);
  seen.erase(1);  // the header alone
  EXPECT_GE(seen.size(), 2u) << "the live file did not grow while the run trained";
  // In the end: the header and the rows of metrics.csv.
  expect_live_matches_metrics(d);
  EXPECT_EQ(line_count(live), 301u);
  fs::remove_all(d);
  fs::remove(log);
}

TEST(LiveCli, SigkillAndResumeLeaveEveryRowOnceInLiveCsvAndTensorBoard) {
  ASSERT_TRUE(kFixtures);
  const auto d = fresh("semra-live-", "kill");
  const fs::path log = d.string() + ".log";
  auto args = slow_toy("4000", d);
  args.insert(args.end(), {"--checkpoint-every", "1000", "--tensorboard"});
  const pid_t pid = spawn(args, log);
  const fs::path live = d / "live" / "good-seed1.csv";
  // Kill once the live file holds rows well past the first checkpoint (step 1000): without the
  // cut on --resume, rows 1000.. would then appear twice.
  ASSERT_TRUE(wait_until([&] { return count_files(d, ".ckpt") > 0 && line_count(live) > 150; },
                         std::chrono::milliseconds(20)))
      << semra::read_file(log);
  ::kill(pid, SIGKILL);
  EXPECT_EQ(wait_exit(pid), 128 + SIGKILL);
  ASSERT_FALSE(fs::exists(d / "summary.json")) << "the run finished before it was killed";
  const auto before = line_count(live);

  auto resumed = args;
  resumed.push_back("--resume");
  std::string cmd = SEMRA_CLI;
  for (const auto& a : resumed) cmd += " " + a;
  const auto r = sh(cmd);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_GT(before, 101u) << "killed before any row past the checkpoint";
  // Every row exactly once, in order: the live file is metrics.csv (one experiment).
  expect_live_matches_metrics(d);
  EXPECT_TRUE(semra::read_file(live) == semra::read_file(d / "metrics.csv"));

  // TensorBoard: one event file, its steps each once, in order, equal to metrics.csv's.
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(d / "tensorboard" / "good-seed1"))
    files.push_back(e.path());
  ASSERT_EQ(files.size(), 1u);
  const auto events = semra::tensorboard::read_events(semra::read_file(files[0]), "events");
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].file_version, "brain.Event:2");
  const auto rows = lines(semra::read_file(d / "metrics.csv"));
  ASSERT_EQ(events.size(), rows.size());  // file_version + one event per row
  for (std::size_t i = 1; i < events.size(); ++i) {
    const std::string step = rows[i].substr(7, rows[i].find(',', 7) - 7);  // after "good,1,"
    EXPECT_EQ(events[i].step, std::stoll(step)) << "event " << i;
  }
  fs::remove_all(d);
  fs::remove(log);
}

TEST(LiveCli, TensorBoardFilesHoldEveryMetricOfEveryRow) {
  ASSERT_TRUE(kFixtures);
  const auto d = fresh("semra-live-", "tb");
  const auto r = sh(std::string(SEMRA_CLI) +
                    " run toy --steps 200 --seeds 2 --set toy.record_every=7 --quiet --tensorboard"
                    " --out " +
                    d.string());
  ASSERT_EQ(r.code, 0) << r.out;
  const auto rows = lines(semra::read_file(d / "metrics.csv"));
  ASSERT_EQ(rows[0], "scheme,seed,step,value,estimate,ring_mean,checksum");
  std::size_t matched = 0;
  for (const std::string exp : {"good-seed1", "good-seed2", "bad-seed1", "bad-seed2"}) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(d / "tensorboard" / exp)) files.push_back(e.path());
    ASSERT_EQ(files.size(), 1u) << exp;
    EXPECT_EQ(files[0].filename().string().rfind("events.out.tfevents.", 0), 0u);
    const auto events = semra::tensorboard::read_events(semra::read_file(files[0]), exp);
    ASSERT_EQ(events.size(), 1u + 29u) << exp;  // 200 steps, a row per 7 (and the last)
    const std::string prefix =
        exp.substr(0, exp.find('-')) + "," + exp.substr(exp.size() - 1) + ",";
    std::size_t e = 1;
    for (const auto& row : rows) {
      if (row.rfind(prefix, 0) != 0) continue;
      std::vector<std::string> f;
      std::istringstream in(row);
      for (std::string x; std::getline(in, x, ',');) f.push_back(x);
      ASSERT_LT(e, events.size());
      EXPECT_EQ(events[e].step, std::stoll(f[2]));
      ASSERT_EQ(events[e].scalars.size(), 4u);
      const char* tags[] = {"value", "estimate", "ring_mean", "checksum"};
      for (std::size_t c = 0; c < 4; ++c) {
        EXPECT_EQ(events[e].scalars[c].first, tags[c]);
        EXPECT_EQ(events[e].scalars[c].second, static_cast<float>(std::stod(f[3 + c])));
      }
      ++e, ++matched;
    }
    EXPECT_EQ(e, events.size()) << exp;
  }
  EXPECT_EQ(matched, rows.size() - 1);
  fs::remove_all(d);
}

TEST(LiveCli, SweepLiveFilesCarryTheGridPoint) {
  ASSERT_TRUE(kFixtures);
  const auto d = fresh("semra-live-", "sweep");
  const auto r = sh(std::string(SEMRA_CLI) + " figure toy-users --quick --seeds 1 --quiet --out " +
                    d.string());
  ASSERT_EQ(r.code, 0) << r.out;
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(d / "live")) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{
                       "bad-seed1-model.users=1.csv", "bad-seed1-model.users=2.csv",
                       "bad-seed1-model.users=4.csv", "good-seed1-model.users=1.csv",
                       "good-seed1-model.users=2.csv", "good-seed1-model.users=4.csv"}));
  // Their rows together are metrics.csv's.
  expect_live_matches_metrics(d);
  EXPECT_FALSE(fs::exists(d / "tensorboard")) << "event files only with --tensorboard";
  fs::remove_all(d);
}

// A kill can tear the last line of the live CSV or the last record of the event file. On
// --resume the torn row is written again, never skipped: every row once, none missing (before, a
// torn event file silently lost the steps between the tear and the checkpoint).
TEST(LiveCli, TornLiveFilesLoseNoRowOnResume) {
  ASSERT_TRUE(kFixtures);
  const auto d = fresh("semra-live-", "torn");
  const fs::path log = d.string() + ".log";
  auto args = slow_toy("4000", d);
  args.insert(args.end(), {"--checkpoint-every", "1000", "--tensorboard"});
  const pid_t pid = spawn(args, log);
  const fs::path live = d / "live" / "good-seed1.csv";
  ASSERT_TRUE(wait_until([&] { return count_files(d, ".ckpt") > 0 && line_count(live) > 150; },
                         std::chrono::milliseconds(20)))
      << semra::read_file(log);
  ::kill(pid, SIGKILL);
  EXPECT_EQ(wait_exit(pid), 128 + SIGKILL);
  ASSERT_FALSE(fs::exists(d / "summary.json")) << "the run finished before it was killed";

  // Tear both files inside row 51 (step 509), well before the checkpoint (step >= 1000).
  const std::string csv = semra::read_file(live);
  std::size_t at = 0;
  for (int n = 0; n < 51; ++n) at = csv.find('\n', at) + 1;  // header + 50 rows
  semra::write_file_atomic(live, csv.substr(0, at + 5));
  fs::path events_file;
  for (const auto& e : fs::directory_iterator(d / "tensorboard" / "good-seed1"))
    events_file = e.path();
  const std::string bytes = semra::read_file(events_file);
  const auto events = semra::tensorboard::read_events(bytes, "events");
  ASSERT_GT(events.size(), 60u);
  semra::write_file_atomic(events_file, bytes.substr(0, events[50].end_offset + 10));

  auto resumed = args;
  resumed.push_back("--resume");
  std::string cmd = SEMRA_CLI;
  for (const auto& a : resumed) cmd += " " + a;
  const auto r = sh(cmd);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(semra::read_file(live) == semra::read_file(d / "metrics.csv"));
  const auto after = semra::tensorboard::read_events(semra::read_file(events_file), "events");
  const auto rows = lines(semra::read_file(d / "metrics.csv"));
  ASSERT_EQ(after.size(), rows.size());  // file_version + one event per row
  for (std::size_t i = 1; i < after.size(); ++i) {
    const std::string step = rows[i].substr(7, rows[i].find(',', 7) - 7);  // after "good,1,"
    EXPECT_EQ(after[i].step, std::stoll(step)) << "event " << i;
  }
  fs::remove_all(d);
  fs::remove(log);
}
