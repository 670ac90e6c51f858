// WorkTeam: every index exactly once per round, results independent of the team size, failures
// reported, many short rounds without losing a wake-up.
#include "semra/core/work_team.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <stdexcept>
#include <vector>

#include "semra/core/rng.hpp"

TEST(WorkTeam, IndependentTasksGiveTheSerialResultAtAnyTeamSize) {
  // Each task draws from its own stream and writes its own slot, as the agents of a slot do.
  auto round = [](semra::WorkTeam& team, std::vector<double>& out, int r) {
    team.run(static_cast<int>(out.size()), [&](int i) {
      semra::Rng rng =
          semra::Rng(static_cast<std::uint64_t>(r), "task").child("agent", static_cast<std::uint64_t>(i));
      double s = 0;
      for (int k = 0; k < 1000; ++k) s += rng.uniform();
      out[static_cast<std::size_t>(i)] += s;
    });
  };
  std::vector<double> serial(37, 0.0);
  semra::WorkTeam one(1);
  for (int r = 0; r < 50; ++r) round(one, serial, r);
  for (int threads : {2, 3, 8}) {
    semra::WorkTeam team(threads);
    EXPECT_EQ(team.size(), threads);
    std::vector<double> out(37, 0.0);
    for (int r = 0; r < 50; ++r) round(team, out, r);
    EXPECT_EQ(out, serial) << threads << " threads";
  }
}

TEST(WorkTeam, EveryIndexOnceInManyShortRounds) {
  semra::WorkTeam team(3);
  std::vector<int> count(5, 0);
  for (int r = 0; r < 20000; ++r) team.run(5, [&](int i) { ++count[static_cast<std::size_t>(i)]; });
  for (int c : count) EXPECT_EQ(c, 20000);
  team.run(0, [&](int) { FAIL() << "no index in an empty round"; });
}

TEST(WorkTeam, AFailingTaskIsRethrownAndTheTeamStaysUsable) {
  semra::WorkTeam team(2);
  EXPECT_THROW(team.run(10,
                        [](int i) {
                          if (i == 3) throw std::runtime_error("task 3 failed");
                        }),
               std::runtime_error);
  int sum = 0;
  std::mutex m;
  team.run(4, [&](int i) {
    std::lock_guard<std::mutex> lock(m);
    sum += i;
  });
  EXPECT_EQ(sum, 6);
}
