// The bootstrap targets of the Q-learner with each mixer and of VD-ERL, computed by hand with
// gamma > 0 (the learning tests use gamma = 0, where the bootstrap never shows):
//   VDN (eq. 14):       y = r + gamma (1 - done) sum_v max_{a' valid} Q_target_v(o'_v, a')
//   VD-ERL soft target: y = r + gamma (1 - done) sum_v sum_{a' valid} pi_v(a'|o'_v)
//                               (Q_target_v(o'_v, a') - delta log pi_v(a'|o'_v))
// The hand computation reads the target and policy networks' raw outputs (Mlp::forward) and does
// the masked max / masked softmax in double, independently of the learners' code.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "learning_tasks.hpp"
#include "semra/core/rng.hpp"
#include "semra/rl/joint_replay.hpp"
#include "semra/rl/vd_erl.hpp"
#include "semra/rl/vdn.hpp"

using namespace semra;
using namespace semra::rl;

namespace {

constexpr int kAgents = 2, kObs = 3, kActions = 4, kBatch = 4;

// A batch with random observations, rewards and states, every action valid but (agent 1, action 2)
// everywhere and (agent 0, row 1, action 0); row 2 terminal.
JointBatch make_batch(Rng& rng, int state_dim = 0) {
  JointBatch b;
  b.resize(kBatch, kAgents, kObs, kActions, state_dim);
  for (int v = 0; v < kAgents; ++v) {
    for (int i = 0; i < kBatch; ++i) {
      for (int d = 0; d < kObs; ++d) {
        b.obs[v](i, d) = static_cast<float>(rng.normal());
        b.next_obs[v](i, d) = static_cast<float>(rng.normal());
      }
      for (int a = 0; a < kActions; ++a) {
        b.masks[v](i, a) = 1;
        b.next_masks[v](i, a) = (v == 1 && a == 2) || (v == 0 && i == 1 && a == 0) ? 0 : 1;
      }
      b.actions[v][i] = (i + v) % kActions;
      b.rewards[v][i] = static_cast<float>(rng.normal());
    }
  }
  for (int i = 0; i < kBatch; ++i) {
    b.team_rewards[i] = static_cast<float>(0.5 * i - 0.7);
    b.dones[i] = i == 2 ? 1.0f : 0.0f;
    for (int d = 0; d < state_dim; ++d) {
      b.states(i, d) = static_cast<float>(rng.normal());
      b.next_states(i, d) = static_cast<float>(rng.normal());
    }
  }
  return b;
}

}  // namespace

TEST(TdTargets, VdnEquation14BootstrapsTheSumOfMaskedTargetMaxima) {
  QLearningConfig c;
  c.hidden = {8};
  c.gamma = 0.9f;
  c.batch_size = kBatch;
  c.target_sync_every = 1000;
  Rng init(1, "vdn-init");
  QLearner learner = test::vdn_learner(kAgents, kObs, kActions, c, init);
  // Let the target differ from the online network: a few steps, no sync yet.
  Rng data(2, "vdn-data");
  for (int s = 0; s < 3; ++s) learner.learn(make_batch(data));
  const JointBatch b = make_batch(data);

  std::vector<double> bootstrap(kBatch, 0.0);
  bool mask_mattered = false;
  for (int v = 0; v < kAgents; ++v) {
    const nn::Matrix qt = learner.target(v).forward(b.next_obs[v]);
    for (int i = 0; i < kBatch; ++i) {
      double best = -std::numeric_limits<double>::infinity(), any = best;
      for (int a = 0; a < kActions; ++a) {
        any = std::max(any, static_cast<double>(qt(i, a)));
        if (b.next_masks[v](i, a)) best = std::max(best, static_cast<double>(qt(i, a)));
      }
      mask_mattered = mask_mattered || best != any;
      bootstrap[i] += best;
    }
  }
  learner.learn(b);
  const nn::Vector& y = learner.last_targets();
  for (int i = 0; i < kBatch; ++i) {
    const double expected = b.team_rewards[i] + 0.9 * (1.0 - b.dones[i]) * bootstrap[i];
    EXPECT_NEAR(y[i], expected, 1e-5) << "row " << i;
  }
  EXPECT_EQ(y[2], b.team_rewards[2]);  // terminal: no bootstrap
  EXPECT_GT(std::abs(y[0] - b.team_rewards[0]), 1e-3f) << "the bootstrap term is not negligible";
  EXPECT_TRUE(mask_mattered) << "no masked action was a row's maximum: the mask was not tested";
}

