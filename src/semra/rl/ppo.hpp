#pragma once
// PPO for cooperative multi-agent tasks: IPPO and MAPPO (docs/nn.md "rl: PPO").
//
// Papers and their symbols:
//   [PPO]   Schulman et al. 2017, "Proximal Policy Optimization Algorithms":
//           r_t(theta) = pi_theta(a_t|o_t) / pi_theta_old(a_t|o_t)                     (eq. 6)
//           L^CLIP = E_t[min(r_t A_t, clip(r_t, 1 - eps, 1 + eps) A_t)]                 (eq. 7)
//           L^{CLIP+VF+S} = E_t[L^CLIP - c_1 L^VF + c_2 S[pi_theta](o_t)]               (eq. 9)
//   [GAE]   Schulman et al. 2016, "High-Dimensional Continuous Control Using Generalized
//           Advantage Estimation": A_t = sum_l (gamma lambda)^l delta_{t+l},
//           delta_t = r_t + gamma V(s_{t+1}) - V(s_t)                                    (eq. 16)
//   [MAPPO] Yu et al. 2022, "The Surprising Effectiveness of PPO in Cooperative Multi-Agent Games":
//           separate actor and critic networks, the critic on the global state (MAPPO) or on the
//           agent's observation (IPPO), the clipped value loss
//           L(phi) = E[max((V_phi(s) - R)^2, (clip(V_phi(s), V_old - eps, V_old + eps) - R)^2)]
//           (Appendix A), value normalisation (Suggestion 1), few epochs and one minibatch
//           (Suggestion 3), parameter sharing. Defaults: PpoConfig::mappo(), docs/decisions.md.
//   [MASK]  Huang & Ontanon 2022, "A Closer Look at Invalid Action Masking in Policy Gradient
//           Algorithms": pi = softmax over the valid actions only; invalid ones get probability 0
//           and no gradient.
//
// Actors and critics are separate networks, so eq. (9) splits into an actor loss
// -(L^CLIP + c_2 S) and a critic loss c_1 L^VF, each with its own optimiser and gradient clipping
// (as the MAPPO authors' code does). The whole update reads top to bottom in PpoLearner::update
// (ppo.cpp); the loss pieces are the free functions below, gradient-checked in
// tests/rl/ppo_gradient_test.cpp.
#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/core/serialize.hpp"
#include "semra/nn/loss.hpp"
#include "semra/nn/mlp.hpp"
#include "semra/nn/optim.hpp"
#include "semra/nn/softmax.hpp"
#include "semra/nn/tensor.hpp"

namespace semra {
class VectorEnv;
}

