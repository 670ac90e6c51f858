// WorkTeam: every index exactly once per round, results independent of the team size, failures
// reported, many short rounds without losing a wake-up, a round never waits for a helper that has
// not joined it, and helpers that are free do take part.
#include "semra/core/work_team.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "semra/core/rng.hpp"

TEST(WorkTeam, IndependentTasksGiveTheSerialResultAtAnyTeamSize) {
  // Each task draws from its own stream and writes its own slot, as the agents of a slot do.
  auto round = [](semra::WorkTeam& team, std::vector<double>& out, int r) {
    team.run(static_cast<int>(out.size()), [&](int i) {
      semra::Rng rng = semra::Rng(static_cast<std::uint64_t>(r), "task")
                           .child("agent", static_cast<std::uint64_t>(i));
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

// The caller never waits for helpers that are asleep or descheduled: with every helper held back
// before it joins, rounds still complete, on the calling thread alone. (The former WorkTeam waited
// for every helper to check in each round and deadlocked here.)
TEST(WorkTeam, ARoundNeverWaitsForAHelperThatHasNotJoined) {
  std::mutex m;
  std::condition_variable cv;
  bool hold = true;
  semra::WorkTeam team(3, [&] {
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [&] { return !hold; });
  });
  auto release = [&] {
    {
      std::lock_guard<std::mutex> lock(m);
      hold = false;
    }
    cv.notify_all();
  };
  std::vector<int> count(10, 0);
  std::atomic<bool> other_thread{false};
  auto rounds = std::async(std::launch::async, [&] {
    const auto caller = std::this_thread::get_id();
    for (int r = 0; r < 200; ++r)
      team.run(10, [&](int i) {
        ++count[static_cast<std::size_t>(i)];
        if (std::this_thread::get_id() != caller) other_thread = true;
      });
  });
  const bool finished = rounds.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
  release();  // (lets a deadlocked round end, so the test reports instead of hanging)
  rounds.get();
  EXPECT_TRUE(finished) << "a round waited for helpers that had not joined";
  EXPECT_FALSE(other_thread.load()) << "a held-back helper ran a task";
  for (int c : count) EXPECT_EQ(c, 200);
  // The released helpers find closed rounds, skip them and serve the next ones correctly.
  for (int r = 0; r < 2000; ++r) team.run(10, [&](int i) { ++count[static_cast<std::size_t>(i)]; });
  for (int c : count) EXPECT_EQ(c, 2200);
}

// A free helper takes indices the caller has not: both tasks of this round run at the same time
// (each waits, up to 60 s, until the other has started).
TEST(WorkTeam, AFreeHelperTakesPartInTheRound) {
  semra::WorkTeam team(2);
  std::atomic<int> started{0};
  std::atomic<bool> together{true};
  team.run(2, [&](int) {
    ++started;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (started.load() < 2)
      if (std::chrono::steady_clock::now() > until) {
        together = false;
        return;
      }
  });
  EXPECT_TRUE(together.load()) << "the second index was not taken by the helper";
}