TEST(TdTargets, VdErlSoftTargetIsTheExpectedTargetValueMinusTheEntropyTerm) {
  VdErlConfig c;
  c.critic.hidden = {8};
  c.critic.gamma = 0.8f;
  c.critic.batch_size = kBatch;
  c.critic.target_sync_every = 1000;
  c.actor.hidden = {8};
  c.actor.temperature = 0.3f;
  c.critic_target = CriticTarget::Soft;
  Rng init(3, "vderl-init");
  VdErlLearner learner(kAgents, kObs, kActions, c, init);
  Rng data(4, "vderl-data");
  for (int s = 0; s < 3; ++s) learner.learn(make_batch(data));
  const JointBatch b = make_batch(data);

  const double delta = learner.actor(0).temperature();
  ASSERT_EQ(delta, 0.3f);
  std::vector<double> soft(kBatch, 0.0), hard(kBatch, 0.0);
  for (int v = 0; v < kAgents; ++v) {
    const nn::Matrix qt = learner.critic().target(v).forward(b.next_obs[v]);
    const nn::Matrix logits = learner.actor(v).policy().forward(b.next_obs[v]);
    for (int i = 0; i < kBatch; ++i) {
      double m = -std::numeric_limits<double>::infinity(), z = 0.0, best = m;
      for (int a = 0; a < kActions; ++a)
        if (b.next_masks[v](i, a)) m = std::max(m, static_cast<double>(logits(i, a)));
      for (int a = 0; a < kActions; ++a)
        if (b.next_masks[v](i, a)) z += std::exp(logits(i, a) - m);
      for (int a = 0; a < kActions; ++a) {
        if (!b.next_masks[v](i, a)) continue;
        const double log_pi = logits(i, a) - m - std::log(z);
        soft[i] += std::exp(log_pi) * (qt(i, a) - delta * log_pi);
        best = std::max(best, static_cast<double>(qt(i, a)));
      }
      hard[i] += best;
    }
  }
  learner.learn(b);
  const nn::Vector& y = learner.last_targets();
  for (int i = 0; i < kBatch; ++i) {
    const double expected = b.team_rewards[i] + 0.8 * (1.0 - b.dones[i]) * soft[i];
    EXPECT_NEAR(y[i], expected, 1e-5) << "row " << i;
    // Not eq. (14)'s max: the soft value differs from the hard one on non-terminal rows.
    if (b.dones[i] == 0.0f) {
      EXPECT_GT(std::abs(soft[i] - hard[i]), 1e-4) << "row " << i;
    }
  }
  EXPECT_EQ(y[2], b.team_rewards[2]);
}

// ---------------------------------------------------------------------------------------------------
// Every mixer's TD target at gamma > 0, by hand, across target syncs. The hand computation takes
// the target networks to be copies of the ONLINE agent networks and mixer made right after the
// last sync step (never the learner's own target networks), so an agent target or a target mixer
// that stops syncing, or syncs at other steps, gives other targets:
//   no mixer: y_v = r_v + gamma (1 - done) V_v          (each agent on its own reward)
//   VDN:      y   = r   + gamma (1 - done) sum_v V_v    (eq. 14)
//   QMIX:     y   = r   + gamma (1 - done) Q_tot(V_1..V_N; s') through the target mixer
// with V_v = Q_target_v(o'_v, a*), a* the masked argmax of Q_target_v (or, double-Q, of the
// current online Q_v).

