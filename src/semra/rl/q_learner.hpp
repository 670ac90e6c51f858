#pragma once
// The one Q-learner of semra (EPyMARL's q_learner with a pluggable mixer): per-agent Q networks
// Q_theta_v(o_v, .) on local observations, their target networks and optimisers, masked
// epsilon-greedy acting, and one TD update whose only variable part is how the agents' values are
// mixed into the value that is trained:
//   no mixer (DQN, IDQN):     each agent its own TD loss, y_v = r_v + gamma (1 - done) V_v(o'_v)
//   VdnMixer  (rl/vdn.hpp):   Q_tot = sum_v Q_theta_v (the vderl paper's eq. 13)
//   QmixMixer (rl/qmix.hpp):  Q_tot = monotonic mix of the Q_theta_v, weights from the state s
// A learner with a mixer trains Q_tot on the team reward, y = r + gamma (1 - done) Q_tot_target(V;
// s'), with the mixer's own target copy. The whole update is QLearner::learn in q_learner.cpp.
//
// Users: DqnAgent (rl/dqn.hpp, one agent and its replay buffer), VD-ERL's critic (rl/vd_erl.hpp,
// VdnMixer with its soft target) and the scenarios' VDN, QMIX and IDQN schemes.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/core/serialize.hpp"
#include "semra/nn/loss.hpp"
#include "semra/nn/mlp.hpp"
#include "semra/nn/optim.hpp"
#include "semra/nn/tensor.hpp"
#include "semra/rl/joint_replay.hpp"
#include "semra/rl/replay.hpp"
#include "semra/rl/schedule.hpp"

namespace semra::rl {

// The TD learning settings of every value-based learner. Defaults are the value-decomposition
// learners' (PyMARL-like); DqnConfig starts from the DHDRL reference instead.
struct QLearningConfig {
  std::vector<int> hidden = {64, 64};
  nn::Activation activation = nn::Activation::Relu;
  float gamma = 0.99f;
  int batch_size = 32;
  int target_sync_every = 100;  // hard copy online -> target every N learning steps (tau == 0)
  float tau = 0.0f;       // > 0: Polyak update target <- tau online + (1 - tau) target per step
  bool double_q = false;  // y uses Q_target at argmax of Q_online (van Hasselt et al. 2016)
  nn::LossKind loss = nn::LossKind::Mse;
  float huber_delta = 1.0f;
  nn::OptimizerConfig optimizer = nn::OptimizerConfig::adam(1e-3f);
  float grad_clip = 10.0f;  // max gradient L2 norm per network; 0 = off
  EpsilonConfig epsilon = {EpsilonKind::Linear, 1.0, 0.05, 0.0, 1e4};
  // true: learn() steps epsilon once per learning step (the DHDRL reference); false: the caller
  // steps epsilon() itself (e.g. once per decision of a high level that learns every slot).
  bool epsilon_per_learn_step = true;

  // Throws semra::InputError naming the first out-of-range field as "<section>.<field>".
  void validate(std::string_view section) const;
};

// Index of the largest q[i] among valid actions (mask[i] != 0; mask may be null = all valid), ties
// to the lowest index; -1 when no action is valid.
int masked_argmax(const float* q, const std::uint8_t* mask, int n);
// Uniformly random valid action (mask may be null); -1 when none is valid.
int random_valid_action(const std::uint8_t* mask, int n, Rng& rng);

// One value per agent for a batch: batch x agents, column v = agent v (column-major, so a column is
// one agent's contiguous batch).
using AgentValues = Eigen::MatrixXf;

// Q_tot = f(Q_1, ..., Q_N; s) for a batch, and its gradient back to the Q_v. A mixer with trainable
// networks lists them in networks(); the learner gives each an optimiser, a gradient clip and a
// target copy that follows the agents' target networks.
class Mixer {
 public:
  virtual ~Mixer() = default;
  // The learner's name in config errors, checkpoint sections and messages: "vdn", "qmix".
  virtual std::string_view name() const = 0;
  virtual std::unique_ptr<Mixer> clone() const = 0;
  // q: Q_v(o_v, a_v) (batch x agents), states: s (batch x state_dim; 0 columns when the learner has
  // no state) -> Q_tot (batch). Caches for backward.
  virtual const nn::Vector& forward(const AgentValues& q, const nn::Matrix& states) = 0;
  // dL/dQ_tot (batch) -> dL/dQ_v (batch x agents); the networks' gradients into their grads().
  virtual const AgentValues& backward(const nn::Vector& grad_q_tot) = 0;
  virtual std::vector<nn::Mlp*> networks() { return {}; }
  virtual std::vector<const nn::Mlp*> networks() const { return {}; }
};

// What one TD step reads, agent by agent: views into a JointBatch (every agent of one step) or a
// single agent's ReplayBatch. Learning without a mixer reads each agent's own reward, with a mixer
// the team reward.
struct QBatch {
  std::span<const nn::Matrix> obs, next_obs;   // [agent]: batch x obs_dim
  std::span<const Eigen::VectorXi> actions;    // [agent]: batch
  std::span<const nn::MaskMatrix> next_masks;  // [agent]: batch x num_actions
  std::span<const nn::Vector> rewards;         // [agent]: batch, r_v
  const nn::Vector* team_rewards = nullptr;    // batch, r (null: none in the batch)
  const nn::Vector* dones = nullptr;           // batch, 1 = terminal
  const nn::Matrix* states = nullptr;          // batch x state_dim (a mixer's s and s')
  const nn::Matrix* next_states = nullptr;

