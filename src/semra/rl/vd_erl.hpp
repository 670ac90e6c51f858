#pragma once
// VD-ERL: value-decomposition-based entropy-maximised multi-agent RL (the vderl paper, Section III,
// Algorithm 2). Each agent v has
//   - a Q network Q_theta_v(o_v, .), trained jointly through Q_tot = sum_v Q_theta_v (eq. 13) on
//     the team reward by the TD loss (14): the critic, a QLearner with the VdnMixer, and
//   - a policy network pi_phi_v(. | o_v) (masked softmax), trained by eq. (17) against its own
//     Q_theta_v (DiscreteSacActor).
// Acting samples pi when training (exploration comes from the entropy term, no epsilon) and takes
// argmax pi when evaluating. Execution is decentralised: agent v needs only o_v.
//
// Critic target: "max" is eq. (14), y = r + gamma sum_v max_a' Q_target_v(o'_v, a'); "soft" is
// SAC's soft value, y = r + gamma sum_v sum_a' pi_v(a'|o'_v) (Q_target_v(o'_v, a') - delta log
// pi_v).
//
// The whole update is VdErlLearner::learn in vd_erl.cpp: the soft target, the critic's step (the
// one Q-learner's step, QLearner::learn in q_learner.cpp, with its mixer VdnMixer in vdn.hpp; eqs.
// 13-16), then the policies' steps (DiscreteSacActor::update, below it in vd_erl.cpp; eqs. 17-18).
#include <cstdint>
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/core/serialize.hpp"
#include "semra/nn/mlp.hpp"
#include "semra/nn/optim.hpp"
#include "semra/nn/tensor.hpp"
#include "semra/rl/joint_replay.hpp"
#include "semra/rl/q_learner.hpp"

namespace semra::rl {

// ---------------------------------------------------------------------------------------------------
// The actor. Discrete maximum-entropy actor (soft actor-critic for discrete actions, Christodoulou
// 2019; Haarnoja et al. 2018), the policy half of the vderl paper's VD-ERL (eqs. 17-18).
//
// A policy network pi_phi(. | o) = masked softmax of its logits. Given the critic's Q(o, .), the
// policy minimises eq. (17):
//   J_pi(phi) = E_o[ sum_{a valid} pi(a|o) (delta log pi(a|o) - Q(o, a)) ]
//             = E_o[ KL(pi(.|o) || exp(Q(o, .) / delta) / Z) ] delta + const,
// i.e. pi tracks the Boltzmann distribution of Q at temperature delta: actions with high Q get high
// probability, yet every valid action keeps some (exploration). The expectation over a is exact
// (a sum over the discrete actions), so no reparameterisation is needed. With g_a = delta log pi_a
// - Q_a, the gradient w.r.t. the logits z is dJ/dz_j = pi_j (g_j - sum_a pi_a g_a) (the derivative
// of the log term's pi inside cancels): max_entropy_policy_loss below.
//
// Optional automatic temperature (SAC v2): minimise J(log delta) = E_o[ log delta (H(pi(.|o)) -
// H_target(o)) ] with H_target(o) = target_entropy_scale log(#valid actions at o), so delta rises
// when the policy is more deterministic than the target and falls otherwise.

// Eq. (17) for a batch: logits, mask (1 = valid) and q are batch x actions. Writes pi and log pi
// (masked entries: 0 and nn::kMaskedLogProb) and dJ/dlogits of the batch MEAN loss. Returns the
// mean loss; *mean_entropy (if given) receives the mean policy entropy.
double max_entropy_policy_loss(const nn::Matrix& logits, const nn::MaskMatrix& mask,
                               const Eigen::Ref<const nn::Matrix>& q, float delta,
                               nn::Matrix& probs, nn::Matrix& log_probs, nn::Matrix& grad_logits,
                               double* mean_entropy = nullptr);

struct DiscreteSacConfig {
  std::vector<int> hidden = {64, 64};
  nn::Activation activation = nn::Activation::Relu;
  nn::OptimizerConfig optimizer = nn::OptimizerConfig::adam(3e-4f);
  float grad_clip = 10.0f;   // 0 = off
  float temperature = 0.1f;  // delta (initial value when auto_temperature)
  bool auto_temperature = false;
  float target_entropy_scale = 0.3f;
  float temperature_lr = 3e-4f;

  void validate() const;  // throws InputError naming the field
};

class DiscreteSacActor {
 public:
  DiscreteSacActor(int obs_dim, int num_actions, const DiscreteSacConfig& config, Rng& init_rng);

