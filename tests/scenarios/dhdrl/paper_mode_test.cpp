// Paper mode of the dhdrl scenario (configs/dhdrl-paper.toml, docs/model-dhdrl.md section 7): each
// switch that reproduces a behaviour of the authors' code, checked with the switch on, and shown to
// discriminate (the same check fails with the switch off).
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "multi_agent_helpers.hpp"
#include "semra/core/rng.hpp"
#include "semra/rl/dqn.hpp"
#include "semra/scenarios/dhdrl/learned.hpp"
#include "semra/scenarios/dhdrl/multi_agent.hpp"
#include "semra/scenarios/dhdrl/schemes.hpp"
#include "semra/semantic/deepsc.hpp"
#include "semra/semantic/qoe.hpp"
#include "test_helpers.hpp"

namespace {

using namespace semra::dhdrl;
using dhdrl_test::config_error;
using dhdrl_test::model;
using dhdrl_test::small;

// Runs `scheme` for `slots` slots and calls check(env) after each.
template <class Check>
void run_slots(const Config& c, const std::string& scheme_name, std::uint64_t seed, int slots,
               Check check) {
  MultiAgentEnvironment env(c, model(), scheme_env_options(scheme_name));
  env.reset(seed);
  auto scheme = make_scheme(scheme_name, env, seed);
  for (int t = 0; t < slots; ++t) {
    run_slot(*scheme, env);
    check(env);
  }
}

// Exploration only (epsilon 1 throughout), no learning within the run.
Config exploring(Config c) {
  c.epsilon_start = 1.0;
  c.epsilon_min = 1.0;
  c.learning_starts_slots = 1000000;
  return c;
}

}  // namespace

TEST(DhdrlPaperMode, PaperConfigSetsEveryPaperSwitch) {
  Config c;
  auto schema = c.schema();
  schema.apply_toml_file(std::string(SEMRA_SOURCE_DIR) + "/configs/dhdrl-paper.toml");
  c.validate();
  EXPECT_EQ(c.num_cells(), 7);
  EXPECT_TRUE(c.reference_innovation);
  EXPECT_EQ(c.accuracy_sinr_scale, "linear");
  EXPECT_EQ(c.accuracy_indexing, "reference");
  EXPECT_EQ(c.rate_model, "reference");
  EXPECT_FALSE(c.requirements_observed);
  EXPECT_EQ(c.redraw_period_slots, 1);
  EXPECT_EQ(c.split, "reference");
  EXPECT_EQ(c.observation, "reference");
  EXPECT_EQ(c.rewards, "reference");
  EXPECT_EQ(c.low_explore_actions, 8);
  EXPECT_EQ(c.low_episode, "continuing");
  EXPECT_EQ(c.ddrl_beam, "fixed");
  EXPECT_EQ(c.greedy_mode, "reference");
  EXPECT_DOUBLE_EQ(c.lr_decay, 1e-4);
  EXPECT_EQ(c.learning_starts_slots, 257);
  EXPECT_EQ(c.train_slots, 100000);
  // The defaults are the corrected model.
  const Config d;
  EXPECT_EQ(d.cells, 0);
  EXPECT_EQ(d.accuracy_indexing, "semra");
  EXPECT_EQ(d.low_explore_actions, 0);
  EXPECT_EQ(d.low_episode, "epoch");
  EXPECT_EQ(d.ddrl_beam, "choose");
  EXPECT_EQ(d.greedy_mode, "semra");
}

TEST(DhdrlPaperMode, DdrlWithAFixedBeamKeepsItsStartingCodewordAndChoosesPowerAndK) {
  // drl.py: the codeword drawn at the start never changes; power and k are the network's choice.
  auto codeword_changes = [](const std::string& beam) {
    Config c = exploring(small());
    c.ddrl_beam = beam;
    std::vector<int> first;
    std::set<int> powers, ks;
    int changes = 0;
    const std::vector<int> drawn = [&] {
      MultiAgentEnvironment env(c, model(), scheme_env_options("ddrl"));
      env.reset(4);
      return reset_actions(env, 4).codeword;
    }();
    run_slots(c, "ddrl", 4, 60, [&](const MultiAgentEnvironment& env) {
      const Environment& m = env.model();
      for (int i = 0; i < env.links(); ++i) {
        if (first.size() < static_cast<std::size_t>(env.links())) first.push_back(m.codeword(i));
        changes += m.codeword(i) != first[static_cast<std::size_t>(i)];
        if (beam == "fixed") {
          EXPECT_EQ(m.codeword(i), drawn[static_cast<std::size_t>(i)]);
        }
        powers.insert(m.power_level(i));
        ks.insert(static_cast<int>(m.k(i)));
      }
    });
    EXPECT_EQ(powers.size(), 5u) << beam;  // every power level explored
    EXPECT_GT(ks.size(), 10u) << beam;     // and most k
    return changes;
  };
  EXPECT_EQ(codeword_changes("fixed"), 0);
  EXPECT_GT(codeword_changes("choose"), 0);
}

