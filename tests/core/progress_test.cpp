// The progress line: experiments done / total, overall rate and ETA, and the running experiment the
// run waits for.
#include "semra/core/progress.hpp"

#include <gtest/gtest.h>

using semra::ProgressSnapshot;

namespace {

ProgressSnapshot snapshot() {
  ProgressSnapshot s;
  s.elapsed_s = 100;
  s.steps_done = 10000;  // 100 steps/s overall
  s.steps_total = 40000;
  s.experiments_done = 3;
  s.experiments_total = 8;
  s.unit = "slots";
  // a: 50 steps/s, 5000 left -> 100 s; b: 10 steps/s, 4000 left -> 400 s (the slowest);
  // c: resumed at 8000 of 10000, 1000 done in 10 s -> 1000 left -> 10 s.
  s.running = {{"a-seed1", 10000, 0, 5000, 100},
               {"b-seed2", 5000, 0, 1000, 100},
               {"c-seed3", 10000, 8000, 1000, 10}};
  return s;
}

}  // namespace

TEST(Progress, LineShowsExperimentsRateAndTheSlowestExperiment) {
  const auto line = semra::progress_line(snapshot(), false);
  EXPECT_NE(line.find("3/8 experiments"), std::string::npos) << line;
  EXPECT_NE(line.find(" 25.0%"), std::string::npos) << line;
  EXPECT_NE(line.find("100 slots/s"), std::string::npos) << line;
  EXPECT_NE(line.find("elapsed 1m40s"), std::string::npos) << line;
  EXPECT_NE(line.find("slowest: b-seed2 20% ETA 6m40s"), std::string::npos) << line;
}

TEST(Progress, EtaIsNoEarlierThanTheSlowestRunningExperiment) {
  auto s = snapshot();
  // Overall: 30000 left at 100/s = 5m00s; the slowest needs 6m40s: the run ends no earlier.
  EXPECT_NE(semra::progress_line(s, false).find("ETA 6m40s  slowest"), std::string::npos);
  s.running.erase(s.running.begin() + 1);  // without b: a needs 100 s, overall 300 s wins
  const auto line = semra::progress_line(s, false);
  EXPECT_NE(line.find("ETA 5m00s  slowest: a-seed1 50% ETA 1m40s"), std::string::npos) << line;
}

TEST(Progress, ExperimentsWithoutStepsYetShowOnlyWhenAloneWithUnknownEta) {
  auto s = snapshot();
  s.running.push_back({"d-seed4", 10000, 0, 0, 0.5});
  EXPECT_NE(semra::progress_line(s, false).find("ETA 6m40s  slowest: b-seed2"), std::string::npos);
  s.running = {{"d-seed4", 10000, 0, 0, 0.5}};
  const auto line = semra::progress_line(s, false);
  EXPECT_NE(line.find("slowest: d-seed4 0% ETA ?"), std::string::npos) << line;
}

TEST(Progress, FinalLineHasNoRunningExperiment) {
  auto s = snapshot();
  s.running.clear();
  const auto line = semra::progress_line(s, true);
  EXPECT_NE(line.find("ETA 0m00s"), std::string::npos) << line;
  EXPECT_EQ(line.find("slowest"), std::string::npos) << line;
}
