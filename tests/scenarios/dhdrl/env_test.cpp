// The dhdrl environment: determinism, observation sizes, SINR against the channel, config errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "semra/core/error.hpp"
#include "semra/core/experiment.hpp"
#include "semra/core/io.hpp"
#include "semra/radio/units.hpp"
#include "semra/scenarios/dhdrl/config.hpp"
#include "semra/scenarios/dhdrl/env.hpp"
#include "semra/scenarios/dhdrl/multi_agent.hpp"
#include "semra/scenarios/dhdrl/run.hpp"
#include "semra/scenarios/dhdrl/schemes.hpp"
#include "test_helpers.hpp"

using namespace semra::dhdrl;

namespace {
using dhdrl_test::config_error;
using dhdrl_test::model;
}  // namespace

TEST(DhdrlEnv, SameSeedSameTrajectoryAndDifferentSeedDiffers) {
  Config c;
  auto run = [&](std::uint64_t seed) {
    Environment env(c, model());
    env.reset(seed);
    semra::Rng act(1, "actions");
    std::vector<double> trace;
    for (int t = 0; t < 200; ++t) {
      for (int i = 0; i < env.links(); ++i) {
        env.set_beam(i, act.uniform_int(env.codewords()), act.uniform_int(env.power_levels()));
        env.set_k(i, 1 + act.uniform_int(env.max_k()));
      }
      env.evaluate();
      for (int i = 0; i < env.links(); ++i) trace.push_back(env.qoe(i) + env.sinr(i));
      env.advance();
      env.begin_slot();
    }
    return trace;
  };
  EXPECT_EQ(run(5), run(5));
  EXPECT_NE(run(5), run(6));
}

TEST(DhdrlEnv, SinrMatchesChannelAndObservationSizeIsFixed) {
  for (int rings : {1, 3}) {
    Config c;
    c.rings = rings;
    Environment env(c, model());
    env.reset(3);
    EXPECT_EQ(env.links(), c.num_cells());
    EXPECT_EQ(env.high_obs_dim(), 8 + 12 + 6 * Environment::kNeighbourFeatures);
    EXPECT_EQ(env.low_obs_dim(), env.high_obs_dim() + 1);
    for (int i = 0; i < env.links(); ++i) env.set_beam(i, i % 8, 1 + i % 4);
    env.evaluate();
    const auto& ch = env.channel(0);
    for (int u = 0; u < env.links(); ++u) {
      double in = env.noise_w();
      for (int b = 0; b < env.cells(); ++b)
        if (b != u) in += env.power_w(b) * ch.gain(b, u, env.codeword(b));
      const double s = env.power_w(u) * ch.gain(u, u, env.codeword(u)) / in;
      EXPECT_NEAR(env.sinr(u) / s, 1.0, 1e-12);
    }
    std::vector<float> obs(env.low_obs_dim());
    env.observe(0, env.prev(), 5, true, obs.data());
    for (float v : obs) EXPECT_TRUE(std::isfinite(v));
  }
}

TEST(DhdrlEnv, FullPowerOnBestBeamBeatsOffForOwnSinr) {
  Config c;
  Environment env(c, model());
  env.reset(1);
  env.set_beam(0, 0, 0);
  env.evaluate();
  EXPECT_EQ(env.sinr(0), 0.0);
  EXPECT_TRUE(std::isinf(env.sinr_db(0)));
  env.set_beam(0, 0, c.power_levels - 1);
  env.evaluate();
  EXPECT_GT(env.sinr(0), 0.0);
  EXPECT_NEAR(env.power_w(0), semra::radio::dbm_to_w(38.0), 1e-9);
}

TEST(DhdrlConfig, BadValuesNameTheKey) {
  EXPECT_NE(config_error("network.rings=4").find("network.rings"), std::string::npos);
  EXPECT_NE(config_error("network.users_per_cell=0").find("network.users_per_cell"),
            std::string::npos);
  EXPECT_NE(config_error("hierarchy.epoch_slots=0").find("hierarchy.epoch_slots"),
            std::string::npos);
  EXPECT_NE(config_error("network.bs_power_dbm=99").find("network.bs_power_dbm"),
            std::string::npos);
  EXPECT_NE(config_error("network.cell_radius_m=-5").find("network.cell_radius_m"),
            std::string::npos);
  EXPECT_NE(config_error("network.min_distance_m=300").find("network.min_distance_m"),
            std::string::npos);
  EXPECT_NE(config_error("hierarchy.split=foo").find("hierarchy.split"), std::string::npos);
  EXPECT_NE(config_error("learning.hidden=[64.5]").find("learning.hidden"), std::string::npos);
  EXPECT_EQ(config_error("network.rings=3"), "");
}

