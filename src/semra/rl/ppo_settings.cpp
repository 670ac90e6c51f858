#include "semra/rl/ppo_settings.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "semra/core/error.hpp"

namespace semra::rl {

namespace {

std::vector<double> to_doubles(const std::vector<int>& v) {
  return {v.begin(), v.end()};
}

// The float's shortest decimal (0.99f -> 0.99, not 0.99000000953...), as a user would write it.
double decimal(float x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.7g", static_cast<double>(x));
  return std::strtod(buf, nullptr);
}

std::vector<int> layer_sizes(const std::vector<double>& v, const std::string& key) {
  std::vector<int> out;
  for (const double x : v) {
    if (x != std::floor(x))
      throw InputError(key + ": layer sizes must be integers, got " + std::to_string(x));
    out.push_back(static_cast<int>(x));
  }
  if (out.empty()) throw InputError(key + ": expected at least one layer size");
  return out;
}

}  // namespace

PpoSettings::PpoSettings() {
  const PpoConfig c = PpoConfig::mappo();
  epochs = c.epochs;
  num_minibatches = c.num_minibatches;
  gamma = decimal(c.gamma);
  gae_lambda = decimal(c.gae_lambda);
  clip = decimal(c.clip);
  value_clip = decimal(c.value_clip);
  entropy_coef = decimal(c.entropy_coef);
  value_coef = decimal(c.value_coef);
  max_grad_norm = decimal(c.max_grad_norm);
  actor_lr = decimal(c.actor_optimizer.lr);
  critic_lr = decimal(c.critic_optimizer.lr);
  actor_hidden = to_doubles(c.actor_hidden);
  critic_hidden = to_doubles(c.critic_hidden);
  share_parameters = c.share_parameters;
  agent_id = c.agent_id;
  normalize_advantages = c.normalize_advantages;
  value_normalization = c.value_normalization;
  value_loss = c.value_loss == nn::LossKind::Huber ? "huber" : "mse";
  huber_delta = decimal(c.huber_delta);
  critic_input = std::string(to_string(c.critic_input));
  reward = std::string(to_string(c.reward));
}

void PpoSettings::describe(ConfigSchema& s, const std::string& section, const std::string& what,
                           bool vector_envs) {
  const std::string p = section + ".";
  if (vector_envs)
    s.add(p + "envs", envs, IntRange{1, 4096}, "",
          what + ": environments stepped together (one rollout of each per update)");
  s.add(p + "epochs", epochs, IntRange{1, 1000}, "", what + ": passes over each rollout");
  s.add(p + "num_minibatches", num_minibatches, IntRange{1, 1000000}, "",
        what + ": minibatches per epoch (must divide the rollout's environment steps)");
  s.add(p + "gamma", gamma, RealRange{0.0, 1.0}, "", what + ": discount per environment step");
  s.add(p + "gae_lambda", gae_lambda, RealRange{0.0, 1.0}, "", what + ": GAE lambda");
  s.add(p + "clip", clip, RealRange{0.0, 1.0, true, true}, "",
        what + ": clip range epsilon of the surrogate objective (PPO eq. 7)");
  s.add(p + "value_clip", value_clip, RealRange{0.0, 1e6}, "",
        what + ": clip range of the value loss (in normalised units); 0 = no value clipping");
  s.add(p + "entropy_coef", entropy_coef, RealRange{0.0, 1e3}, "",
        what + ": entropy bonus c_2 (PPO eq. 9)");
  s.add(p + "value_coef", value_coef, RealRange{0.0, 1e3, true}, "",
        what + ": value-loss coefficient c_1 (PPO eq. 9)");
  s.add(p + "max_grad_norm", max_grad_norm, RealRange{0.0, 1e9}, "",
        what + ": max gradient L2 norm per network; 0 = no clipping");
  s.add(p + "actor_lr", actor_lr, RealRange{0.0, 1.0, true}, "",
        what + ": actors' learning rate (Adam, eps 1e-5)");
  s.add(p + "critic_lr", critic_lr, RealRange{0.0, 1.0, true}, "",
        what + ": critics' learning rate (Adam, eps 1e-5)");
  s.add(p + "actor_hidden", actor_hidden, RealRange{1.0, 4096.0}, "",
        what + ": hidden layer sizes of the actors (integers)");
  s.add(p + "critic_hidden", critic_hidden, RealRange{1.0, 4096.0}, "",
        what + ": hidden layer sizes of the critics (integers)");
  s.add(p + "share_parameters", share_parameters,
        what + ": one actor and one critic for all agents (otherwise one per agent)");
  s.add(p + "agent_id", agent_id,
        what + ": append the agent's one-hot id to every network input (needs share_parameters)");
  s.add(p + "normalize_advantages", normalize_advantages,
        what + ": normalise the advantages of each rollout to mean 0, std 1 (per actor)");
  s.add(p + "value_normalization", value_normalization,
        what + ": the critics learn running-normalised returns (MAPPO's ValueNorm)");
  s.add(p + "value_loss", value_loss, Choices{"huber", "mse"},
        what + ": critic loss on the return error d: huber (delta = huber_delta) or d^2 / 2");
  s.add(p + "huber_delta", huber_delta, RealRange{0.0, 1e9, true}, "",
        what + ": delta of the Huber value loss");
  s.add(p + "critic_input", critic_input, Choices{"state", "state_and_local"},
        "mappo's centralised critic: the global state, or the state with the agent's observation "
        "appended (ippo's critic always reads the agent's observation)");
  s.add(p + "reward", reward, Choices{"team", "own"},
        what + ": every agent learns the team reward (the sum of the agents' rewards) or its own");
}

PpoConfig PpoSettings::config(bool mappo, int rollout_steps, const std::string& section) const {
  PpoConfig c = mappo ? PpoConfig::mappo() : PpoConfig::ippo();
  const std::string p = section + ".";
  if (mappo)
    c.critic_input =
        critic_input == "state" ? PpoCriticInput::State : PpoCriticInput::StateAndLocal;
  c.reward = reward == "own" ? PpoReward::Own : PpoReward::Team;
  c.share_parameters = share_parameters;
  c.agent_id = agent_id;
  c.rollout_steps = rollout_steps;
  c.epochs = epochs;
  c.num_minibatches = num_minibatches;
  c.gamma = static_cast<float>(gamma);
  c.gae_lambda = static_cast<float>(gae_lambda);
  c.clip = static_cast<float>(clip);
  c.value_clip = static_cast<float>(value_clip);
  c.entropy_coef = static_cast<float>(entropy_coef);
  c.value_coef = static_cast<float>(value_coef);
  c.max_grad_norm = static_cast<float>(max_grad_norm);
  c.normalize_advantages = normalize_advantages;
  c.value_normalization = value_normalization;
  c.value_loss = value_loss == "mse" ? nn::LossKind::Mse : nn::LossKind::Huber;
  c.huber_delta = static_cast<float>(huber_delta);
  c.actor_hidden = layer_sizes(actor_hidden, p + "actor_hidden");
  c.critic_hidden = layer_sizes(critic_hidden, p + "critic_hidden");
  c.actor_optimizer.lr = static_cast<float>(actor_lr);
  c.critic_optimizer.lr = static_cast<float>(critic_lr);
  c.validate(section);
  return c;
}

}  // namespace semra::rl
