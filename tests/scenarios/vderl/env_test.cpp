// The vderl frame environment: masks, padding, rewards (11)-(12) against an independent
// computation, multi-RB accounting, config validation and "no allocation per step after reset".
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <vector>

#include "../../nn/count_malloc.hpp"
#include "../../support/cli_process.hpp"
#include "semra/core/error.hpp"
#include "semra/radio/channel_trace.hpp"
#include "semra/rl/dqn.hpp"
#include "semra/scenarios/vderl/env.hpp"

#include "test_helpers.hpp"

namespace vd = semra::vderl;

namespace {

using vderl_test::small_config;

// Eq. (12) computed from scratch from the final allocation, independently of Environment's
// incremental bookkeeping: SINR per (q, v) from the channel, T = bits / rate, penalty rho per
// server for every user served by more than one server.
double eq12(const vd::Environment& env, const vd::Config& c) {
  const int V = env.agents(), Q = env.rbs();
  const int* alloc = env.allocation();
  std::map<int, int> servers_of;
  for (int v = 0; v < V; ++v) {
    std::map<int, int> seen;
    for (int q = 0; q < Q; ++q)
      if (alloc[q * V + v] >= 0 && seen[alloc[q * V + v]]++ == 0) ++servers_of[alloc[q * V + v]];
  }
  double total = 0.0;
  for (int q = 0; q < Q; ++q)
    for (int v = 0; v < V; ++v) {
      const int k = alloc[q * V + v];
      if (k < 0) continue;
      if (servers_of[k] > 1) {
        total += c.rho;
        continue;
      }
      double interference = 0.0;
      for (int s = 0; s < V; ++s)
        if (s != v && alloc[q * V + s] >= 0)
          interference += c.power_w * env.channel().gain(s, k, q);
      const double sinr = c.power_w * env.channel().gain(v, k, q) / (interference + c.noise_w());
      const double rate = c.rb_bandwidth_hz * std::log2(1.0 + sinr);
      const auto& img = env.world().images[static_cast<std::size_t>(env.request(k))];
      double t_ms = 1e3 * img.bits / rate;
      if (c.latency_clip_ms > 0) t_ms = std::min(t_ms, c.latency_clip_ms);
      total += (img.iss_ok ? c.eta : 0.0) - t_ms;
    }
  return total;
}

// Plays one frame with random valid actions; returns the sum of team rewards.
double random_frame(vd::Environment& env, semra::Rng& frames, semra::Rng& acts) {
  env.reset(frames);
  std::vector<std::uint8_t> mask(static_cast<std::size_t>(env.num_actions()));
  std::vector<int> a(static_cast<std::size_t>(env.agents()));
  double sum = 0.0;
  while (!env.done()) {
    for (int v = 0; v < env.agents(); ++v) {
      env.action_mask(v, mask.data());
      a[static_cast<std::size_t>(v)] =
          semra::rl::random_valid_action(mask.data(), env.num_actions(), acts);
    }
    env.step(a.data());
    sum += env.team_reward();
  }
  return sum;
}

}  // namespace

TEST(VderlEnv, FrameRewardsSumToEq12) {
  for (const char* timing : {"per_rb", "frame_end"}) {
    vd::Config c = small_config();
    c.timing = timing;
    c.latency_clip_ms = 0.0;  // the exact eq. (11)
    vd::Environment env(c, vd::make_world(c, 3));
    semra::Rng frames(1, "f"), acts(1, "a");
    for (int f = 0; f < 30; ++f) {
      const double sum = random_frame(env, frames, acts);
      const double expected = eq12(env, c);
      EXPECT_NEAR(sum, expected, 1e-3 * (1.0 + std::abs(expected))) << timing << " frame " << f;
      EXPECT_NEAR(env.metrics().total_reward, expected, 1e-6 * (1.0 + std::abs(expected)));
    }
  }
}