TEST(DhdrlRun, UnknownSchemeAndBadAccuracyCsvAreInputErrors) {
  Config c;
  c.train_slots = 10;
  semra::RunContext ctx;
  EXPECT_THROW(run_experiment(c, "nosuch", 1, ctx), semra::InputError);
  c.accuracy_csv = "/nonexistent/table.csv";
  try {
    run_experiment(c, "random", 1, ctx);
    FAIL() << "expected InputError";
  } catch (const semra::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/table.csv"), std::string::npos);
  }
  Config d;
  d.train_slots = 10;
  d.train_enabled = false;
  EXPECT_THROW(run_experiment(d, "dhdrl", 1, ctx), semra::InputError);
}

TEST(DhdrlRun, DeterministicMetricsAndRecordingWindow) {
  Config c;
  c.train_slots = 300;
  c.learning_starts_slots = 100;
  c.record_every_slots = 25;
  semra::RunContext ctx;
  for (const std::string scheme : {"dhdrl", "ddrl", "dhdrl-oa", "dhdrl-or", "dhdrl-ns", "greedy",
                                   "random", "oracle", "dhdrl-continuous", "dhdrl@reference"}) {
    // Shorter under the sanitizers (5-10x slower); the assertions are the same.
    const bool sanitized = std::getenv("SEMRA_SANITIZED") != nullptr;
    c.train_slots = scheme == "oracle" ? 50 : (sanitized ? 150 : 300);
    c.record_every_slots = scheme == "oracle" ? 5 : 25;
    Config sc = c;
    std::string name = scheme;
    if (scheme == "dhdrl@reference") sc.split = "reference", name = "dhdrl";
    const auto a = run_experiment(sc, name, 9, ctx);
    const auto b = run_experiment(sc, name, 9, ctx);
    EXPECT_EQ(a.values, b.values) << scheme;
    EXPECT_EQ(a.steps.size(), static_cast<std::size_t>(c.train_slots / c.record_every_slots));
    EXPECT_EQ(a.steps.back(), c.train_slots - 1);
    EXPECT_EQ(a.scalars.at("final_qoe"), b.scalars.at("final_qoe"));
    EXPECT_GT(a.samples.at("sinr_db").size(), 0u);
    EXPECT_GT(a.scalars.at("final_qoe"), 0.0);
    EXPECT_LT(a.scalars.at("final_qoe"), 1.0);
  }
}

TEST(DhdrlSchemes, EveryListedSchemeIsBuiltAndUnknownNamesAreRejected) {
  Config c;
  EXPECT_EQ(scheme_names().size(), 14u);  // with greedy-local and the four on-policy schemes
  for (const auto& name : scheme_names()) {
    MultiAgentEnvironment env(c, model(), scheme_env_options(name));
    env.reset(1);
    EXPECT_NE(make_scheme(name, env, 1), nullptr) << name;
  }
  // A scheme refuses an environment built for another one (ddrl needs the single-layer layout).
  MultiAgentEnvironment env(c, model());
  env.reset(1);
  EXPECT_THROW(make_scheme("ddrl", env, 1), std::invalid_argument);
  try {
    make_scheme("dhdrl-xx", env, 1);
    FAIL();
  } catch (const semra::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("dhdrl-continuous"), std::string::npos);
  }
}

TEST(DhdrlEnv, SeveralUsersPerCellUseSeparateResourceBlocks) {
  Config c;
  c.users_per_cell = 2;
  Environment env(c, model());
  env.reset(4);
  ASSERT_EQ(env.links(), 14);
  // Full power per RB is P_max / 2: a BS never exceeds P_max.
  EXPECT_NEAR(env.level_power_w(c.power_levels - 1), semra::radio::dbm_to_w(38.0) / 2, 1e-12);
  for (int i = 0; i < env.links(); ++i) env.set_beam(i, 0, c.power_levels - 1);
  env.evaluate();
  const double before = env.sinr(env.link_of(0, 0));
  // Switching off every RB-1 link leaves the SINR of RB-0 links unchanged.
  for (int b = 0; b < env.cells(); ++b) env.set_beam(env.link_of(b, 1), 0, 0);
  env.evaluate();
  EXPECT_EQ(env.sinr(env.link_of(0, 0)), before);
  // Switching off the other RB-0 links raises it.
  for (int b = 1; b < env.cells(); ++b) env.set_beam(env.link_of(b, 0), 0, 0);
  env.evaluate();
  EXPECT_GT(env.sinr(env.link_of(0, 0)), before);
}