namespace semra::rl {

// ---- Masked categorical policy [MASK] ----

// log pi(.|o) for one row of logits z over n actions (mask may be null = all valid):
//   log pi_j = z_j - m - log sum_{k valid} exp(z_k - m),  m = max_{k valid} z_k,
// and nn::kMaskedLogProb for invalid j. Returns false (and writes nothing) when no action is valid.
bool masked_log_softmax_row(const float* logits, const std::uint8_t* mask, int n, float* log_probs);
// a ~ pi(.|o) by the inverse CDF of one uniform draw over the valid actions (the last valid action
// absorbs rounding); *log_prob = log pi(a|o); workspace: n floats. Throws std::invalid_argument
// when no action is valid.
int sample_masked_categorical(const float* logits, const std::uint8_t* mask, int n, Rng& rng,
                              float* log_prob, float* workspace);
// argmax_a pi(a|o) over the valid actions (ties to the lowest index); -1 when none is valid.
int greedy_masked_categorical(const float* logits, const std::uint8_t* mask, int n);

// ---- Loss pieces ----

// Means over the rows that take part (weight 1) of the last policy / value loss evaluation.
struct PolicyLossStats {
  double loss = 0.0;           // -(1/W) sum_i w_i (L^CLIP_i + c_2 S_i)
  double entropy = 0.0;        // S = -sum_a pi log pi
  double approx_kl = 0.0;      // E[(r - 1) - log r], an unbiased estimator of KL(pi_old || pi)
  double clip_fraction = 0.0;  // fraction of rows with |r - 1| > eps
  double weight = 0.0;         // W = sum_i w_i
};

// ppo_policy_loss's row quantities, kept between calls so that a minibatch allocates nothing:
// log pi (masked entries nn::kMaskedLogProb), pi, the mask as 0/1 floats, and per row the max
// logit, the softmax denominator, the entropy, dL/dlog pi(a_i|o_i) and w_i / W.
struct PolicyLossWorkspace {
  nn::Matrix log_probs, probs, mask;
  nn::Vector row_max, row_sum, entropy, coef, scale;
};

// The actor's loss for a minibatch: eq. (7) plus the entropy bonus of eq. (9), negated (we
// minimise), averaged over the rows with weight w_i = 1 (rows with w_i = 0 take no part and may
// have an all-zero mask):
//   L_pi = -(1/W) sum_i w_i [min(r_i A_i, clip(r_i, 1 - eps, 1 + eps) A_i) + c_2 S_i],
//   r_i = exp(log pi(a_i|o_i) - log pi_old(a_i|o_i)),  W = sum_i w_i.
// Writes log pi into ws.log_probs and dL_pi/dlogits:
//   dL_pi/dz_ij = -(w_i / W) [g_i (1[j = a_i] - pi_ij) - c_2 pi_ij (log pi_ij + S_i)]
// over valid j (0 elsewhere), where g_i = r_i A_i when the unclipped term is the minimum and 0
// when the clipped one is (clip(r) is constant outside [1 - eps, 1 + eps]), and
// dS/dz_j = -pi_j (log pi_j + S). W = 0 gives loss 0 and a zero gradient.
PolicyLossStats ppo_policy_loss(const Eigen::Ref<const nn::Matrix>& logits,
                                const nn::MaskMatrix& masks,
                                const Eigen::Ref<const Eigen::VectorXi>& actions,
                                const Eigen::Ref<const nn::Vector>& old_log_probs,
                                const Eigen::Ref<const nn::Vector>& advantages,
                                const Eigen::Ref<const nn::Vector>& weights, float clip,
                                float entropy_coef, PolicyLossWorkspace& ws,
                                nn::Matrix& grad_logits);

// The critic's loss c_1 L^VF for a minibatch, averaged over the rows with weight 1. Without
// clipping (value_clip == 0), per row l(V_i - R_i); with clipping ([MAPPO] Appendix A, OpenAI
// baselines' ppo2), max(l(V_i - R_i), l(V^clip_i - R_i)) with
// V^clip = V_old + clip(V - V_old, -value_clip, value_clip), whose derivative in V is 1 inside
// the clip range and 0 outside. l(d) = d^2 / 2 (Mse) or Huber(delta) (d^2 / 2 for |d| <= delta,
// delta (|d| - delta / 2) beyond; [MAPPO]'s code uses Huber with delta 10). Writes dL/dV into
// grad. Returns the loss; W = 0 gives 0 and a zero gradient.
double ppo_value_loss(const Eigen::Ref<const nn::Vector>& values,
                      const Eigen::Ref<const nn::Vector>& old_values,
                      const Eigen::Ref<const nn::Vector>& returns,
                      const Eigen::Ref<const nn::Vector>& weights, float value_clip,
                      nn::LossKind kind, float huber_delta, float value_coef,
                      Eigen::Ref<nn::Vector> grad);

// GAE(gamma, lambda) [GAE] eq. (16) over a rollout of T steps, by the backward recursion
//   delta_t = r_t + gamma (1 - term_t) V_{t+1} - V_t
//   A_t     = delta_t + gamma lambda (1 - done_t) A_{t+1},   done_t = term_t or trunc_t
//   R_t     = A_t + V_t                                       (the critic's target)
// for C value columns; column c belongs to environment c / cols_per_env. Arrays are row-major:
// rewards, advantages, returns [T, C]; values [T + 1, C] (row T: the values after the last
// step); terminated, truncated, valid [T, E]. Episode ends follow the vector env's next-step
// autoreset (core/vector_env.hpp): after a step that ended an episode, the next row is the
// environment's reset step (valid 0: its action was ignored), and its recorded value is V of the
// ended episode's final observation. So a truncated episode bootstraps from V_{t+1} = V(final
// observation) (partial-episode bootstrapping, Pardo et al. 2018), a terminated one from 0, and
// the recursion never crosses an episode end. Rows with valid 0 get A = 0 and R = V.
void gae(int steps, int envs, int cols_per_env, const float* rewards, const float* values,
         const std::uint8_t* terminated, const std::uint8_t* truncated, const std::uint8_t* valid,
         float gamma, float lambda, float* advantages, float* returns);

// Running normalisation of the critic's targets ([MAPPO] Suggestion 1; the authors' ValueNorm):
// exponential moving averages of E[x] and E[x^2] with weight beta per update, debiased by the
// moving average of 1 (as Adam's bias correction), var = max(E[x^2] - E[x]^2, 1e-2). The critic
// learns normalize(R) and its outputs are denormalised before GAE.
class ValueNormalizer {
 public:
  explicit ValueNormalizer(double beta = 0.99999) : beta_(beta) {}
  // One update with the weighted batch mean of x and x^2 (rows with w = 0 ignored); no-op if W = 0.
  void update(const float* x, const float* w, std::size_t n);
  double mean() const;
  double stddev() const;
  float normalize(float x) const { return static_cast<float>((x - mean()) / stddev()); }
  float denormalize(float x) const { return static_cast<float>(x * stddev() + mean()); }
  void save_state(StateWriter& w) const;
  void load_state(StateReader& r);

