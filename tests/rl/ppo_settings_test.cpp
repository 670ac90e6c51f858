// rl/ppo_settings: the config keys' defaults are PpoConfig::mappo()'s (docs/decisions.md), IPPO
// differs only in the critic's input, and a bad value names its key.
#include <gtest/gtest.h>

#include <string>

#include "semra/core/config.hpp"
#include "semra/core/error.hpp"
#include "semra/rl/ppo_settings.hpp"

using semra::rl::PpoConfig;
using semra::rl::PpoCriticInput;
using semra::rl::PpoSettings;

TEST(PpoSettings, DefaultsAreMappos) {
  const PpoConfig want = PpoConfig::mappo();
  const PpoConfig got = PpoSettings().config(true, want.rollout_steps, "ppo");
  EXPECT_EQ(got.critic_input, want.critic_input);
  EXPECT_EQ(got.reward, want.reward);
  EXPECT_EQ(got.share_parameters, want.share_parameters);
  EXPECT_EQ(got.agent_id, want.agent_id);
  EXPECT_EQ(got.epochs, want.epochs);
  EXPECT_EQ(got.num_minibatches, want.num_minibatches);
  EXPECT_EQ(got.gamma, want.gamma);
  EXPECT_EQ(got.gae_lambda, want.gae_lambda);
  EXPECT_EQ(got.clip, want.clip);
  EXPECT_EQ(got.value_clip, want.value_clip);
  EXPECT_EQ(got.entropy_coef, want.entropy_coef);
  EXPECT_EQ(got.value_coef, want.value_coef);
  EXPECT_EQ(got.max_grad_norm, want.max_grad_norm);
  EXPECT_EQ(got.normalize_advantages, want.normalize_advantages);
  EXPECT_EQ(got.value_normalization, want.value_normalization);
  EXPECT_EQ(got.value_loss, want.value_loss);
  EXPECT_EQ(got.huber_delta, want.huber_delta);
  EXPECT_EQ(got.actor_hidden, want.actor_hidden);
  EXPECT_EQ(got.critic_hidden, want.critic_hidden);
  EXPECT_EQ(got.actor_optimizer.lr, want.actor_optimizer.lr);
  EXPECT_EQ(got.critic_optimizer.lr, want.critic_optimizer.lr);
  EXPECT_EQ(got.actor_optimizer.eps, want.actor_optimizer.eps);
  EXPECT_EQ(PpoSettings().config(false, 10, "ppo").critic_input, PpoCriticInput::Local);
  PpoSettings s;
  s.critic_input = "state_and_local";
  EXPECT_EQ(s.config(true, 10, "ppo").critic_input, PpoCriticInput::StateAndLocal);
  EXPECT_EQ(s.config(false, 10, "ppo").critic_input, PpoCriticInput::Local);
}

TEST(PpoSettings, EveryKeyIsDescribedAndSetsItsField) {
  PpoSettings s;
  semra::ConfigSchema schema;
  s.describe(schema, "ppo", "ippo, mappo");
  EXPECT_EQ(schema.fields().size(), 22u);
  for (const auto& f : schema.fields()) EXPECT_EQ(f.key.rfind("ppo.", 0), 0u) << f.key;
  s.epochs = 4;
  s.clip = 0.1;
  s.critic_hidden = {32};
  const PpoConfig c = s.config(true, 10, "ppo");
  EXPECT_EQ(c.epochs, 4);
  EXPECT_EQ(c.clip, 0.1f);
  EXPECT_EQ(c.critic_hidden, std::vector<int>{32});
  EXPECT_EQ(c.rollout_steps, 10);
}

TEST(PpoSettings, BadValuesNameTheirKey) {
  auto message = [](const PpoSettings& s) -> std::string {
    try {
      (void)s.config(true, 10, "ppo");
    } catch (const semra::InputError& e) {
      return e.what();
    }
    return "no error";
  };
  PpoSettings s;
  s.critic_hidden = {};
  EXPECT_NE(message(s).find("ppo.critic_hidden"), std::string::npos) << message(s);
  s = PpoSettings();
  s.actor_hidden = {16, 2.5};
  EXPECT_NE(message(s).find("ppo.actor_hidden"), std::string::npos) << message(s);
  s = PpoSettings();
  s.agent_id = true;
  s.share_parameters = false;
  EXPECT_NE(message(s).find("ppo.agent_id"), std::string::npos) << message(s);
}