TEST(VderlEnv, MultiRbPenaltyAndMetrics) {
  vd::Config c = small_config();
  c.latency_clip_ms = 0.0;
  const auto world = vd::make_world(c, 5);
  vd::Environment env(c, world);
  // Find a user covered by servers 0 and 1.
  int k = -1, i0 = -1, i1 = -1;
  for (std::size_t i = 0; i < env.area(0).size() && k < 0; ++i)
    for (std::size_t j = 0; j < env.area(1).size(); ++j)
      if (env.area(0)[i] == env.area(1)[j]) {
        k = env.area(0)[i];
        i0 = static_cast<int>(i);
        i1 = static_cast<int>(j);
      }
  ASSERT_GE(k, 0) << "test topology has no overlap";
  semra::Rng frames(2, "f");
  env.reset(frames);
  // RB 0: servers 0 and 1 both give user k an RB, server 2 idles; then everyone idles.
  std::vector<int> a = {i0 + 1, i1 + 1, 0};
  env.step(a.data());
  EXPECT_NEAR(env.rewards()[0], c.rho, 1e-6);
  EXPECT_NEAR(env.rewards()[1], c.rho, 1e-6);
  EXPECT_EQ(env.rewards()[2], 0.0f);
  std::vector<int> idle = {0, 0, 0};
  while (!env.done()) env.step(idle.data());
  const auto& m = env.metrics();
  EXPECT_EQ(m.served, 1);
  EXPECT_EQ(m.multi, 1);
  EXPECT_NEAR(m.total_reward, 2 * c.rho, 1e-9);
  // The user uses the better of its two RBs.
  const double best = std::max(env.rate_bps(0, 0), env.rate_bps(1, 0));
  EXPECT_NEAR(env.user_latency_ms(k), env.latency_ms(k, best), 1e-9);
  EXPECT_NEAR(m.latency_sum_ms, env.latency_ms(k, best), 1e-9);
}

TEST(VderlEnv, MasksPaddingAndInvalidActions) {
  vd::Config c = small_config();
  c.max_users_per_server = 12;
  vd::Environment env(c, vd::make_world(c, 4));
  semra::Rng frames(1, "f");
  env.reset(frames);
  std::vector<std::uint8_t> mask(static_cast<std::size_t>(env.num_actions()));
  std::vector<float> obs(static_cast<std::size_t>(env.obs_dim()));
  const int n0 = static_cast<int>(env.area(0).size());
  ASSERT_LT(n0, 12);
  env.action_mask(0, mask.data());
  EXPECT_EQ(mask[0], 1);  // idle always allowed
  for (int i = 0; i < 12; ++i) EXPECT_EQ(mask[static_cast<std::size_t>(i + 1)], i < n0 ? 1 : 0);
  env.observe(0, obs.data());
  for (int q = 0; q < c.rbs; ++q) EXPECT_EQ(obs[static_cast<std::size_t>(q)], 1.0f);
  for (int i = n0; i < 12; ++i)
    for (int f = 0; f < vd::Environment::kSlotFeatures; ++f)
      EXPECT_EQ(obs[static_cast<std::size_t>(c.rbs + i * vd::Environment::kSlotFeatures + f)],
                0.0f);
  // Padding slot and out-of-range actions are rejected.
  std::vector<int> a = {n0 + 1, 0, 0};
  EXPECT_THROW(env.step(a.data()), std::invalid_argument);
  a = {-1, 0, 0};
  EXPECT_THROW(env.step(a.data()), std::invalid_argument);
  // Serve slot 0, then slot 0 is masked (one RB per user per server) and rejected.
  a = {1, 0, 0};
  env.step(a.data());
  env.action_mask(0, mask.data());
  EXPECT_EQ(mask[1], 0);
  env.observe(0, obs.data());
  EXPECT_EQ(obs[0], 0.0f);                                    // RB 0 no longer free
  EXPECT_EQ(obs[static_cast<std::size_t>(c.rbs + 1)], 0.0f);  // slot 0 not free any more
  EXPECT_THROW(env.step(a.data()), std::invalid_argument);
}

