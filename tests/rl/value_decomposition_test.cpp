// VDN, QMIX and VD-ERL: gradients checked against finite differences where we wrote them by hand
// (policy loss (17), the QMIX mixer), and learning on a 2-agent cooperative matrix game (one-step
// episodes, team reward) where the greedy joint action must become the joint optimum.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "learning_tasks.hpp"
#include "semra/core/error.hpp"
#include "semra/core/rng.hpp"
#include "semra/nn/softmax.hpp"
#include "semra/rl/joint_replay.hpp"
#include "semra/rl/qmix.hpp"
#include "semra/rl/vd_erl.hpp"
#include "semra/rl/vdn.hpp"

using namespace semra;
using namespace semra::rl;
using namespace semra::rl::test;

namespace {

bool sanitized() {
  return std::getenv("SEMRA_SANITIZED") != nullptr;
}

}  // namespace

TEST(JointReplay, StoresAndSamplesJointTransitions) {
  JointReplayBuffer buf(4, 2, 3, 2, 1);
  Rng rng(1, "replay");
  for (int t = 0; t < 6; ++t) {  // wraps: slots hold t = 2..5
    const float obs[6] = {float(t), 0, 0, float(-t), 0, 0};
    const float next[6] = {float(t + 1), 0, 0, float(-t - 1), 0, 0};
    const std::uint8_t m[4] = {1, 0, 0, 1};
    const int a[2] = {t % 2, 1};
    const float r[2] = {float(t), float(2 * t)};
    const float s = float(10 * t), s2 = float(10 * t + 1);
    buf.add(obs, m, a, r, float(3 * t), next, m, t == 5, &s, &s2);
  }
  EXPECT_EQ(buf.size(), 4);
  JointBatch b;
  buf.sample(64, rng, b);
  for (int i = 0; i < 64; ++i) {
    const float t = b.obs[0](i, 0);
    EXPECT_GE(t, 2.0f);
    EXPECT_EQ(b.obs[1](i, 0), -t);
    EXPECT_EQ(b.next_obs[0](i, 0), t + 1);
    EXPECT_EQ(b.actions[0][i], static_cast<int>(t) % 2);
    EXPECT_EQ(b.rewards[1][i], 2 * t);
    EXPECT_EQ(b.team_rewards[i], 3 * t);
    EXPECT_EQ(b.dones[i], t == 5 ? 1.0f : 0.0f);
    EXPECT_EQ(b.states(i, 0), 10 * t);
    EXPECT_EQ(b.next_states(i, 0), 10 * t + 1);
    EXPECT_EQ(b.masks[0](i, 1), 0);
    EXPECT_EQ(b.next_masks[1](i, 1), 1);
  }
}

// A joint buffer that is not full samples only the joint transitions written so far (every field
// of an empty slot is zero; the stored ones have t >= 1), uniformly.
TEST(JointReplay, PartlyFilledBufferSamplesOnlyStoredTransitions) {
  JointReplayBuffer buf(64, 2, 2, 3, 1);
  for (int t = 1; t <= 3; ++t) {
    const float obs[4] = {float(t), 0, float(-t), 0};
    const std::uint8_t m[6] = {1, 1, 1, 1, 1, 1};
    const int a[2] = {t % 3, 2};
    const float r[2] = {float(t), float(2 * t)};
    const float s = float(10 * t), s2 = float(10 * t + 1);
    buf.add(obs, m, a, r, float(3 * t), obs, m, false, &s, &s2);
  }
  ASSERT_EQ(buf.size(), 3);
  Rng rng(3, "replay");
  JointBatch b;
  std::vector<int> counts(4, 0);
  for (int rep = 0; rep < 300; ++rep) {
    buf.sample(8, rng, b);
    for (int i = 0; i < 8; ++i) {
      const int t = static_cast<int>(b.obs[0](i, 0));
      ASSERT_TRUE(t >= 1 && t <= 3) << "sampled an empty slot (obs " << b.obs[0](i, 0) << ")";
      EXPECT_EQ(b.obs[1](i, 0), -t);
      EXPECT_EQ(b.team_rewards[i], 3.0f * t);
      EXPECT_EQ(b.next_states(i, 0), 10.0f * t + 1);
      EXPECT_EQ(b.masks[1](i, 2), 1);
      ++counts[static_cast<std::size_t>(t)];
    }
  }
  for (int t = 1; t <= 3; ++t) EXPECT_NEAR(counts[static_cast<std::size_t>(t)], 800, 100) << t;
}