namespace {

enum class Mix { None, Vdn, Qmix };
constexpr int kState = 3, kEmbed = 4, kSync = 3;

QLearner make_learner(Mix mix, bool double_q, Rng& init) {
  QLearningConfig c;
  c.hidden = {8};
  c.gamma = 0.9f;
  c.batch_size = kBatch;
  c.target_sync_every = kSync;
  c.double_q = double_q;
  c.optimizer = nn::OptimizerConfig::adam(2e-2f);  // visible moves between syncs
  switch (mix) {
    case Mix::None:
      return QLearner(kAgents, kObs, kActions, c, init);
    case Mix::Vdn:
      return test::vdn_learner(kAgents, kObs, kActions, c, init);
    case Mix::Qmix:
      return test::qmix_learner(kAgents, kObs, kActions, kState, c, kEmbed, 8, init);
  }
  return QLearner(kAgents, kObs, kActions, c, init);
}

// Copies of the online networks: what the targets must be after a sync.
struct Snapshot {
  std::vector<nn::Mlp> agents, mixer;  // mixer: hyper_w1, hyper_b1, hyper_w2, hyper_b2
};
Snapshot online_copy(const QLearner& l) {
  Snapshot s;
  for (int v = 0; v < l.agents(); ++v) s.agents.push_back(l.online(v));
  if (l.mixer())
    for (const nn::Mlp* m : l.mixer()->networks()) s.mixer.push_back(*m);
  return s;
}

// QMIX's monotonic mix of q (agents) at state s, in double, from the hypernetworks' raw outputs:
// W1 = |hyper_w1(s)| (agent-major), b1 = hyper_b1(s), W2 = |hyper_w2(s)|, b2 = hyper_b2(s),
// Q_tot = elu(q W1 + b1) . W2 + b2.
double qmix_by_hand(std::vector<nn::Mlp>& nets, const std::vector<double>& q, const float* s) {
  const nn::Matrix w1 = nets[0].forward_one(s), b1 = nets[1].forward_one(s),
                   w2 = nets[2].forward_one(s), b2 = nets[3].forward_one(s);
  double tot = b2(0, 0);
  for (int e = 0; e < kEmbed; ++e) {
    double pre = b1(0, e);
    for (std::size_t a = 0; a < q.size(); ++a)
      pre += q[a] * std::abs(static_cast<double>(w1(0, static_cast<int>(a) * kEmbed + e)));
    tot += (pre > 0.0 ? pre : std::expm1(pre)) * std::abs(static_cast<double>(w2(0, e)));
  }
  return tot;
}

// The targets y (per agent without a mixer, else the team's in column 0) that the batch must get
// with `target` as the target networks and `online` (the learner's current online networks) for
// the double-Q argmax.
std::vector<std::vector<double>> targets_by_hand(Mix mix, bool double_q, Snapshot& target,
                                                 Snapshot& online, const JointBatch& b,
                                                 bool* mask_mattered) {
  std::vector<std::vector<double>> next(kBatch, std::vector<double>(kAgents, 0.0));
  for (int v = 0; v < kAgents; ++v) {
    for (int i = 0; i < kBatch; ++i) {
      const float* o2 = b.next_obs[v].row(i).data();
      const nn::Matrix qt = target.agents[v].forward_one(o2);
      const nn::Matrix qo = online.agents[v].forward_one(o2);
      const nn::Matrix& pick = double_q ? qo : qt;
      int best = -1, any = 0;
      for (int a = 0; a < kActions; ++a) {
        if (pick(0, a) > pick(0, any)) any = a;
        if (b.next_masks[v](i, a) && (best < 0 || pick(0, a) > pick(0, best))) best = a;
      }
      *mask_mattered = *mask_mattered || best != any;
      next[i][v] = qt(0, best);
    }
  }
  std::vector<std::vector<double>> y(mix == Mix::None ? kAgents : 1, std::vector<double>(kBatch));
  for (int i = 0; i < kBatch; ++i) {
    const double g = 0.9 * (1.0 - b.dones[i]);
    if (mix == Mix::None) {
      for (int v = 0; v < kAgents; ++v) y[v][i] = b.rewards[v][i] + g * next[i][v];
    } else if (mix == Mix::Vdn) {
      y[0][i] = b.team_rewards[i] + g * (next[i][0] + next[i][1]);
    } else {
      y[0][i] =
          b.team_rewards[i] + g * qmix_by_hand(target.mixer, next[i], b.next_states.row(i).data());
    }
  }
  return y;
}

void expect_targets(Mix mix, bool double_q) {
  const std::string name = std::string(mix == Mix::None  ? "none"
                                       : mix == Mix::Vdn ? "vdn"
                                                         : "qmix") +
                           (double_q ? " double-Q" : "");
  Rng init(11, "mixer-init"), data(12, "mixer-data");
  QLearner learner = make_learner(mix, double_q, init);
  Snapshot initial = online_copy(learner);
  Snapshot synced = initial;  // targets start as copies of the online networks
  bool mask_mattered = false, sync_mattered = false, bootstrap_mattered = false;
  for (int step = 1; step <= 4 * kSync; ++step) {
    const JointBatch b = make_batch(data, kState);
    Snapshot online = online_copy(learner);
    const auto want = targets_by_hand(mix, double_q, synced, online, b, &mask_mattered);
    const auto stale = targets_by_hand(mix, double_q, initial, online, b, &mask_mattered);
    learner.learn(b);
    for (std::size_t h = 0; h < want.size(); ++h) {
      const nn::Vector& y = learner.last_targets(static_cast<int>(h));
      for (int i = 0; i < kBatch; ++i) {
        ASSERT_NEAR(y[i], want[h][i], 1e-4 * (1.0 + std::abs(want[h][i])))
            << name << ": learning step " << step << ", head " << h << ", row " << i;
        sync_mattered = sync_mattered || std::abs(stale[h][i] - want[h][i]) > 1e-3;
        const double r = mix == Mix::None ? b.rewards[h][i] : b.team_rewards[i];
        bootstrap_mattered = bootstrap_mattered || std::abs(y[i] - r) > 1e-2;
        if (b.dones[i] == 1.0f) {
          ASSERT_EQ(y[i], static_cast<float>(r)) << name << ": terminal";
        }
      }
    }
    if (step % kSync == 0) synced = online_copy(learner);  // the sync at the end of this step
  }
  EXPECT_TRUE(mask_mattered) << name << ": no masked action was a maximum";
  EXPECT_TRUE(sync_mattered) << name << ": targets never moved from the initial networks";
  EXPECT_TRUE(bootstrap_mattered) << name << ": the bootstrap term was negligible";
}

}  // namespace