 private:
  double beta_;
  double mean_ = 0.0, mean_sq_ = 0.0, debias_ = 0.0;
};

// ---- IPPO / MAPPO ----

// What the critic sees: IPPO's own observation o_a, MAPPO's global state s, or MAPPO's
// "agent-specific global state" [s, o_a] ([MAPPO] Suggestion 2).
enum class PpoCriticInput : std::uint8_t { Local = 0, State = 1, StateAndLocal = 2 };
// Each agent's reward: the team's (the sum of the agents' rewards, as the value-decomposition
// learners' team reward), or the agent's own.
enum class PpoReward : std::uint8_t { Team = 0, Own = 1 };

std::string_view to_string(PpoCriticInput c);
std::string_view to_string(PpoReward r);

struct PpoConfig {
  PpoCriticInput critic_input = PpoCriticInput::State;
  PpoReward reward = PpoReward::Team;
  // One actor (and one critic) for all agents, trained on every agent's samples; otherwise one per
  // agent. A critic on the state alone with the team reward is one network either way: V(s).
  bool share_parameters = true;
  // Appends the agent's one-hot id to every network input (needs share_parameters).
  bool agent_id = false;
  int rollout_steps = 200;  // T: environment steps per environment between updates
  int epochs = 15;
  // Must divide T x envs. Each epoch shuffles the samples into minibatches; one minibatch (the
  // MAPPO default) takes the rollout as it is, without shuffling (order only rounds differently).
  int num_minibatches = 1;
  float gamma = 0.99f;
  float gae_lambda = 0.95f;
  float clip = 0.2f;            // eps of eq. (7)
  float value_clip = 0.2f;      // 0 = no value clipping
  float entropy_coef = 0.01f;   // c_2
  float value_coef = 1.0f;      // c_1
  float max_grad_norm = 10.0f;  // per network; 0 = off
  bool normalize_advantages = true;
  bool value_normalization = true;
  nn::LossKind value_loss = nn::LossKind::Huber;
  float huber_delta = 10.0f;
  std::vector<int> actor_hidden = {64, 64};
  std::vector<int> critic_hidden = {64, 64};
  nn::Activation activation = nn::Activation::Relu;
  nn::OptimizerConfig actor_optimizer = adam_eps(5e-4f);
  nn::OptimizerConfig critic_optimizer = adam_eps(5e-4f);
  // Orthogonal weights (nn/init.hpp), gain sqrt(2) in hidden layers, actor_output_gain on the
  // actor's output layer, 1 on the critic's, zero biases; false: nn::Mlp's PyTorch default.
  bool orthogonal_init = true;
  float actor_output_gain = 0.01f;

  // MAPPO: centralised critic on the state, shared parameters, the defaults above.
  static PpoConfig mappo();
  // IPPO: each agent's critic on its own observation, otherwise as MAPPO.
  static PpoConfig ippo();
  // Throws semra::InputError naming the first bad field as "<section>.<field>".
  void validate(std::string_view section = "ppo") const;