  // a ~ pi(. | o) over the valid actions (training).
  int sample_action(const float* obs, const std::uint8_t* mask, Rng& rng);
  // argmax_a pi(a | o) over the valid actions (evaluation), ties to the lowest index.
  int greedy_action(const float* obs, const std::uint8_t* mask);

  // One policy step (eq. 18) on a batch: obs (batch x obs_dim), mask, the critic's Q(o, .) (batch x
  // actions, treated as constants). Then, with auto_temperature, one step on log delta.
  // Returns the loss (17).
  double update(const Eigen::Ref<const nn::Matrix>& obs, const nn::MaskMatrix& mask,
                const Eigen::Ref<const nn::Matrix>& q);

  // pi and log pi for a batch (e.g. for a soft critic target). Uses the batch cache.
  void distribution(const Eigen::Ref<const nn::Matrix>& obs, const nn::MaskMatrix& mask,
                    nn::Matrix& probs, nn::Matrix& log_probs);

  float temperature() const { return delta_; }
  // A scheduled delta (annealing); not with auto_temperature, which owns delta.
  void set_temperature(float delta) { delta_ = delta; }
  double last_entropy() const { return last_entropy_; }
  nn::Mlp& policy() { return policy_; }
  const nn::Mlp& policy() const { return policy_; }
  const DiscreteSacConfig& config() const { return config_; }
  // Checkpoints: policy network, its optimiser state, the temperature (delta, log delta and its
  // optimiser state). load_state needs an actor built with the same sizes and config.
  void save_state(StateWriter& w) const;
  void load_state(StateReader& r);

 private:
  int num_actions_;
  DiscreteSacConfig config_;
  nn::Mlp policy_;
  nn::Optimizer optimizer_;
  float delta_;
  nn::Vector log_delta_, log_delta_grad_;
  nn::Optimizer temperature_optimizer_;
  double last_entropy_ = 0.0;
  // Workspaces.
  nn::Matrix probs_, log_probs_, grad_logits_;
  nn::Matrix one_probs_;
  nn::MaskMatrix one_mask_;
};

// ---------------------------------------------------------------------------------------------------
// The learner: the critic and one actor per agent.

enum class CriticTarget : std::uint8_t { Max = 0, Soft = 1 };

struct VdErlConfig {
  QLearningConfig critic;  // its epsilon is unused: VD-ERL explores through pi
  DiscreteSacConfig actor;
  CriticTarget critic_target = CriticTarget::Max;
  // Evaluation (explore == false): argmax pi (false, the paper) or argmax Q_theta_v (true). Both are
  // decentralised; the second isolates the actor's share of the error (docs/model-vderl.md).
  bool greedy_from_critic = false;
  // Policy steps (eq. 18) per critic step, on the same minibatch against the same Q_theta_v: lets
  // the actor catch up with the critic (docs/model-vderl.md 3.3: the actor lags).
  int policy_updates = 1;
};

class VdErlLearner {
 public:
  VdErlLearner(int agents, int obs_dim, int num_actions, const VdErlConfig& config, Rng& init_rng);

  int agents() const { return critic_.agents(); }
  // explore: a ~ pi(.|o); otherwise argmax pi (or argmax Q_theta_v with greedy_from_critic).
  int act(int agent, const float* obs, const std::uint8_t* mask, Rng& rng, bool explore);

  // One gradient step (Algorithm 2, lines 11-14): critic by eqs. (14)-(16), then every policy by
  // eqs. (17)-(18) against the updated Q_theta_v. Returns the critic loss.
  double learn(const JointBatch& batch);

  QLearner& critic() { return critic_; }
  const QLearner& critic() const { return critic_; }
  // The critic's TD targets y of the last learn().
  const nn::Vector& last_targets() const { return critic_.last_targets(); }
  DiscreteSacActor& actor(int agent) { return actors_[static_cast<std::size_t>(agent)]; }
  const DiscreteSacActor& actor(int agent) const {
    return actors_[static_cast<std::size_t>(agent)];
  }
  double last_policy_loss() const { return last_policy_loss_; }
  // Checkpoints: the critic (a VDN QLearner's state) and every actor.
  void save_state(StateWriter& w) const;
  void load_state(StateReader& r);

 private:
  VdErlConfig config_;
  QLearner critic_;
  std::vector<DiscreteSacActor> actors_;
  double last_policy_loss_ = 0.0;
  // Workspaces.
  AgentValues soft_values_;
  nn::Matrix probs_, log_probs_, q_;
};

}  // namespace semra::rl