TEST(DiscreteSac, PolicyLossGradientMatchesFiniteDifferences) {
  Rng rng(2, "sac-grad");
  const int n = 4, na = 6;
  nn::Matrix logits(n, na), q(n, na);
  nn::MaskMatrix mask(n, na);
  for (int i = 0; i < n; ++i)
    for (int a = 0; a < na; ++a) {
      logits(i, a) = static_cast<float>(rng.normal());
      q(i, a) = static_cast<float>(rng.normal(0.0, 2.0));
      mask(i, a) = (a + i) % 4 == 3 ? 0 : 1;
    }
  const float delta = 0.7f;
  nn::Matrix p, lp, g;
  max_entropy_policy_loss(logits, mask, q, delta, p, lp, g);
  // Reference loss in double: mean_i sum_{a valid} p (delta log p - Q).
  auto loss = [&](const nn::Matrix& z) {
    double total = 0.0;
    for (int i = 0; i < n; ++i) {
      double m = -1e300, s = 0.0;
      for (int a = 0; a < na; ++a)
        if (mask(i, a)) m = std::max(m, static_cast<double>(z(i, a)));
      for (int a = 0; a < na; ++a)
        if (mask(i, a)) s += std::exp(z(i, a) - m);
      for (int a = 0; a < na; ++a) {
        if (!mask(i, a)) continue;
        const double l = z(i, a) - m - std::log(s);
        total += std::exp(l) * (delta * l - q(i, a));
      }
    }
    return total / n;
  };
  const double h = 1e-3;
  for (int i = 0; i < n; ++i)
    for (int a = 0; a < na; ++a) {
      nn::Matrix zp = logits, zm = logits;
      zp(i, a) += static_cast<float>(h);
      zm(i, a) -= static_cast<float>(h);
      const double fd = (loss(zp) - loss(zm)) / (2 * h);
      EXPECT_NEAR(g(i, a), fd, 2e-3) << i << "," << a;
      if (!mask(i, a)) {
        EXPECT_EQ(g(i, a), 0.0f);
        EXPECT_EQ(p(i, a), 0.0f);
      }
    }
  // The minimiser is the Boltzmann distribution of Q at temperature delta: there the gradient is 0.
  nn::Matrix boltz = q / delta;
  max_entropy_policy_loss(boltz, mask, q, delta, p, lp, g);
  EXPECT_LT(g.cwiseAbs().maxCoeff(), 1e-5f);
}

TEST(DiscreteSac, ActorLearnsBestArmAndAutoTemperatureTracksTarget) {
  DiscreteSacConfig c;
  c.hidden = {16};
  c.optimizer = nn::OptimizerConfig::adam(1e-2f);
  c.temperature = 0.05f;
  Rng init(3, "init");
  DiscreteSacActor actor(2, 4, c, init);
  nn::Matrix obs = nn::Matrix::Ones(8, 2);
  nn::MaskMatrix mask = nn::MaskMatrix::Ones(8, 4);
  mask.col(3).setZero();  // the best Q is masked: must never be chosen
  nn::Matrix q(8, 4);
  q.rowwise() = Eigen::RowVector4f(0.0f, 1.0f, 0.5f, 9.0f);
  for (int t = 0; t < 300; ++t) actor.update(obs, mask, q);
  const float o[2] = {1, 1};
  const std::uint8_t m[4] = {1, 1, 1, 0};
  EXPECT_EQ(actor.greedy_action(o, m), 1);
  Rng rng(4, "sample");
  int ones = 0;
  for (int i = 0; i < 200; ++i) {
    const int a = actor.sample_action(o, m, rng);
    EXPECT_NE(a, 3);
    ones += a == 1;
  }
  EXPECT_GT(ones, 180);  // delta = 0.05 with Q gaps >= 0.5: nearly deterministic

  // Auto temperature: uniform Q, a target entropy well below log(3): delta must fall so that the
  // policy's entropy ends near the target (within a tolerance of the discrete dynamics).
  DiscreteSacConfig a = c;
  a.temperature = 1.0f;
  a.auto_temperature = true;
  a.target_entropy_scale = 0.5f;
  a.temperature_lr = 3e-2f;
  Rng init2(5, "init");
  DiscreteSacActor auto_actor(2, 4, a, init2);
  q.rowwise() = Eigen::RowVector4f(0.0f, 0.3f, 0.6f, 0.0f);
  for (int t = 0; t < 1500; ++t) auto_actor.update(obs, mask, q);
  EXPECT_LT(auto_actor.temperature(), 1.0f);
  EXPECT_NEAR(auto_actor.last_entropy(), 0.5 * std::log(3.0), 0.15);
}