TEST(VderlEnv, NoAllocationPerStepAfterReset) {
  if (!semra::test::kCountingAllocations) GTEST_SKIP() << "allocation counting unavailable here";
  vd::Config c;  // Table II size
  vd::Environment env(c, vd::make_world(c, 1));
  semra::Rng frames(1, "f"), acts(1, "a");
  std::vector<std::uint8_t> mask(static_cast<std::size_t>(env.num_actions()));
  std::vector<float> obs(static_cast<std::size_t>(env.obs_dim()));
  std::vector<float> state(static_cast<std::size_t>(env.state_dim()));
  std::vector<int> a(static_cast<std::size_t>(env.agents()));
  const std::size_t before = semra::test::allocations();
  for (int f = 0; f < 5; ++f) {
    env.reset(frames);
    while (!env.done()) {
      for (int v = 0; v < env.agents(); ++v) {
        env.observe(v, obs.data());
        env.action_mask(v, mask.data());
        a[static_cast<std::size_t>(v)] =
            semra::rl::random_valid_action(mask.data(), env.num_actions(), acts);
      }
      env.state(state.data());
      env.step(a.data());
    }
  }
  EXPECT_EQ(semra::test::allocations(), before);
}

TEST(VderlEnv, ImagesFromExampleFileAndEmbeddings) {
  vd::Config c = small_config();
  c.scene_graphs = std::string(SEMRA_SOURCE_DIR) + "/examples/scene_graphs.json";
  c.embeddings = std::string(SEMRA_SOURCE_DIR) + "/examples/embeddings.json";
  const auto w = vd::make_world(c, 1);
  ASSERT_EQ(w->images.size(), 3u);
  EXPECT_EQ(w->images[0].image_id, 1);
  EXPECT_EQ(w->images[0].bits, 47 * 8);  // Algorithm 1 selects 3 triples, 47 letters (report test)
  EXPECT_GT(w->images[0].iss, 0.0);
  EXPECT_LE(w->images[0].iss, 1.0);
}

// network.layout: a site file holding the positions the model draws for one seed gives that
// seed's topology bit for bit (distances, service areas, coverage), and the same one for every
// seed (a site does not move).
TEST(VderlEnv, LayoutFileOfTheDrawnPositionsGivesTheirTopologyForEverySeed) {
  vd::Config model;
  const auto drawn = vd::draw_topology(model, 3);
  semra::radio::Layout site;
  site.bs = drawn.servers;
  site.bs_orientation_deg.assign(drawn.servers.size(), 0.0);
  site.ut = drawn.users;
  site.ut_serving.assign(drawn.users.size(), -1);
  const auto path = semra_test::temp_file("semra-vderl-layout-", "site.csv");
  std::ofstream(path) << semra::radio::layout_csv(site);
  vd::Config c;
  c.layout = path.string();
  c.check_input_files();
  for (const std::uint64_t seed : {3, 4}) {
    const auto t = vd::draw_topology(c, seed);
    EXPECT_EQ(t.distance_m, drawn.distance_m) << seed;
    EXPECT_EQ(t.in_area, drawn.in_area) << seed;
    EXPECT_EQ(t.coverage, drawn.coverage) << seed;
  }
  EXPECT_NE(vd::draw_topology(model, 4).distance_m, drawn.distance_m);
  c.users = 49;  // the file's users must be the configured ones
  EXPECT_THROW(c.check_input_files(), semra::InputError);
}

TEST(VderlConfig, BadInputNamesTheKey) {
  auto expect_key = [](const std::string& assignment, const std::string& key) {
    vd::Config c;
    auto schema = c.schema();
    try {
      schema.set(assignment);
      c.validate();
      FAIL() << assignment;
    } catch (const semra::InputError& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  };
  expect_key("semantic.xi=0", "semantic.xi");
  expect_key("semantic.xi=1.5", "semantic.xi");
  expect_key("network.rbs=0", "network.rbs");
  expect_key("network.servers=0", "network.servers");
  expect_key("semantic.min_triples=40", "semantic.min_triples");
  // More users in one service area than the per-server maximum.
  vd::Config c;
  c.max_users_per_server = 10;
  try {
    vd::make_world(c, 1);
    FAIL();
  } catch (const semra::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("network.max_users_per_server"), std::string::npos)
        << e.what();
  }
  vd::Config one;
  one.servers = 1;
  one.users = 50;
  one.max_users_per_server = 40;
  EXPECT_THROW(one.validate(), semra::InputError);
  vd::Config bad_file;
  bad_file.scene_graphs = "/nonexistent/graphs.json";
  EXPECT_THROW(vd::make_world(bad_file, 1), semra::InputError);
  vd::Config xi1;
  auto s = xi1.schema();
  s.set("semantic.xi=1");
  EXPECT_EQ(xi1.xi, 1.0);
}
