// The "reference defects" switches of the dhdrl scenario (docs/model-dhdrl.md section 4.6): each
// one reproduces one defect of the authors' reference code and changes nothing else; all are off by
// default (the corrected model).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "semra/core/error.hpp"
#include "semra/core/experiment.hpp"
#include "semra/radio/units.hpp"
#include "semra/scenarios/dhdrl/config.hpp"
#include "semra/scenarios/dhdrl/env.hpp"
#include "semra/scenarios/dhdrl/run.hpp"
#include "test_helpers.hpp"

using namespace semra::dhdrl;

namespace {
using dhdrl_test::config_error;
using dhdrl_test::model;

// Mean over every (BS, UT) pair of sum_l |g_l|^2 (the small-scale fading power), averaged over
// slots [from, to).
double mean_fading_power(const Config& c, int from, int to) {
  Environment env(c, model());
  env.reset(3);
  const auto& ch = env.channel(0);
  double acc = 0.0;
  long n = 0;
  for (int t = 0; t < to; ++t) {
    if (t >= from) {
      for (int b = 0; b < ch.num_tx(); ++b)
        for (int u = 0; u < ch.num_rx(); ++u) {
          double p = 0.0;
          for (int l = 0; l < ch.paths(); ++l) p += std::norm(ch.fading(b, u, l));
          acc += p;
          ++n;
        }
    }
    env.advance();
  }
  return acc / static_cast<double>(n);
}

// Random actions for `slots` slots; calls check(env) after every evaluate().
template <class F>
void drive(const Config& c, int slots, F check) {
  Environment env(c, model());
  env.reset(11);
  semra::Rng act(2, "actions");
  for (int t = 0; t < slots; ++t) {
    for (int i = 0; i < env.links(); ++i) {
      env.set_beam(i, act.uniform_int(env.codewords()), act.uniform_int(env.power_levels()));
      env.set_k(i, 1 + act.uniform_int(env.max_k()));
    }
    env.evaluate();
    check(env);
    env.advance();
    env.begin_slot();
  }
}
}  // namespace

TEST(DhdrlReferenceDefects, DefaultsAreTheCorrectedModel) {
  Config c;
  EXPECT_FALSE(c.reference_innovation);
  EXPECT_EQ(c.accuracy_sinr_scale, "db");
  EXPECT_EQ(c.rate_model, "ksuts");
  EXPECT_TRUE(c.requirements_observed);
  EXPECT_EQ(config_error("semantic.accuracy_sinr_scale=log").find("semantic.accuracy_sinr_scale") !=
                std::string::npos,
            true);
  EXPECT_NE(config_error("semantic.rate_model=suts").find("semantic.rate_model"),
            std::string::npos);
  EXPECT_EQ(config_error("channel.reference_innovation=true"), "");
  EXPECT_EQ(config_error("semantic.accuracy_sinr_scale=linear"), "");
  EXPECT_EQ(config_error("semantic.rate_model=reference"), "");
  EXPECT_EQ(config_error("requirements.observed=false"), "");
}

TEST(DhdrlReferenceDefects, ReferenceInnovationMultipliesFadingPowerByL) {
  for (int paths : {2, 4}) {
    Config c;
    c.paths = paths;
    // Both start from CN(0, 1/L) per path: total power 1 at reset.
    Config d = c;
    d.reference_innovation = true;
    EXPECT_NEAR(mean_fading_power(c, 0, 1), 1.0, 0.35) << paths;
    EXPECT_NEAR(mean_fading_power(d, 0, 1), 1.0, 0.35) << paths;
    // After the transient (rho^2t -> 0 within ~10 slots): 1 without the defect, L with it.
    const double fixed = mean_fading_power(c, 50, 3000);
    const double defect = mean_fading_power(d, 50, 3000);
    EXPECT_NEAR(fixed, 1.0, 0.05) << paths;
    EXPECT_NEAR(defect, paths, 0.05 * paths) << paths;
  }
}