 private:
  static nn::OptimizerConfig adam_eps(float lr) {
    nn::OptimizerConfig c = nn::OptimizerConfig::adam(lr);
    c.eps = 1e-5f;
    return c;
  }
};

// The learner's view of the environments: E copies of A agents with padded observation and action
// sizes, as core/vector_env.hpp lays them out.
struct PpoDims {
  int envs = 1;
  int agents = 1;
  int obs_dim = 1;      // D (padded to the largest agent's)
  int num_actions = 1;  // N (padded; padded actions are masked)
  int state_dim = 0;    // S; needed by a critic on the state
  static PpoDims of(const VectorEnv& venv);
};

struct PpoStats {
  double policy_loss = 0.0, value_loss = 0.0, entropy = 0.0, approx_kl = 0.0, clip_fraction = 0.0;
  int gradient_steps = 0;  // minibatch steps of one network (averaged over)
};

// Collects a rollout of T steps from E environments and runs the PPO update on it. Per step, with
// a core::VectorEnv `venv` (buffers [E, A, ...]):
//   venv.state(states);                                   // a critic on the state only
//   ppo.act(venv.obs(), venv.masks(), venv.acts(), states, rng, actions);
//   venv.step(actions);
//   ppo.observe(venv.rewards(), venv.terminations(), venv.truncations());
//   if (ppo.rollout_full()) { venv.state(states); ppo.update(venv.obs(), states, rng); }
// The environments must autoreset in the vector env's next-step mode (see gae()); after resetting
// them explicitly (venv.reset), call environments_reset(). act(), observe() and update() allocate
// nothing after the first update; all randomness comes from the passed streams
// (act: one uniform per acting agent; update: the minibatch shuffles), so results do not depend
// on the vector env's thread count.
class PpoLearner {
 public:
  PpoLearner(const PpoDims& dims, const PpoConfig& config, Rng& init_rng);

  const PpoDims& dims() const { return dims_; }
  const PpoConfig& config() const { return config_; }
  // Actor/critic networks: one shared or one per agent; critic(0) is V(s) when value_per_env().
  int num_actors() const { return static_cast<int>(actors_.size()); }
  int num_critics() const { return static_cast<int>(critics_.size()); }
  nn::Mlp& actor(int k) { return actors_[static_cast<std::size_t>(k)].net; }
  nn::Mlp& critic(int k) { return critics_[static_cast<std::size_t>(k)].net; }
  const nn::Mlp& actor(int k) const { return actors_[static_cast<std::size_t>(k)].net; }
  const nn::Mlp& critic(int k) const { return critics_[static_cast<std::size_t>(k)].net; }
  // After actor(k) / critic(k) were loaded from files (eval.load): act with them.
  void networks_loaded();
  // One value per environment step (a critic on the state alone, team reward, no agent id).
  bool value_per_env() const { return per_env_; }
  const ValueNormalizer& value_normalizer() const { return value_norm_; }

  // Rollout step t: obs [E, A, D], masks [E, A, N] (null: all valid), acts [E, A] (null: every
  // agent acts; an agent that does not act takes no part in the policy loss), states [E, S] (null
  // unless the critic reads the state). Samples a ~ pi(.|o) for every acting agent of every
  // environment that is not resetting (no draw otherwise; such entries get the greedy action, which
  // the vector env ignores) into actions [E, A], and records the step.
  void act(const float* obs, const std::uint8_t* masks, const std::uint8_t* acts,
           const float* states, Rng& rng, int* actions);
  // The step's outcome: rewards [E, A], terminated [E], truncated [E].
  void observe(const float* rewards, const std::uint8_t* terminated, const std::uint8_t* truncated);
  // The caller reset every environment (venv.reset()): the next step is no autoreset step.
  void environments_reset() { std::fill(needs_reset_.begin(), needs_reset_.end(), 0); }
  int rollout_step() const { return step_; }
  bool rollout_full() const { return step_ == config_.rollout_steps; }
  // The PPO update on the full rollout, given the observations (and states) after its last step
  // for the bootstrap value; then a new rollout starts. Returns the means over the minibatch steps.
  PpoStats update(const float* obs, const float* states, Rng& rng);
  std::int64_t updates() const { return updates_; }
  const PpoStats& last_stats() const { return last_stats_; }