TEST(TdTargets, NoMixerEachAgentBootstrapsItsOwnTargetAcrossSyncs) {
  expect_targets(Mix::None, false);
  expect_targets(Mix::None, true);
}

TEST(TdTargets, VdnSumOfTargetsAcrossSyncs) {
  expect_targets(Mix::Vdn, false);
  expect_targets(Mix::Vdn, true);
}

TEST(TdTargets, QmixTargetMixerAtNextStateAcrossSyncs) {
  expect_targets(Mix::Qmix, false);
  expect_targets(Mix::Qmix, true);
}

// Polyak targets (tau > 0): every step, target <- tau online + (1 - tau) target, the agents' and
// the QMIX mixer's alike.
TEST(TdTargets, PolyakMovesTheAgentsAndTheMixerTargetsEveryStep) {
  QLearningConfig c;
  c.hidden = {8};
  c.batch_size = kBatch;
  c.tau = 0.25f;
  c.optimizer = nn::OptimizerConfig::adam(2e-2f);
  Rng init(13, "polyak-init"), data(14, "polyak-data");
  QLearner learner = test::qmix_learner(kAgents, kObs, kActions, kState, c, kEmbed, 8, init);
  auto params = [](const std::vector<const nn::Mlp*>& nets) {
    std::vector<nn::Vector> p;
    for (const nn::Mlp* m : nets) p.push_back(m->params());
    return p;
  };
  for (int step = 0; step < 3; ++step) {
    const auto before = params(std::as_const(*learner.target_mixer()).networks());
    const nn::Vector agent_before = learner.target(1).params();
    learner.learn(make_batch(data, kState));
    const auto online = params(std::as_const(*learner.mixer()).networks());
    const auto after = params(learner.target_mixer()->networks());
    for (std::size_t m = 0; m < before.size(); ++m) {
      const nn::Vector want = 0.25f * online[m] + 0.75f * before[m];
      EXPECT_LT((after[m] - want).cwiseAbs().maxCoeff(), 1e-6f) << "mixer network " << m;
      EXPECT_GT((after[m] - before[m]).cwiseAbs().maxCoeff(), 1e-6f) << "mixer network " << m;
    }
    const nn::Vector want = 0.25f * learner.online(1).params() + 0.75f * agent_before;
    EXPECT_LT((learner.target(1).params() - want).cwiseAbs().maxCoeff(), 1e-6f);
  }
}