TEST(DhdrlReferenceDefects, LinearAccuracyScaleLooksUpTheLinearSinr) {
  const auto m = model();
  Config lin;
  lin.accuracy_sinr_scale = "linear";
  int checked = 0, differs = 0;
  for (const Config& c : {Config{}, lin}) {
    const bool linear = c.accuracy_sinr_scale == "linear";
    drive(c, 30, [&](const Environment& env) {
      for (int i = 0; i < env.links(); ++i) {
        const int k = static_cast<int>(env.k(i));
        const double s = env.sinr(i);
        const double correct = m->accuracy(k, env.sinr_db(i));
        const double expected = linear ? m->accuracy(k, s) : correct;
        EXPECT_EQ(env.accuracy(i), expected);
        // The heuristics' model of the QoE uses the same lookup.
        EXPECT_DOUBLE_EQ(env.qoe_at(i, k, s).qoe, env.qoe(i));
        ++checked;
        if (linear && std::fabs(expected - correct) > 1e-3) ++differs;
      }
    });
  }
  EXPECT_EQ(checked, 2 * 30 * 7);
  EXPECT_GT(differs, 30);  // the defect really changes the accuracy
  // Hand check: a linear SINR of 5 (7.0 dB) is looked up at "5 dB"; an SINR of 0 (link off) at
  // "0 dB" instead of the -10 dB floor.
  Config c = lin;
  Environment env(c, m);
  env.reset(1);
  EXPECT_DOUBLE_EQ(env.qoe_at(0, 10, 5.0).qoe,
                   semra::semantic::qoe(env.requirement(0), 72.0, m->accuracy(10, 5.0)).qoe);
  EXPECT_DOUBLE_EQ(env.qoe_at(0, 10, 0.0).qoe,
                   semra::semantic::qoe(env.requirement(0), 72.0, m->accuracy(10, 0.0)).qoe);
}

TEST(DhdrlReferenceDefects, ReferenceRateModelMakesRateTermOneForEveryK) {
  Config ref;
  ref.rate_model = "reference";
  Environment a(Config{}, model()), b(ref, model());
  a.reset(4);
  b.reset(4);
  for (int k = 1; k <= 20; ++k) {
    for (int i = 0; i < a.links(); ++i) {
      a.set_k(i, k);
      b.set_k(i, k);
    }
    a.evaluate();
    b.evaluate();
    for (int i = 0; i < a.links(); ++i) {
      EXPECT_DOUBLE_EQ(a.rate_ksuts(i), 720.0 / k);
      EXPECT_DOUBLE_EQ(b.rate_ksuts(i), 720000.0 / k);  // suts/s against Phi_req in ksuts/s
      EXPECT_GT(b.g_r(i), 1.0 - 1e-12);
      EXPECT_EQ(a.accuracy(i), b.accuracy(i));  // nothing else changes
      EXPECT_EQ(a.g_a(i), b.g_a(i));
    }
  }
  // Without the defect the rate term spans the requirement: ~1 at k = 1, small at k = 20.
  for (int i = 0; i < a.links(); ++i) {
    a.set_k(i, 20);
    a.evaluate();
    EXPECT_LT(a.g_r(i), 0.1);
    a.set_k(i, 1);
    a.evaluate();
    EXPECT_GT(a.g_r(i), 0.99);
  }
  // Continuous k (dhdrl-continuous) goes through the same rate model.
  EXPECT_GT(b.qoe_at(0, 19.5, 100.0).g_r, 1.0 - 1e-12);
}

TEST(DhdrlReferenceDefects, UnobservedRequirementsZeroExactlyTheirThreeFeatures) {
  Config hidden;
  hidden.requirements_observed = false;
  Environment a(Config{}, model()), b(hidden, model());
  a.reset(8);
  b.reset(8);
  const int first = a.codewords() + 9;  // power, C one-hot, k, 2 QoE, 2 gains, 2 I+N, SINR
  for (bool low : {false, true}) {
    const int dim = low ? a.low_obs_dim() : a.high_obs_dim();
    ASSERT_EQ(dim, low ? b.low_obs_dim() : b.high_obs_dim());
    for (int i = 0; i < a.links(); ++i) {
      std::vector<float> oa(dim), ob(dim);
      a.observe(i, a.prev(), low ? 7 : -1, true, oa.data());
      b.observe(i, b.prev(), low ? 7 : -1, true, ob.data());
      const auto& r = a.requirement(i);
      EXPECT_FLOAT_EQ(oa[first], static_cast<float>(r.w));
      EXPECT_FLOAT_EQ(oa[first + 1], static_cast<float>((r.xi_req - 0.85) * 20.0));
      EXPECT_FLOAT_EQ(oa[first + 2], static_cast<float>((r.phi_req_ksuts - 60.0) / 10.0));
      for (int j = 0; j < dim; ++j) {
        if (j >= first && j < first + 3)
          EXPECT_EQ(ob[j], 0.0f) << j;
        else
          EXPECT_EQ(oa[j], ob[j]) << j;
      }
    }
  }
  // The requirements themselves (and so the QoE) are unchanged: only what the agents see differs.
  for (int i = 0; i < a.links(); ++i) EXPECT_EQ(a.requirement(i).w, b.requirement(i).w);
}

