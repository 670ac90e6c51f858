#pragma once
// The PPO settings a scenario offers as config keys "<section>.<name>" (docs/config.md), their
// defaults MAPPO's recommended ones (PpoConfig::mappo(), docs/decisions.md "On-policy learners"),
// and the PpoConfig of a scheme. The key names are PpoConfig's field names, so the learner's own
// errors ("ppo.num_minibatches: ...") name the key a user set.
#include <string>
#include <vector>

#include "semra/core/config.hpp"
#include "semra/rl/ppo.hpp"

namespace semra::rl {

struct PpoSettings {
  int envs = 8;  // environments stepped together (core/vector_env.hpp)
  int epochs, num_minibatches;
  double gamma, gae_lambda, clip, value_clip, entropy_coef, value_coef, max_grad_norm;
  double actor_lr, critic_lr;
  std::vector<double> actor_hidden, critic_hidden;
  bool share_parameters, agent_id, normalize_advantages, value_normalization;
  std::string value_loss;  // "huber" or "mse"
  double huber_delta;
  std::string critic_input;  // MAPPO's critic: "state" or "state_and_local"
  std::string reward;        // "team" or "own"

  PpoSettings();  // PpoConfig::mappo()'s values, envs 8
  // Adds every key under `section` (e.g. "ppo"); `what` names the schemes that read them.
  // vector_envs = false leaves out "<section>.envs" (a scenario whose experiment is one
  // environment, as dhdrl's deployment).
  void describe(ConfigSchema& s, const std::string& section, const std::string& what,
                bool vector_envs = true);
  // The learner's configuration: MAPPO (critic on critic_input) or IPPO (critic on the agent's
  // observation), T = rollout_steps. Throws InputError naming "<section>.<key>" for a bad value.
  PpoConfig config(bool mappo, int rollout_steps, const std::string& section) const;
};

}  // namespace semra::rl