// network.layout = a CSV of the hex grid's BSs and the UTs the hex model drops for this seed
// reproduces the hex environment's channels bit for bit over slots (docs/channels.md "Layout
// files"); a rotated array changes them; a trace in memory replays the model's gains exactly.
TEST(DhdrlEnv, LayoutFileOfTheHexGridReproducesTheHexRunAndTraceReplaysIt) {
  Config c;
  c.users_per_cell = 2;
  Environment hex(c, model());
  hex.reset(5);
  semra::radio::Layout l;
  for (int b = 0; b < hex.cells(); ++b) {
    l.bs.push_back(hex.bs_position(b));
    l.bs_orientation_deg.push_back(0.0);
  }
  for (int i = 0; i < hex.links(); ++i) {
    l.ut.push_back(hex.ut_position(i));
    l.ut_serving.push_back(hex.cell_of(i));
  }
  const auto path = std::filesystem::temp_directory_path() /
                    ("semra-hex-layout-" + std::to_string(::getpid()) + ".csv");
  semra::write_file_atomic(path, semra::radio::layout_csv(l));
  Config lc = c;
  lc.layout = path.string();
  Environment site(lc, model());
  site.reset(5);
  l.bs_orientation_deg[0] = 30.0;
  semra::write_file_atomic(path, semra::radio::layout_csv(l));
  Config rc = c;
  rc.layout = path.string();
  Environment rotated(rc, model());
  rotated.reset(5);
  std::filesystem::remove(path);

  semra::radio::ChannelTrace g = semra::radio::empty_trace(
      semra::radio::TraceQuantity::beam_power, hex.cells(), hex.links(), hex.codewords());
  Environment recorded(c, model());
  recorded.record_channels(&g);
  recorded.reset(5);
  for (int t = 0; t < 3; ++t) recorded.advance();
  Config tc = c;
  tc.set_trace(std::make_shared<const semra::radio::ChannelTrace>(g));
  Environment replay(tc, model());
  replay.reset(5);
  ASSERT_TRUE(replay.trace_driven());

  int rotated_differs = 0;
  for (int t = 0; t < 4; ++t) {
    for (int j = 0; j < 2; ++j)
      for (int b = 0; b < hex.cells(); ++b)
        for (int u = 0; u < hex.cells(); ++u)
          for (int cw = 0; cw < hex.codewords(); ++cw) {
            EXPECT_EQ(hex.gain(j, b, u, cw), site.gain(j, b, u, cw)) << t << j << b << u << cw;
            EXPECT_EQ(hex.gain(j, b, u, cw), replay.gain(j, b, u, cw)) << t << j << b << u << cw;
            if (b == 0) rotated_differs += hex.gain(j, b, u, cw) != rotated.gain(j, b, u, cw);
          }
    hex.advance();
    site.advance();
    rotated.advance();
    replay.advance();
  }
  EXPECT_GT(rotated_differs, 0) << "orientation_deg did not change BS 0's beam gains";
  // Step 4 of a 4-row trace wraps to row 0: the channel of reset(5).
  Environment again(tc, model());
  again.reset(5);
  for (int cw = 0; cw < hex.codewords(); ++cw)
    EXPECT_EQ(replay.gain(1, 2, 3, cw), again.gain(1, 2, 3, cw));
}

// A trace-driven environment's checkpoint holds its trace row: restored into a fresh environment
// (reset with the same seed), it continues on the same rows as the one never interrupted.
TEST(DhdrlEnv, TraceDrivenCheckpointContinuesOnTheSameRows) {
  Config c;
  semra::radio::ChannelTrace g =
      semra::radio::empty_trace(semra::radio::TraceQuantity::beam_power, 7, 7, c.codewords);
  Environment recorded(c, model());
  recorded.record_channels(&g);
  recorded.reset(2);
  for (int t = 0; t < 6; ++t) recorded.advance();
  c.set_trace(std::make_shared<const semra::radio::ChannelTrace>(g));
  Environment a(c, model());
  a.reset(2);
  for (int t = 0; t < 3; ++t) a.advance();
  semra::StateWriter w;
  a.save_state(w);
  Environment b(c, model());
  b.reset(2);
  semra::StateReader r(w.bytes(), "test checkpoint");
  b.load_state(r);
  for (int t = 0; t < 6; ++t) {  // rows 3, 4, 5, 6, then 0, 1 (7 rows: wraps)
    for (int cw = 0; cw < c.codewords; ++cw) EXPECT_EQ(a.gain(0, 1, 2, cw), b.gain(0, 1, 2, cw));
    EXPECT_EQ(a.gain(0, 3, 3, 0), g.power[g.index((t + 3) % 7, 3, 3, 0)]) << t;
    a.advance();
    b.advance();
  }
}