// Every defect on at once, through run_experiment as `semra run` calls it, against the corrected
// model with the same seed (docs/model-dhdrl.md 4.6): the rate defect sets G_R = 1 on every link in
// every recorded row, so QoE >= w (w ~ U(0, 1) redrawn every slot: a row's mean over 7 links x 50
// slots is 0.5 +- 0.015, so every row's QoE stays above 0.4), and the problem gets easier: the
// random scheme's QoE rises most (0.52 -> 0.76 in 4.6; here by more than 0.1 over 400 slots).
// Same seed, same result; the corrected model's runs differ, and so does switching any one defect
// back off (each switch reaches the run).
TEST(DhdrlReferenceDefects, AllDefectsRunEndToEnd) {
  Config corrected;
  corrected.train_slots = 400;
  corrected.learning_starts_slots = 50;
  corrected.record_every_slots = 50;
  Config c = corrected;
  c.reference_innovation = true;
  c.accuracy_sinr_scale = "linear";
  c.rate_model = "reference";
  c.requirements_observed = false;
  c.redraw_period_slots = 1;  // the reference redrew the requirements every slot
  semra::RunContext ctx;
  auto mean = [](const std::vector<double>& v) {
    double s = 0.0;
    for (double x : v) s += x;
    return s / static_cast<double>(v.size());
  };
  for (const std::string scheme : {"dhdrl", "greedy", "random"}) {
    const auto r = run_experiment(c, scheme, 2, ctx);
    const auto ref = run_experiment(corrected, scheme, 2, ctx);
    const std::size_t qoe = r.column("qoe"), g_r = r.column("g_r");
    ASSERT_EQ(r.steps.size(), 8u) << scheme;
    EXPECT_EQ(r.steps, ref.steps) << scheme;
    for (std::size_t row = 0; row < r.steps.size(); ++row) {
      EXPECT_NEAR(r.values[g_r][row], 1.0, 1e-9) << scheme << ", row " << row;
      EXPECT_GT(r.values[qoe][row], 0.4) << scheme << ", row " << row;
      EXPECT_LE(r.values[qoe][row], 1.0) << scheme << ", row " << row;
    }
    EXPECT_LT(*std::min_element(ref.values[g_r].begin(), ref.values[g_r].end()), 0.99)
        << scheme << ": the corrected model's rate gain is below 1 somewhere";
    EXPECT_GT(r.scalars.at("final_qoe"), 0.4) << scheme;
    EXPECT_LE(r.scalars.at("final_qoe"), 1.0) << scheme;
    EXPECT_NE(r.values, ref.values) << scheme;
    EXPECT_EQ(run_experiment(c, scheme, 2, ctx).values, r.values) << scheme << ": same seed";
    // Easier for every scheme, most for random (measured here: random 0.46 -> 0.72, greedy
    // 0.94 -> 0.99, dhdrl 0.52 -> 0.77).
    EXPECT_GT(mean(r.values[qoe]), mean(ref.values[qoe])) << scheme;
    if (scheme == "random") {
      EXPECT_GT(mean(r.values[qoe]) - mean(ref.values[qoe]), 0.1);
    }
  }
  const auto all = run_experiment(c, "dhdrl", 2, ctx).values;
  for (int off = 0; off < 5; ++off) {
    Config d = c;
    if (off == 0) d.reference_innovation = false;
    if (off == 1) d.accuracy_sinr_scale = "db";
    if (off == 2) d.rate_model = "ksuts";
    if (off == 3) d.requirements_observed = true;
    if (off == 4) d.redraw_period_slots = 0;
    EXPECT_NE(run_experiment(d, "dhdrl", 2, ctx).values, all)
        << "defect " << off << " switched off";
  }
}