TEST(Qmix, MixerGradientsMatchFiniteDifferencesAndAreMonotone) {
  Rng rng(6, "mixer");
  const int n = 3, agents = 3, sd = 4;
  QmixMixer mixer(agents, sd, 5, 8, rng);
  nn::Matrix q(n, agents), s(n, sd);
  for (int i = 0; i < n; ++i) {
    for (int a = 0; a < agents; ++a) q(i, a) = static_cast<float>(rng.normal());
    for (int j = 0; j < sd; ++j) s(i, j) = static_cast<float>(rng.normal());
  }
  // L = sum_i w_i Q_tot_i with fixed weights w.
  const nn::Vector w = nn::Vector::LinSpaced(n, 0.5f, 1.5f);
  auto objective = [&](QmixMixer& m, const nn::Matrix& qq) {
    const nn::Vector& t = m.forward(qq, s);
    return static_cast<double>(t.dot(w));
  };
  objective(mixer, q);
  const nn::Matrix dq = mixer.backward(w);
  const double h = 1e-2;
  for (int i = 0; i < n; ++i)
    for (int a = 0; a < agents; ++a) {
      EXPECT_GE(dq(i, a), 0.0f);  // monotonic mixing
      nn::Matrix qp = q, qm = q;
      qp(i, a) += static_cast<float>(h);
      qm(i, a) -= static_cast<float>(h);
      const double fd = (objective(mixer, qp) - objective(mixer, qm)) / (2 * h);
      EXPECT_NEAR(dq(i, a), fd, 2e-3 * (1 + std::abs(fd)));
    }
  // Hypernetwork parameter gradients (a sample of each network's parameters).
  objective(mixer, q);
  mixer.backward(w);
  for (nn::Mlp* net : mixer.networks()) {
    const nn::Vector grads = net->grads();
    for (Eigen::Index p = 0; p < net->params().size(); p += 7) {
      const float old = net->params()[p];
      net->params()[p] = old + static_cast<float>(h);
      const double up = objective(mixer, q);
      net->params()[p] = old - static_cast<float>(h);
      const double down = objective(mixer, q);
      net->params()[p] = old;
      const double fd = (up - down) / (2 * h);
      EXPECT_NEAR(grads[p], fd, 3e-3 * (1 + std::abs(fd))) << net->shape_string() << " param " << p;
    }
  }
}

// The shared Q-learning checks name the learner whose config is wrong.
TEST(ValueDecomposition, ConfigErrorsNameTheLearner) {
  QLearningConfig bad = matrix_game_q_config();
  bad.gamma = 1.5f;
  Rng init(1, "init");
  auto message = [](auto make) {
    try {
      make();
    } catch (const semra::InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message([&] { vdn_learner(2, 1, 3, bad, init); }),
            "vdn.gamma: expected a value in [0, 1]");
  EXPECT_EQ(message([&] { qmix_learner(2, 1, 3, 2, bad, 8, 16, init); }),
            "qmix.gamma: expected a value in [0, 1]");
  EXPECT_EQ(message([&] { QLearner(2, 1, 3, bad, init); }),
            "dqn.gamma: expected a value in [0, 1]");
  VdErlConfig v = matrix_game_vderl_config(CriticTarget::Max);
  v.critic = bad;
  EXPECT_EQ(message([&] { VdErlLearner(2, 1, 3, v, init); }),
            "vdn.gamma: expected a value in [0, 1]");
}

TEST(ValueDecomposition, VdnFindsTheJointOptimumOfACooperativeMatrixGame) {
  const int seeds = sanitized() ? 2 : 5;
  for (int seed = 1; seed <= seeds; ++seed) {
    Rng init(seed, "init"), rng(seed, "play");
    QLearner vdn = vdn_learner(2, 1, 3, matrix_game_q_config(), init);
    train_on_matrix_game(vdn, 800, 0, rng);
    const float o = 1.0f;
    const std::uint8_t m[3] = {1, 1, 1};
    EXPECT_EQ(vdn.greedy_action(0, &o, m), 2) << "seed " << seed;
    EXPECT_EQ(vdn.greedy_action(1, &o, m), 2) << "seed " << seed;
  }
}

TEST(ValueDecomposition, QmixFindsTheJointOptimum) {
  const int seeds = sanitized() ? 2 : 5;
  for (int seed = 1; seed <= seeds; ++seed) {
    Rng init(seed, "init"), rng(seed, "play");
    QLearner qmix = qmix_learner(2, 1, 3, 2, matrix_game_q_config(), 8, 16, init);
    train_on_matrix_game(qmix, 800, 2, rng);
    const float o = 1.0f;
    const std::uint8_t m[3] = {1, 1, 1};
    Rng none(0, "unused");
    EXPECT_EQ(qmix.act(0, &o, m, none, false), 2) << "seed " << seed;
    EXPECT_EQ(qmix.act(1, &o, m, none, false), 2) << "seed " << seed;
  }
}

// Odd seeds with eq. (14)'s max target, even seeds with the soft target.
TEST(ValueDecomposition, VdErlFindsTheJointOptimum) {
  const int seeds = sanitized() ? 2 : 5;
  for (int seed = 1; seed <= 2 * seeds; ++seed) {
    Rng init(seed, "init"), rng(seed, "play");
    VdErlLearner erl(
        2, 1, 3, matrix_game_vderl_config(seed % 2 ? CriticTarget::Max : CriticTarget::Soft), init);
    train_on_matrix_game(erl, 800, 0, rng);
    const float o = 1.0f;
    const std::uint8_t m[3] = {1, 1, 1};
    Rng none(0, "unused");
    EXPECT_EQ(erl.act(0, &o, m, none, false), 2) << "seed " << seed;
    EXPECT_EQ(erl.act(1, &o, m, none, false), 2) << "seed " << seed;
  }
}