  // Decentralised execution, one agent (obs: D floats, mask: N, may be null): argmax pi, or a
  // sample. Neither touches the rollout.
  int greedy_action(int agent, const float* obs, const std::uint8_t* mask);
  int sample_action(int agent, const float* obs, const std::uint8_t* mask, Rng& rng);

  // Checkpoints, between steps or between act and observe (a decision rewarded steps later):
  // networks, optimisers, the value normaliser, the rollout so far and the autoreset flags.
  // load_state needs a learner built with the same dims and config; another shape throws
  // semra::InputError.
  void save_state(StateWriter& w) const;
  void load_state(StateReader& r);

 private:
  // One network and its data: agents [first, first + agents) of every environment; its sample for
  // (t, e, a) is row (t E + e) agents + (a - first) of `inputs`.
  struct Group {
    int first = 0, agents = 1;
    nn::Mlp net;     // trained
    nn::Mlp acting;  // a copy for acting on E x agents rows (keeps each network's workspaces fixed)
    nn::Optimizer opt;
    nn::Matrix inputs;       // [T E agents, in_dim]
    nn::Matrix boot_inputs;  // [E agents, in_dim]: the critic's inputs after the last step
  };
  void fill_actor_inputs(Group& g, nn::Matrix& dst, Eigen::Index row0, const float* obs) const;
  void fill_critic_inputs(Group& g, nn::Matrix& dst, Eigen::Index row0, const float* obs,
                          const float* states) const;
  void critic_values(Group& g, const nn::Matrix& src, Eigen::Index row0, float* values_row);
  void shuffle(std::vector<int>& perm, Rng& rng) const;
  const float* one_logits(int agent, const float* obs);  // the acting actor's logits, one sample
  void actor_step(Group& g, const std::vector<int>& perm, int mb, PpoStats& stats);
  void critic_step(Group& g, const std::vector<int>& perm, int mb, PpoStats& stats);

  PpoDims dims_;
  PpoConfig config_;
  bool per_env_ = false;  // value_per_env()
  int value_cols_ = 1;    // value columns per environment: 1 (per_env_) or A
  int actor_in_ = 0, critic_in_ = 0;
  std::vector<Group> actors_, critics_;
  ValueNormalizer value_norm_;
  int step_ = 0;
  bool acted_ = false;  // act() done, observe() pending
  std::int64_t updates_ = 0;
  PpoStats last_stats_;
  std::vector<std::uint8_t> needs_reset_;  // [E]: the next step resets this environment

  // The rollout ([T, E, A] unless noted).
  std::vector<int> actions_;
  std::vector<float> log_probs_, policy_weights_;  // policy_weights: 1 = valid step and acting
  std::vector<std::uint8_t> masks_;                // [T, E, A, N]
  std::vector<float> values_;                      // [T + 1, E, value_cols] (normalised units)
  std::vector<float> rewards_;                     // [T, E, value_cols]
  std::vector<std::uint8_t> terminated_, truncated_, valid_;  // [T, E]

  // Update workspaces.
  std::vector<float> raw_values_, advantages_, returns_, targets_;  // [T (+1), E, value_cols]
  std::vector<float> value_weights_;                                // [T, E, value_cols]
  std::vector<float> actor_advantages_;                             // [T, E, A], normalised
  std::vector<int> actor_perm_, critic_perm_;
  nn::Matrix mb_actor_in_, mb_critic_in_, grad_logits_;
  PolicyLossWorkspace policy_ws_;
  nn::MaskMatrix mb_masks_;
  Eigen::VectorXi mb_actions_;
  nn::Vector mb_old_log_probs_, mb_advantages_, mb_policy_weights_;
  nn::Vector mb_values_, mb_old_values_, mb_targets_, mb_value_weights_, mb_value_grad_;
  std::vector<float> row_log_probs_;  // [N]
  std::vector<float> one_input_;      // [actor in_dim]
};

}  // namespace semra::rl