TEST(DhdrlPaperMode, ReferenceGreedyKeepsItsStartingCodewordAndKAtFullPower) {
  // greedy.py against the stored modules: the beam never reaches the codeword, power = P_max.
  auto violations = [](const std::string& mode) {
    Config c = small();
    c.greedy_mode = mode;
    MultiAgentEnvironment probe(c, model(), scheme_env_options("greedy"));
    probe.reset(6);
    const ResetActions drawn = reset_actions(probe, 6);
    int off = 0;
    run_slots(c, "greedy", 6, 30, [&](const MultiAgentEnvironment& env) {
      const Environment& m = env.model();
      for (int i = 0; i < env.links(); ++i) {
        EXPECT_EQ(m.power_level(i), m.power_levels() - 1) << mode;
        off += m.codeword(i) != drawn.codeword[static_cast<std::size_t>(i)];
        off += m.k(i) != drawn.k[static_cast<std::size_t>(i)];
      }
    });
    return off;
  };
  EXPECT_EQ(violations("reference"), 0);
  EXPECT_GT(violations("semra"), 0);
  // The starting draws differ between links (7 links, 8 codewords, 20 k).
  Config c = small();
  MultiAgentEnvironment env(c, model(), scheme_env_options("greedy"));
  const ResetActions r = reset_actions(env, 6);
  EXPECT_GT(std::set<int>(r.codeword.begin(), r.codeword.end()).size(), 1u);
  EXPECT_GT(std::set<int>(r.k.begin(), r.k.end()).size(), 1u);
}

TEST(DhdrlPaperMode, LowLevelExploresOnlyTheFirstEightActionsOfTheAuthorsOrder) {
  // DRQN.py: randint(0, 7) decoded as power = a % 5, k index = a // 5: (power 0..4, k 1) and
  // (power 0..2, k 2). dhdrl (reference split) and ddrl with a fixed beam, exploring only.
  for (const std::string scheme : {"dhdrl", "ddrl"}) {
    auto outside = [&](int explore_actions) {
      Config c = exploring(small());
      c.split = "reference";
      c.ddrl_beam = "fixed";
      c.low_explore_actions = explore_actions;
      std::set<std::pair<int, int>> seen;
      int out = 0;
      run_slots(c, scheme, 8, 200, [&](const MultiAgentEnvironment& env) {
        const Environment& m = env.model();
        for (int i = 0; i < env.links(); ++i) {
          const int k = static_cast<int>(m.k(i)), p = m.power_level(i);
          seen.insert({p, k});
          out += !(k == 1 || (k == 2 && p <= 2));
        }
      });
      if (explore_actions == 8) {
        EXPECT_EQ(seen.size(), 8u) << scheme;  // all eight are drawn
      }
      return out;
    };
    EXPECT_EQ(outside(8), 0) << scheme;
    EXPECT_GT(outside(0), 0) << scheme;
  }
  // With the paper split the low level's actions are k alone: the first N values of k.
  Config c = exploring(small());
  c.low_explore_actions = 3;
  run_slots(c, "dhdrl", 8, 50, [&](const MultiAgentEnvironment& env) {
    for (int i = 0; i < env.links(); ++i) EXPECT_LE(env.model().k(i), 3.0);
  });
}

TEST(DhdrlPaperMode, ContinuingLowLevelStoresNoTerminalTransition) {
  // DRQN.py: q_target = r + gamma max Q(s'), never terminal; ours ends the episode with the epoch.
  auto terminals = [](const std::string& episode) {
    Config c = small();
    c.low_episode = episode;
    c.train_slots = 40;  // ten 4-slot epochs
    MultiAgentEnvironment env(c, model());
    env.reset(2);
    auto scheme = make_scheme("dhdrl", env, 2);
    while (!env.truncated()) scheme->step(env);
    const auto& dones = dynamic_cast<HierarchicalScheme&>(*scheme).low_agent(0).replay().dones();
    int n = 0;
    for (int t = 0; t < dynamic_cast<HierarchicalScheme&>(*scheme).low_agent(0).replay().size();
         ++t)
      n += dones[static_cast<std::size_t>(t)];
    return n;
  };
  EXPECT_EQ(terminals("continuing"), 0);
  EXPECT_EQ(terminals("epoch"), 10);
}

TEST(DhdrlPaperMode, ReferenceAccuracyIndexingReadsTheNextRowAtTheTruncatedColumn) {
  // cellular_network.py: DeepSC_table[clip(k - 1, 0, 18), clip(int(SINR + 10), 0, 30)] of a table
  // whose first row pandas ate: row min(k + 1, 20), column int(SINR) + 10 (linear SINR here).
  const semra::semantic::AccuracyModel table;
  auto mismatches = [&](const std::string& indexing) {
    Config c = small();
    c.accuracy_sinr_scale = "linear";
    c.accuracy_indexing = indexing;
    MultiAgentEnvironment env(c, model());
    env.reset(1);
    const Environment& m = env.model();
    int n = 0;
    for (const int k : {1, 2, 7, 18, 19, 20}) {
      for (const double sinr : {0.0, 0.4, 2.7, 9.99, 14.5, 35.0}) {
        const int row = std::min(k + 1, 20);
        const int col = std::min(static_cast<int>(sinr) + 10, 30);
        const double expect =
            semra::semantic::qoe(m.requirement(0), 0.0, table.table(row, col)).g_a;
        const double got = m.qoe_at(0, k, sinr).g_a;
        n += std::abs(got - expect) > 1e-12;
      }
    }
    return n;
  };
  EXPECT_EQ(mismatches("reference"), 0);
  EXPECT_GT(mismatches("semra"), 10);
}

TEST(DhdrlPaperMode, NetworkCellsTakesTheFirstCellsOfTheRings) {
  Config c = small();
  c.cells = 3;
  MultiAgentEnvironment env(c, model());
  env.reset(1);
  EXPECT_EQ(env.links(), 3);
  EXPECT_EQ(env.model().neighbours(), 2);          // U capped at cells - 1
  EXPECT_NE(config_error("network.cells=8"), "");  // rings = 1 has 7 cells
  EXPECT_EQ(config_error("network.cells=7"), "");
}