  QBatch(const JointBatch& b);   // NOLINT(google-explicit-constructor): a view
  QBatch(const ReplayBatch& b);  // NOLINT(google-explicit-constructor): one agent
  int size() const { return static_cast<int>(dones->size()); }
};

class QLearner {
 public:
  // Where agent v's initial weights are drawn from: init_rng.child("agent", v) (PerAgentChild), or
  // init_rng itself (Given; one agent only: a DqnAgent whose caller chose its stream).
  enum class InitStreams : std::uint8_t { PerAgentChild, Given };

  // mixer == null: independent learners (each agent on its own reward). The config is validated
  // (errors prefixed with the mixer's name, or "dqn").
  QLearner(int agents, int obs_dim, int num_actions, const QLearningConfig& config, Rng& init_rng,
           std::unique_ptr<Mixer> mixer = nullptr,
           InitStreams streams = InitStreams::PerAgentChild);

  int agents() const { return static_cast<int>(online_.size()); }
  int obs_dim() const { return obs_dim_; }
  int num_actions() const { return num_actions_; }
  const QLearningConfig& config() const { return config_; }

  // Epsilon-greedy over agent v's valid actions (mask may be null = all valid): one uniform draw,
  // then a uniform valid action when it falls below epsilon. explore == false: greedy, no draw.
  // Throws std::invalid_argument when the mask allows no action.
  int act(int v, const float* obs, const std::uint8_t* mask, Rng& rng, bool explore);
  int greedy_action(int v, const float* obs, const std::uint8_t* mask);

  // One gradient step on the batch (batch size must be config().batch_size), bootstrapping from
  // the target networks: V_v(o'_v) = max_{a' valid} Q_target_v(o'_v, a') (or, with double_q, at
  // argmax of Q_online_v). Returns the loss (without a mixer: the agents' mean).
  double learn(const QBatch& batch);
  // The same step with the caller's V_v(o'_v) (batch x agents): VD-ERL's soft value.
  double learn(const QBatch& batch, const AgentValues& next_values);
  // The max / double-Q bootstrap values V_v(o'_v) of learn(batch) (0 where o'_v allows no action:
  // nothing to bootstrap from). Valid until the next call.
  const AgentValues& max_next_values(const QBatch& batch);

  // The TD targets y of the last learn(): with a mixer the team's (head 0), else agent v's.
  const nn::Vector& last_targets(int v = 0) const { return targets_[static_cast<std::size_t>(v)]; }

  nn::Mlp& online(int v) { return online_[static_cast<std::size_t>(v)]; }
  const nn::Mlp& online(int v) const { return online_[static_cast<std::size_t>(v)]; }
  nn::Mlp& target(int v) { return target_[static_cast<std::size_t>(v)]; }
  const nn::Mlp& target(int v) const { return target_[static_cast<std::size_t>(v)]; }
  nn::Optimizer& optimizer(int v) { return optimizers_[static_cast<std::size_t>(v)]; }
  const nn::Optimizer& optimizer(int v) const { return optimizers_[static_cast<std::size_t>(v)]; }
  // The mixer and its target copy (null without a mixer).
  Mixer* mixer() { return mixer_.get(); }
  const Mixer* mixer() const { return mixer_.get(); }
  const Mixer* target_mixer() const { return target_mixer_.get(); }
  EpsilonSchedule& epsilon() { return epsilon_; }
  const EpsilonSchedule& epsilon() const { return epsilon_; }
  std::int64_t learn_steps() const { return learn_steps_; }
  void set_learn_steps(std::int64_t n) { learn_steps_ = n; }  // checkpoint restore

  // Checkpoints: section name() ("vdn", "qmix", "dqn"), u64 agents, per agent its online network,
  // target network and optimiser; with mixer networks the online then target mixer's, u64 and the
  // mixer's optimisers; epsilon; the learning-step count (the layout VDN, QMIX and VD-ERL's critic
  // have always written). load_state needs a learner built with the same sizes and mixer.
  void save_state(StateWriter& w) const;
  void load_state(StateReader& r);
  std::string_view name() const { return mixer_ ? mixer_->name() : "dqn"; }

 private:
  int obs_dim_ = 0, num_actions_ = 0;
  QLearningConfig config_;
  std::vector<nn::Mlp> online_, target_;
  std::vector<nn::Optimizer> optimizers_;
  std::unique_ptr<Mixer> mixer_, target_mixer_;
  std::vector<nn::Optimizer> mixer_optimizers_;
  EpsilonSchedule epsilon_;
  std::int64_t learn_steps_ = 0;
  // Workspaces, sized once.
  AgentValues next_values_, q_taken_, grad_q_;
  std::vector<nn::Vector> targets_;
  nn::Vector grad_q_tot_;
  Eigen::VectorXi next_actions_;
};

}  // namespace semra::rl
