#include "semra/rl/ppo.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "semra/core/error.hpp"
#include "semra/core/vector_env.hpp"
#include "semra/nn/init.hpp"
#include "semra/nn/softmax.hpp"

namespace semra::rl {

// ---- Masked categorical policy ----

namespace {
// e_j = exp(z_j - m) for valid j (0 for invalid), m = max of the valid z; returns m and sum_j e_j
// (sum >= 1: the maximum contributes exp(0)). Returns false when no action is valid.
bool softmax_parts(const float* logits, const std::uint8_t* mask, int n, float* e, float& m,
                   float& sum) {
  m = -std::numeric_limits<float>::infinity();
  bool any = false;
  for (int j = 0; j < n; ++j)
    if (mask == nullptr || mask[j]) {
      any = true;
      m = std::max(m, logits[j]);
    }
  if (!any) return false;
  sum = 0.0f;
  for (int j = 0; j < n; ++j) {
    e[j] = (mask == nullptr || mask[j]) ? std::exp(logits[j] - m) : 0.0f;
    sum += e[j];
  }
  return true;
}
}  // namespace

bool masked_log_softmax_row(const float* logits, const std::uint8_t* mask, int n,
                            float* log_probs) {
  float m = 0.0f, sum = 0.0f;
  if (!softmax_parts(logits, mask, n, log_probs, m, sum)) return false;
  const float lse = m + std::log(sum);
  for (int j = 0; j < n; ++j)
    log_probs[j] = (mask == nullptr || mask[j]) ? logits[j] - lse : nn::kMaskedLogProb;
  return true;
}

int sample_masked_categorical(const float* logits, const std::uint8_t* mask, int n, Rng& rng,
                              float* log_prob, float* workspace) {
  float m = 0.0f, sum = 0.0f;
  if (!softmax_parts(logits, mask, n, workspace, m, sum))
    throw std::invalid_argument("sample_masked_categorical: the action mask allows no action");
  // Inverse CDF: the first a with u sum < e_0 + ... + e_a; the last valid action absorbs rounding.
  const double u = rng.uniform() * static_cast<double>(sum);
  double cum = 0.0;
  int last = -1;
  for (int j = 0; j < n; ++j) {
    if (mask != nullptr && !mask[j]) continue;
    last = j;
    cum += workspace[j];
    if (u < cum) break;
  }
  *log_prob = logits[last] - (m + std::log(sum));
  return last;
}

int greedy_masked_categorical(const float* logits, const std::uint8_t* mask, int n) {
  int best = -1;
  for (int j = 0; j < n; ++j)
    if ((mask == nullptr || mask[j]) && (best < 0 || logits[j] > logits[best])) best = j;
  return best;
}

// ---- Loss pieces ----

// Row-wise over the minibatch with Eigen's vectorised exp and log (one exp per entry):
//   m_i = max_{j valid} z_ij,  e_ij = exp(z_ij - m_i) [j valid],  s_i = sum_j e_ij,
//   log pi_ij = z_ij - m_i - log s_i,  pi_ij = e_ij / s_i,  S_i = -sum_j pi_ij log pi_ij,
// then per row the ratio and the clipped surrogate (eqs. 6-7), and
//   dL/dz_ij = (w_i / W) [pi_ij (g_i + c_2 (log pi_ij + S_i)) - g_i 1[j = a_i]]
// (the header's formula, rearranged).
PolicyLossStats ppo_policy_loss(const Eigen::Ref<const nn::Matrix>& logits,
                                const nn::MaskMatrix& masks,
                                const Eigen::Ref<const Eigen::VectorXi>& actions,
                                const Eigen::Ref<const nn::Vector>& old_log_probs,
                                const Eigen::Ref<const nn::Vector>& advantages,
                                const Eigen::Ref<const nn::Vector>& weights, float clip,
                                float entropy_coef, PolicyLossWorkspace& ws,
                                nn::Matrix& grad_logits) {
  const Eigen::Index n = logits.rows(), na = logits.cols();
  if (masks.rows() != n || masks.cols() != na || actions.size() != n || old_log_probs.size() != n ||
      advantages.size() != n || weights.size() != n)
    throw std::invalid_argument("ppo_policy_loss: shapes differ");
  // No-ops after the first call with this shape.
  ws.log_probs.resize(n, na);
  ws.probs.resize(n, na);
  ws.mask.resize(n, na);
  ws.row_max.resize(n);
  ws.row_sum.resize(n);
  ws.entropy.resize(n);
  ws.coef.resize(n);
  ws.scale.resize(n);
  grad_logits.resize(n, na);
  PolicyLossStats s;
  s.weight = weights.cast<double>().sum();
  if (s.weight <= 0.0) {
    grad_logits.setZero();
    ws.log_probs.setZero();
    return s;
  }
  // Branch-free and in place, so that Eigen vectorises every pass (a select on the uint8 mask
  // or a broadcast of a vector expression would not, or would evaluate on the heap): invalid
  // entries are pushed to -1e30 for the max and multiplied by 0 after the exp.
  ws.mask = masks.cast<float>();
  ws.probs = logits;
  ws.probs.array() += (ws.mask.array() - 1.0f) * 1e30f;
  ws.row_max = ws.probs.rowwise().maxCoeff();
  for (Eigen::Index i = 0; i < n; ++i)
    if (ws.row_max[i] < -1e29f) {  // no valid action: only rows that take no part may
      if (weights[i] != 0.0f)
        throw std::invalid_argument("ppo_policy_loss: row " + std::to_string(i) +
                                    " takes part but its mask allows no action");
      ws.row_max[i] = 0.0f;
    }
  ws.probs = logits;
  ws.probs.array().colwise() -= ws.row_max.array();
  ws.probs.array() = ws.probs.array().exp() * ws.mask.array();
  ws.row_sum = ws.probs.rowwise().sum();
  ws.row_sum = (ws.row_sum.array() > 0.0f).select(ws.row_sum, 1.0f);
  ws.row_max.array() += ws.row_sum.array().log();  // now log sum_j exp(z_ij)
  ws.log_probs = logits;
  ws.log_probs.array().colwise() -= ws.row_max.array();
  ws.probs.array().colwise() /= ws.row_sum.array();
  ws.entropy = -(ws.probs.array() * ws.log_probs.array()).rowwise().sum();

  const float inv_w = static_cast<float>(1.0 / s.weight);
  double objective = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    ws.coef[i] = 0.0f;
    ws.scale[i] = weights[i] * inv_w;
    if (weights[i] == 0.0f) continue;
    const int a = actions[i];
    if (a < 0 || a >= na || !masks(i, a))
      throw std::invalid_argument("ppo_policy_loss: row " + std::to_string(i) +
                                  ": the taken action is not valid under its mask");
    // r = pi / pi_old (eq. 6) and the clipped surrogate (eq. 7); g = d min(.)/d log pi(a|o).
    const float log_ratio = ws.log_probs(i, a) - old_log_probs[i];
    const float ratio = std::exp(log_ratio);
    const float adv = advantages[i];
    const float surr1 = ratio * adv;
    const float surr2 = std::clamp(ratio, 1.0f - clip, 1.0f + clip) * adv;
    ws.coef[i] = surr1 <= surr2 ? surr1 : 0.0f;
    const double w = weights[i], h = ws.entropy[i];
    objective += w * (std::min(surr1, surr2) + static_cast<double>(entropy_coef) * h);
    s.entropy += w * h;
    s.approx_kl += w * ((static_cast<double>(ratio) - 1.0) - log_ratio);
    s.clip_fraction += std::abs(ratio - 1.0f) > clip ? w : 0.0;
  }
  grad_logits = ws.log_probs;
  grad_logits.array().colwise() += ws.entropy.array();
  grad_logits.array() *= entropy_coef;
  grad_logits.array().colwise() += ws.coef.array();
  grad_logits.array() *= ws.probs.array();
  grad_logits.array().colwise() *= ws.scale.array();
  for (Eigen::Index i = 0; i < n; ++i)
    if (weights[i] != 0.0f) grad_logits(i, actions[i]) -= ws.scale[i] * ws.coef[i];
  ws.log_probs.array() =
      ws.log_probs.array() * ws.mask.array() + (1.0f - ws.mask.array()) * nn::kMaskedLogProb;
  s.loss = -objective / s.weight;
  s.entropy /= s.weight;
  s.approx_kl /= s.weight;
  s.clip_fraction /= s.weight;
  return s;
}

namespace {
// l(d) and l'(d) of the value loss.
struct LossPoint {
  double value;
  float slope;
};
LossPoint value_loss_at(float d, nn::LossKind kind, float delta) {
  if (kind == nn::LossKind::Huber && std::abs(d) > delta)
    return {static_cast<double>(delta) * (std::abs(d) - 0.5 * delta), d > 0 ? delta : -delta};
  return {0.5 * static_cast<double>(d) * d, d};
}
}  // namespace

double ppo_value_loss(const Eigen::Ref<const nn::Vector>& values,
                      const Eigen::Ref<const nn::Vector>& old_values,
                      const Eigen::Ref<const nn::Vector>& returns,
                      const Eigen::Ref<const nn::Vector>& weights, float value_clip,
                      nn::LossKind kind, float huber_delta, float value_coef,
                      Eigen::Ref<nn::Vector> grad) {
  const Eigen::Index n = values.size();
  if (old_values.size() != n || returns.size() != n || weights.size() != n || grad.size() != n)
    throw std::invalid_argument("ppo_value_loss: shapes differ");
  const double total = weights.cast<double>().sum();
  if (total <= 0.0) {
    grad.setZero();
    return 0.0;
  }
  const float scale = static_cast<float>(value_coef / total);
  double loss = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    if (weights[i] == 0.0f) {
      grad[i] = 0.0f;
      continue;
    }
    const LossPoint plain = value_loss_at(values[i] - returns[i], kind, huber_delta);
    LossPoint l = plain;
    if (value_clip > 0.0f) {
      // V^clip = V_old + clip(V - V_old, -c, c): equal to V inside the range (so the max picks
      // the plain term), constant outside (no gradient when the clipped term is the max).
      const float dv = values[i] - old_values[i];
      const float v_clip = old_values[i] + std::clamp(dv, -value_clip, value_clip);
      const LossPoint clipped = value_loss_at(v_clip - returns[i], kind, huber_delta);
      if (clipped.value > plain.value) l = {clipped.value, 0.0f};
    }
    loss += weights[i] * l.value;
    grad[i] = scale * weights[i] * l.slope;
  }
  return value_coef * loss / total;
}

void gae(int steps, int envs, int cols_per_env, const float* rewards, const float* values,
         const std::uint8_t* terminated, const std::uint8_t* truncated, const std::uint8_t* valid,
         float gamma, float lambda, float* advantages, float* returns) {
  const std::size_t C = static_cast<std::size_t>(envs) * static_cast<std::size_t>(cols_per_env);
  for (std::size_t c = 0; c < C; ++c) {
    const std::size_t e = c / static_cast<std::size_t>(cols_per_env);
    float next_advantage = 0.0f;  // A_{t+1}
    for (int t = steps; t-- > 0;) {
      const std::size_t te = static_cast<std::size_t>(t) * static_cast<std::size_t>(envs) + e;
      const std::size_t i = static_cast<std::size_t>(t) * C + c;
      if (!valid[te]) {  // a reset step: its action was ignored; the previous step ended an episode
        advantages[i] = 0.0f;
        returns[i] = values[i];
        next_advantage = 0.0f;
        continue;
      }
      const float not_terminal = terminated[te] ? 0.0f : 1.0f;
      const float not_done = (terminated[te] || truncated[te]) ? 0.0f : 1.0f;
      const float delta = rewards[i] + gamma * not_terminal * values[i + C] - values[i];
      next_advantage = delta + gamma * lambda * not_done * next_advantage;
      advantages[i] = next_advantage;
      returns[i] = next_advantage + values[i];
    }
  }
}

void ValueNormalizer::update(const float* x, const float* w, std::size_t n) {
  double total = 0.0, sum = 0.0, sum_sq = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    if (w[i] == 0.0f) continue;
    total += w[i];
    sum += static_cast<double>(w[i]) * x[i];
    sum_sq += static_cast<double>(w[i]) * x[i] * x[i];
  }
  if (total <= 0.0) return;
  mean_ = beta_ * mean_ + (1.0 - beta_) * (sum / total);
  mean_sq_ = beta_ * mean_sq_ + (1.0 - beta_) * (sum_sq / total);
  debias_ = beta_ * debias_ + (1.0 - beta_);
}

double ValueNormalizer::mean() const {
  return mean_ / std::max(debias_, 1e-5);
}

double ValueNormalizer::stddev() const {
  const double m = mean();
  return std::sqrt(std::max(mean_sq_ / std::max(debias_, 1e-5) - m * m, 1e-2));
}

void ValueNormalizer::save_state(StateWriter& w) const {
  w.tag("value-norm");
  w.f64(beta_);
  w.f64(mean_);
  w.f64(mean_sq_);
  w.f64(debias_);
}

void ValueNormalizer::load_state(StateReader& r) {
  r.expect_tag("value-norm");
  beta_ = r.f64();
  mean_ = r.f64();
  mean_sq_ = r.f64();
  debias_ = r.f64();
}

// ---- Configuration ----

std::string_view to_string(PpoCriticInput c) {
  switch (c) {
    case PpoCriticInput::Local:
      return "local";
    case PpoCriticInput::State:
      return "state";
    case PpoCriticInput::StateAndLocal:
      return "state_and_local";
  }
  return "?";
}

std::string_view to_string(PpoReward r) {
  return r == PpoReward::Team ? "team" : "own";
}

PpoConfig PpoConfig::mappo() {
  return PpoConfig{};
}

PpoConfig PpoConfig::ippo() {
  PpoConfig c;
  c.critic_input = PpoCriticInput::Local;
  return c;
}

void PpoConfig::validate(std::string_view section) const {
  const std::string s(section);
  auto bad = [&](const std::string& key, const std::string& expected) {
    throw InputError(s + "." + key + ": expected " + expected);
  };
  auto positive_sizes = [](const std::vector<int>& h) {
    return !h.empty() && std::all_of(h.begin(), h.end(), [](int x) { return x > 0; });
  };
  if (rollout_steps < 1) bad("rollout_steps", "at least 1");
  if (epochs < 1) bad("epochs", "at least 1");
  if (num_minibatches < 1) bad("num_minibatches", "at least 1");
  if (!(gamma >= 0.0f && gamma <= 1.0f)) bad("gamma", "a value in [0, 1]");
  if (!(gae_lambda >= 0.0f && gae_lambda <= 1.0f)) bad("gae_lambda", "a value in [0, 1]");
  if (!(clip > 0.0f && clip < 1.0f)) bad("clip", "a value in (0, 1)");
  if (!(value_clip >= 0.0f)) bad("value_clip", "a non-negative value (0 = off)");
  if (!(entropy_coef >= 0.0f)) bad("entropy_coef", "a non-negative value");
  if (!(value_coef > 0.0f)) bad("value_coef", "a positive value");
  if (!(max_grad_norm >= 0.0f)) bad("max_grad_norm", "a non-negative value (0 = off)");
  if (!(huber_delta > 0.0f)) bad("huber_delta", "a positive value");
  if (!positive_sizes(actor_hidden)) bad("actor_hidden", "at least one positive layer size");
  if (!positive_sizes(critic_hidden)) bad("critic_hidden", "at least one positive layer size");
  if (!(actor_optimizer.lr > 0.0f)) bad("actor_lr", "a positive learning rate");
  if (!(critic_optimizer.lr > 0.0f)) bad("critic_lr", "a positive learning rate");
  if (!(actor_output_gain > 0.0f)) bad("actor_output_gain", "a positive value");
  if (agent_id && !share_parameters)
    bad("agent_id", "false without share_parameters (one network per agent needs no id)");
}

PpoDims PpoDims::of(const VectorEnv& venv) {
  return {venv.num_envs(), venv.num_agents(), venv.obs_dim(), venv.num_actions(), venv.state_dim()};
}

// ---- The learner ----

PpoLearner::PpoLearner(const PpoDims& dims, const PpoConfig& config, Rng& init_rng)
    : dims_(dims), config_(config) {
  config_.validate();
  const int E = dims.envs, A = dims.agents, D = dims.obs_dim, N = dims.num_actions,
            S = dims.state_dim, T = config_.rollout_steps;
  if (E < 1 || A < 1 || D < 1 || N < 1 || S < 0)
    throw std::invalid_argument("PpoLearner: envs, agents, obs_dim and num_actions must be >= 1");
  const bool reads_state = config_.critic_input != PpoCriticInput::Local;
  if (reads_state && S < 1)
    throw InputError("ppo.critic_input: '" + std::string(to_string(config_.critic_input)) +
                     "' needs an environment with a global state (its state_dim is 0)");
  per_env_ = config_.critic_input == PpoCriticInput::State && config_.reward == PpoReward::Team &&
             !config_.agent_id;
  if (config_.critic_input == PpoCriticInput::State && config_.reward == PpoReward::Own &&
      config_.share_parameters && !config_.agent_id && A > 1)
    throw InputError(
        "ppo.reward: 'own' with one shared critic on the state alone cannot tell the agents "
        "apart; expected reward 'team', agent_id, or critic_input 'state_and_local'");
  if ((static_cast<long long>(T) * E) % config_.num_minibatches != 0)
    throw InputError("ppo.num_minibatches: expected a divisor of rollout_steps x envs = " +
                     std::to_string(static_cast<long long>(T) * E));
  value_cols_ = per_env_ ? 1 : A;

  const int id_cols = config_.agent_id ? A : 0;
  actor_in_ = D + id_cols;
  critic_in_ = per_env_ ? S
                        : (config_.critic_input == PpoCriticInput::Local   ? D
                           : config_.critic_input == PpoCriticInput::State ? S
                                                                           : S + D) +
                              id_cols;

  // Networks: one shared or one per agent; a per-environment critic is one network V(s).
  auto make_groups = [&](bool shared, bool per_env) {
    std::vector<Group> groups;
    if (per_env)
      groups.push_back(Group{0, 1, {}, {}, {}, {}, {}});
    else if (shared)
      groups.push_back(Group{0, A, {}, {}, {}, {}, {}});
    else
      for (int a = 0; a < A; ++a) groups.push_back(Group{a, 1, {}, {}, {}, {}, {}});
    return groups;
  };
  actors_ = make_groups(config_.share_parameters, false);
  critics_ = make_groups(config_.share_parameters, per_env_);
  auto build = [&](Group& g, int in, const std::vector<int>& hidden, int out,
                   const nn::OptimizerConfig& opt, double output_gain, Rng rng, bool id) {
    std::vector<int> sizes{in};
    sizes.insert(sizes.end(), hidden.begin(), hidden.end());
    sizes.push_back(out);
    if (config_.orthogonal_init) {
      g.net = nn::Mlp(sizes, config_.activation, nn::Activation::Identity);
      nn::orthogonal_init(g.net, rng, std::sqrt(2.0), output_gain);
    } else {
      g.net = nn::Mlp(sizes, config_.activation, nn::Activation::Identity, rng);
    }
    g.acting = g.net;
    g.opt = nn::Optimizer(opt, g.net.params().size());
    const Eigen::Index rows = static_cast<Eigen::Index>(T) * E * g.agents;
    g.inputs = nn::Matrix::Zero(rows, in);
    g.boot_inputs = nn::Matrix::Zero(static_cast<Eigen::Index>(E) * g.agents, in);
    if (id) {  // the one-hot id columns never change
      for (Eigen::Index r = 0; r < rows; ++r) g.inputs(r, in - A + g.first + r % g.agents) = 1.0f;
      for (Eigen::Index r = 0; r < g.boot_inputs.rows(); ++r)
        g.boot_inputs(r, in - A + g.first + r % g.agents) = 1.0f;
    }
  };
  for (std::size_t k = 0; k < actors_.size(); ++k)
    build(actors_[k], actor_in_, config_.actor_hidden, N, config_.actor_optimizer,
          config_.actor_output_gain, init_rng.child("actor", k), config_.agent_id);
  for (std::size_t k = 0; k < critics_.size(); ++k)
    build(critics_[k], critic_in_, config_.critic_hidden, 1, config_.critic_optimizer, 1.0,
          init_rng.child("critic", k), config_.agent_id && !per_env_);

  const std::size_t TE = static_cast<std::size_t>(T) * static_cast<std::size_t>(E);
  const std::size_t TEA = TE * static_cast<std::size_t>(A);
  const std::size_t TEV = TE * static_cast<std::size_t>(value_cols_);
  needs_reset_.assign(static_cast<std::size_t>(E), 0);
  actions_.assign(TEA, 0);
  log_probs_.assign(TEA, 0.0f);
  policy_weights_.assign(TEA, 0.0f);
  masks_.assign(TEA * static_cast<std::size_t>(N), 0);
  values_.assign(TEV + static_cast<std::size_t>(E) * static_cast<std::size_t>(value_cols_), 0.0f);
  rewards_.assign(TEV, 0.0f);
  terminated_.assign(TE, 0);
  truncated_.assign(TE, 0);
  valid_.assign(TE, 0);
  raw_values_.assign(values_.size(), 0.0f);
  advantages_.assign(TEV, 0.0f);
  returns_.assign(TEV, 0.0f);
  targets_.assign(TEV, 0.0f);
  value_weights_.assign(TEV, 0.0f);
  actor_advantages_.assign(TEA, 0.0f);
  actor_perm_.resize(TE * static_cast<std::size_t>(actors_.front().agents));
  critic_perm_.resize(TE * static_cast<std::size_t>(critics_.front().agents));
  const auto mb_actor = static_cast<Eigen::Index>(actor_perm_.size()) / config_.num_minibatches;
  const auto mb_critic = static_cast<Eigen::Index>(critic_perm_.size()) / config_.num_minibatches;
  const bool gather = config_.num_minibatches > 1;  // else the steps read the rollout in place
  mb_actor_in_.resize(gather ? mb_actor : 0, actor_in_);
  mb_masks_.resize(mb_actor, N);
  mb_actions_.resize(mb_actor);
  mb_old_log_probs_.resize(mb_actor);
  mb_advantages_.resize(mb_actor);
  mb_policy_weights_.resize(mb_actor);
  grad_logits_.resize(mb_actor, N);
  mb_critic_in_.resize(gather ? mb_critic : 0, critic_in_);
  mb_values_.resize(mb_critic);
  mb_old_values_.resize(mb_critic);
  mb_targets_.resize(mb_critic);
  mb_value_weights_.resize(mb_critic);
  mb_value_grad_.resize(mb_critic);
  row_log_probs_.assign(static_cast<std::size_t>(N), 0.0f);
  one_input_.assign(static_cast<std::size_t>(actor_in_), 0.0f);
}

// Rows row0 + e * agents + j hold agent first + j of environment e.
void PpoLearner::fill_actor_inputs(Group& g, nn::Matrix& dst, Eigen::Index row0,
                                   const float* obs) const {
  const int D = dims_.obs_dim, A = dims_.agents;
  for (int e = 0; e < dims_.envs; ++e)
    for (int j = 0; j < g.agents; ++j) {
      const std::size_t ea =
          static_cast<std::size_t>(e) * A + static_cast<std::size_t>(g.first + j);
      std::copy_n(obs + ea * D, D, &dst(row0 + static_cast<Eigen::Index>(e) * g.agents + j, 0));
    }
}

void PpoLearner::fill_critic_inputs(Group& g, nn::Matrix& dst, Eigen::Index row0, const float* obs,
                                    const float* states) const {
  const int D = dims_.obs_dim, A = dims_.agents, S = dims_.state_dim;
  const PpoCriticInput in = per_env_ ? PpoCriticInput::State : config_.critic_input;
  if (in != PpoCriticInput::Local && states == nullptr)
    throw std::invalid_argument("PpoLearner: the critic reads the state, but no states were given");
  for (int e = 0; e < dims_.envs; ++e)
    for (int j = 0; j < g.agents; ++j) {
      float* row = &dst(row0 + static_cast<Eigen::Index>(e) * g.agents + j, 0);
      const float* o =
          obs + (static_cast<std::size_t>(e) * A + static_cast<std::size_t>(g.first + j)) * D;
      const float* s =
          in == PpoCriticInput::Local ? nullptr : states + static_cast<std::size_t>(e) * S;
      if (in == PpoCriticInput::Local) {
        std::copy_n(o, D, row);
      } else {
        std::copy_n(s, S, row);
        if (in == PpoCriticInput::StateAndLocal) std::copy_n(o, D, row + S);
      }
    }
}

// V of the E x agents rows of `src` from row0 on, written into one step's value row [E, cols].
void PpoLearner::critic_values(Group& g, const nn::Matrix& src, Eigen::Index row0,
                               float* values_row) {
  const Eigen::Index rows = static_cast<Eigen::Index>(dims_.envs) * g.agents;
  const nn::Matrix& v = g.acting.forward(src.middleRows(row0, rows));
  for (int e = 0; e < dims_.envs; ++e)
    for (int j = 0; j < g.agents; ++j)
      values_row[static_cast<std::size_t>(e) * value_cols_ +
                 static_cast<std::size_t>(per_env_ ? 0 : g.first + j)] =
          v(static_cast<Eigen::Index>(e) * g.agents + j, 0);
}

void PpoLearner::act(const float* obs, const std::uint8_t* masks, const std::uint8_t* acts,
                     const float* states, Rng& rng, int* actions) {
  if (acted_) throw std::logic_error("PpoLearner::act: observe() the previous step first");
  if (rollout_full()) throw std::logic_error("PpoLearner::act: the rollout is full; update()");
  const int t = step_, E = dims_.envs, A = dims_.agents, N = dims_.num_actions;
  const std::size_t te0 = static_cast<std::size_t>(t) * static_cast<std::size_t>(E);
  for (int e = 0; e < E; ++e)
    valid_[te0 + static_cast<std::size_t>(e)] = needs_reset_[static_cast<std::size_t>(e)] ? 0 : 1;
  std::uint8_t* step_masks =
      &masks_[te0 * static_cast<std::size_t>(A) * static_cast<std::size_t>(N)];
  const std::size_t mask_count =
      static_cast<std::size_t>(E) * static_cast<std::size_t>(A) * static_cast<std::size_t>(N);
  if (masks != nullptr)
    std::copy_n(masks, mask_count, step_masks);
  else
    std::fill_n(step_masks, mask_count, std::uint8_t{1});

  // a ~ pi(.|o) for every acting agent of every environment that is not resetting.
  for (Group& g : actors_) {
    const Eigen::Index row0 = static_cast<Eigen::Index>(te0) * g.agents;
    fill_actor_inputs(g, g.inputs, row0, obs);
    const nn::Matrix& logits =
        g.acting.forward(g.inputs.middleRows(row0, static_cast<Eigen::Index>(E) * g.agents));
    for (int e = 0; e < E; ++e)
      for (int j = 0; j < g.agents; ++j) {
        const int a = g.first + j;
        const std::size_t ea = static_cast<std::size_t>(e) * A + static_cast<std::size_t>(a);
        const std::size_t i = te0 * static_cast<std::size_t>(A) + ea;
        const float* z = &logits(static_cast<Eigen::Index>(e) * g.agents + j, 0);
        const std::uint8_t* m = &masks_[i * static_cast<std::size_t>(N)];
        const bool acting =
            valid_[te0 + static_cast<std::size_t>(e)] && (acts == nullptr || acts[ea]);
        int action = 0;
        float log_prob = 0.0f;
        if (acting) {
          try {
            action = sample_masked_categorical(z, m, N, rng, &log_prob, row_log_probs_.data());
          } catch (const std::invalid_argument&) {
            throw std::invalid_argument("PpoLearner::act: env " + std::to_string(e) + ", agent " +
                                        std::to_string(a) + ": the action mask allows no action");
          }
        } else {
          action = std::max(0, greedy_masked_categorical(z, m, N));  // ignored by the env
        }
        actions_[i] = action;
        log_probs_[i] = log_prob;
        policy_weights_[i] = acting ? 1.0f : 0.0f;
        actions[ea] = action;
      }
  }
  // V at this step (for the reset step of an environment: V of its ended episode's final
  // observation, the bootstrap of a truncation).
  for (Group& g : critics_) {
    const Eigen::Index row0 = static_cast<Eigen::Index>(te0) * g.agents;
    fill_critic_inputs(g, g.inputs, row0, obs, states);
    critic_values(g, g.inputs, row0, &values_[te0 * static_cast<std::size_t>(value_cols_)]);
  }
  acted_ = true;
}

void PpoLearner::observe(const float* rewards, const std::uint8_t* terminated,
                         const std::uint8_t* truncated) {
  if (!acted_) throw std::logic_error("PpoLearner::observe: no act() to observe");
  const int E = dims_.envs, A = dims_.agents;
  const std::size_t te0 = static_cast<std::size_t>(step_) * static_cast<std::size_t>(E);
  for (int e = 0; e < E; ++e) {
    const std::size_t te = te0 + static_cast<std::size_t>(e);
    terminated_[te] = terminated[e] ? 1 : 0;
    truncated_[te] = truncated[e] ? 1 : 0;
    needs_reset_[static_cast<std::size_t>(e)] = terminated_[te] || truncated_[te];
    const float* r = rewards + static_cast<std::size_t>(e) * A;
    float team = 0.0f;
    for (int a = 0; a < A; ++a) team += r[a];
    for (int k = 0; k < value_cols_; ++k)
      rewards_[te * static_cast<std::size_t>(value_cols_) + static_cast<std::size_t>(k)] =
          config_.reward == PpoReward::Team ? team : r[k];
  }
  ++step_;
  acted_ = false;
}

void PpoLearner::shuffle(std::vector<int>& perm, Rng& rng) const {
  for (std::size_t i = perm.size(); i > 1; --i) {
    const std::size_t j = static_cast<std::size_t>(rng.uniform_int(static_cast<int>(i)));
    std::swap(perm[i - 1], perm[j]);
  }
}

PpoStats PpoLearner::update(const float* obs, const float* states, Rng& rng) {
  if (!rollout_full() || acted_)
    throw std::logic_error("PpoLearner::update: the rollout is not complete");
  const PpoConfig& c = config_;
  const int T = c.rollout_steps, E = dims_.envs, A = dims_.agents;
  const std::size_t TE = static_cast<std::size_t>(T) * static_cast<std::size_t>(E);
  const std::size_t V = static_cast<std::size_t>(value_cols_);

  // 1. Bootstrap: V after the last step (for a truncated or still running episode).
  for (Group& g : critics_) {
    fill_critic_inputs(g, g.boot_inputs, 0, obs, states);
    critic_values(g, g.boot_inputs, 0, &values_[TE * V]);
  }

  // 2. Advantages by GAE(gamma, lambda) (eq. 16) on the critic's values in reward units, and the
  //    critic's targets R = A + V, normalised by the running statistics of R (value norm).
  for (std::size_t i = 0; i < values_.size(); ++i)
    raw_values_[i] = c.value_normalization ? value_norm_.denormalize(values_[i]) : values_[i];
  gae(T, E, value_cols_, rewards_.data(), raw_values_.data(), terminated_.data(), truncated_.data(),
      valid_.data(), c.gamma, c.gae_lambda, advantages_.data(), returns_.data());
  for (std::size_t i = 0; i < TE * V; ++i) value_weights_[i] = valid_[i / V] ? 1.0f : 0.0f;
  if (c.value_normalization) {
    value_norm_.update(returns_.data(), value_weights_.data(), TE * V);
    for (std::size_t i = 0; i < TE * V; ++i) targets_[i] = value_norm_.normalize(returns_[i]);
  } else {
    std::copy(returns_.begin(), returns_.end(), targets_.begin());
  }

  // 3. Each agent's advantage A_t (the team's, or its own), normalised over each actor's acting
  //    samples: (A - mean) / (std + 1e-5), as the MAPPO authors' code.
  for (std::size_t i = 0; i < TE * static_cast<std::size_t>(A); ++i) {
    const std::size_t te = i / static_cast<std::size_t>(A);
    actor_advantages_[i] = advantages_[te * V + (per_env_ ? 0 : i % static_cast<std::size_t>(A))];
  }
  if (c.normalize_advantages)
    for (const Group& g : actors_) {
      double n = 0.0, sum = 0.0, sum_sq = 0.0;
      for (std::size_t te = 0; te < TE; ++te)
        for (int j = 0; j < g.agents; ++j) {
          const std::size_t i =
              te * static_cast<std::size_t>(A) + static_cast<std::size_t>(g.first + j);
          if (policy_weights_[i] == 0.0f) continue;
          n += 1.0;
          sum += actor_advantages_[i];
          sum_sq += static_cast<double>(actor_advantages_[i]) * actor_advantages_[i];
        }
      if (n == 0.0) continue;
      const double mean = sum / n;
      const double stddev = std::sqrt(std::max(sum_sq / n - mean * mean, 0.0));
      for (std::size_t te = 0; te < TE; ++te)
        for (int j = 0; j < g.agents; ++j) {
          float& adv = actor_advantages_[te * static_cast<std::size_t>(A) +
                                         static_cast<std::size_t>(g.first + j)];
          adv = static_cast<float>((adv - mean) / (stddev + 1e-5));
        }
    }

  // 4. Epochs of minibatch steps: each actor on -(L^CLIP + c_2 S) (eqs. 7, 9), each critic on
  //    c_1 L^VF, every network with its own gradient clipping and Adam.
  for (std::size_t i = 0; i < actor_perm_.size(); ++i) actor_perm_[i] = static_cast<int>(i);
  for (std::size_t i = 0; i < critic_perm_.size(); ++i) critic_perm_[i] = static_cast<int>(i);
  PpoStats stats;
  for (int epoch = 0; epoch < c.epochs; ++epoch) {
    if (c.num_minibatches > 1) {  // one minibatch: the order would only change a sum's rounding
      shuffle(actor_perm_, rng);
      shuffle(critic_perm_, rng);
    }
    for (int mb = 0; mb < c.num_minibatches; ++mb) {
      for (Group& g : actors_) actor_step(g, actor_perm_, mb, stats);
      for (Group& g : critics_) critic_step(g, critic_perm_, mb, stats);
    }
  }
  const double actor_steps = static_cast<double>(c.epochs) * c.num_minibatches * actors_.size();
  const double critic_steps = static_cast<double>(c.epochs) * c.num_minibatches * critics_.size();
  stats.policy_loss /= actor_steps;
  stats.entropy /= actor_steps;
  stats.approx_kl /= actor_steps;
  stats.clip_fraction /= actor_steps;
  stats.value_loss /= critic_steps;
  stats.gradient_steps = c.epochs * c.num_minibatches;

  // 5. The next rollout acts with the new parameters.
  for (Group& g : actors_) g.acting.copy_from(g.net);
  for (Group& g : critics_) g.acting.copy_from(g.net);
  step_ = 0;
  ++updates_;
  last_stats_ = stats;
  return stats;
}

// One minibatch step of an actor: samples perm[mb M, (mb + 1) M) of its group, gathered; with one
// minibatch the whole rollout in its own order (no gather of the inputs).
void PpoLearner::actor_step(Group& g, const std::vector<int>& perm, int mb, PpoStats& stats) {
  const Eigen::Index M = mb_actions_.size();
  const int A = dims_.agents, N = dims_.num_actions;
  const bool whole = config_.num_minibatches == 1;
  for (Eigen::Index r = 0; r < M; ++r) {
    const int j = whole ? static_cast<int>(r) : perm[static_cast<std::size_t>(mb * M + r)];
    const std::size_t i = static_cast<std::size_t>(j / g.agents) * static_cast<std::size_t>(A) +
                          static_cast<std::size_t>(g.first + j % g.agents);
    if (!whole) std::copy_n(&g.inputs(j, 0), actor_in_, &mb_actor_in_(r, 0));
    std::copy_n(&masks_[i * static_cast<std::size_t>(N)], N, &mb_masks_(r, 0));
    mb_actions_[r] = actions_[i];
    mb_old_log_probs_[r] = log_probs_[i];
    mb_advantages_[r] = actor_advantages_[i];
    mb_policy_weights_[r] = policy_weights_[i];
  }
  const nn::Matrix& logits = g.net.forward(whole ? g.inputs : mb_actor_in_);
  const PolicyLossStats s = ppo_policy_loss(logits, mb_masks_, mb_actions_, mb_old_log_probs_,
                                            mb_advantages_, mb_policy_weights_, config_.clip,
                                            config_.entropy_coef, policy_ws_, grad_logits_);
  stats.policy_loss += s.loss;
  stats.entropy += s.entropy;
  stats.approx_kl += s.approx_kl;
  stats.clip_fraction += s.clip_fraction;
  if (s.weight <= 0.0) return;  // nothing to learn from (an Adam step would still move)
  g.net.backward(grad_logits_);
  if (config_.max_grad_norm > 0.0f) nn::clip_grad_norm(g.net.grads(), config_.max_grad_norm);
  g.opt.step(g.net.params(), g.net.grads());
}

void PpoLearner::critic_step(Group& g, const std::vector<int>& perm, int mb, PpoStats& stats) {
  const Eigen::Index M = mb_old_values_.size();
  const bool whole = config_.num_minibatches == 1;
  for (Eigen::Index r = 0; r < M; ++r) {
    const int j = whole ? static_cast<int>(r) : perm[static_cast<std::size_t>(mb * M + r)];
    const std::size_t te = static_cast<std::size_t>(j / g.agents);
    const std::size_t vi = te * static_cast<std::size_t>(value_cols_) +
                           static_cast<std::size_t>(per_env_ ? 0 : g.first + j % g.agents);
    if (!whole) std::copy_n(&g.inputs(j, 0), critic_in_, &mb_critic_in_(r, 0));
    mb_old_values_[r] = values_[vi];
    mb_targets_[r] = targets_[vi];
    mb_value_weights_[r] = value_weights_[vi];
  }
  const nn::Matrix& v = g.net.forward(whole ? g.inputs : mb_critic_in_);
  mb_values_ = v.col(0);
  stats.value_loss +=
      ppo_value_loss(mb_values_, mb_old_values_, mb_targets_, mb_value_weights_, config_.value_clip,
                     config_.value_loss, config_.huber_delta, config_.value_coef, mb_value_grad_);
  if (mb_value_weights_.sum() <= 0.0f) return;
  g.net.backward(Eigen::Map<const nn::Matrix>(mb_value_grad_.data(), M, 1));
  if (config_.max_grad_norm > 0.0f) nn::clip_grad_norm(g.net.grads(), config_.max_grad_norm);
  g.opt.step(g.net.params(), g.net.grads());
}

const float* PpoLearner::one_logits(int agent, const float* obs) {
  if (agent < 0 || agent >= dims_.agents)
    throw std::invalid_argument("PpoLearner: agent " + std::to_string(agent) + " out of range");
  Group& g = actors_[config_.share_parameters ? 0 : static_cast<std::size_t>(agent)];
  std::copy_n(obs, dims_.obs_dim, one_input_.begin());
  if (config_.agent_id)
    for (int a = 0; a < dims_.agents; ++a)
      one_input_[static_cast<std::size_t>(dims_.obs_dim + a)] = a == agent ? 1.0f : 0.0f;
  return g.acting.forward_one(one_input_.data()).data();
}

int PpoLearner::greedy_action(int agent, const float* obs, const std::uint8_t* mask) {
  const int best = greedy_masked_categorical(one_logits(agent, obs), mask, dims_.num_actions);
  if (best < 0) throw std::invalid_argument("PpoLearner: the action mask allows no action");
  return best;
}

int PpoLearner::sample_action(int agent, const float* obs, const std::uint8_t* mask, Rng& rng) {
  float log_prob = 0.0f;
  return sample_masked_categorical(one_logits(agent, obs), mask, dims_.num_actions, rng, &log_prob,
                                   row_log_probs_.data());
}

void PpoLearner::networks_loaded() {
  for (auto* groups : {&actors_, &critics_})
    for (Group& g : *groups) g.acting.copy_from(g.net);
}

// ---- Checkpoints ----

namespace {
template <class T>
void write_prefix(StateWriter& w, const std::vector<T>& v, std::size_t n) {
  w.u64(n);
  w.raw(v.data(), n * sizeof(T));
}
template <class T>
void read_prefix(StateReader& r, std::vector<T>& v, std::size_t n) {
  if (r.u64() != n) r.fail("PPO checkpoint: rollout of another size");
  r.raw(v.data(), n * sizeof(T));
}
}  // namespace

// Layout: "ppo", the shape (E, A, D, N, S, T, input widths, network counts), every actor and
// critic (network, optimiser), the value normaliser, the update count, the rollout position, the
// autoreset flags and the rollout's filled steps, the last update's statistics.
void PpoLearner::save_state(StateWriter& w) const {
  w.tag("ppo");
  for (int v : {dims_.envs, dims_.agents, dims_.obs_dim, dims_.num_actions, dims_.state_dim,
                config_.rollout_steps, actor_in_, critic_in_, num_actors(), num_critics()})
    w.u32(static_cast<std::uint32_t>(v));
  for (const Group& g : actors_) {
    w.saved(g.net);
    w.saved(g.opt);
  }
  for (const Group& g : critics_) {
    w.saved(g.net);
    w.saved(g.opt);
  }
  value_norm_.save_state(w);
  w.i64(updates_);
  w.u32(static_cast<std::uint32_t>(step_));
  // Between act() and observe() (a decision whose reward comes steps later, as dhdrl's high
  // level's), step t's acting half is filled too: its inputs, actions, masks and values.
  w.boolean(acted_);
  w.vec(needs_reset_);
  const std::size_t te = static_cast<std::size_t>(step_) * static_cast<std::size_t>(dims_.envs);
  const std::size_t ta =
      (static_cast<std::size_t>(step_) + (acted_ ? 1 : 0)) * static_cast<std::size_t>(dims_.envs);
  const std::size_t taa = ta * static_cast<std::size_t>(dims_.agents);
  const std::size_t tav = ta * static_cast<std::size_t>(value_cols_);
  const std::size_t tev = te * static_cast<std::size_t>(value_cols_);
  for (const auto* groups : {&actors_, &critics_})
    for (const Group& g : *groups) {
      const std::size_t n =
          ta * static_cast<std::size_t>(g.agents) * static_cast<std::size_t>(g.inputs.cols());
      w.u64(n);
      w.raw(g.inputs.data(), n * sizeof(float));
    }
  write_prefix(w, actions_, taa);
  write_prefix(w, log_probs_, taa);
  write_prefix(w, policy_weights_, taa);
  write_prefix(w, masks_, taa * static_cast<std::size_t>(dims_.num_actions));
  write_prefix(w, values_, tav);
  write_prefix(w, rewards_, tev);
  write_prefix(w, terminated_, te);
  write_prefix(w, truncated_, te);
  write_prefix(w, valid_, ta);
  for (double v : {last_stats_.policy_loss, last_stats_.value_loss, last_stats_.entropy,
                   last_stats_.approx_kl, last_stats_.clip_fraction})
    w.f64(v);
  w.u32(static_cast<std::uint32_t>(last_stats_.gradient_steps));
}

void PpoLearner::load_state(StateReader& r) {
  r.expect_tag("ppo");
  for (int v : {dims_.envs, dims_.agents, dims_.obs_dim, dims_.num_actions, dims_.state_dim,
                config_.rollout_steps, actor_in_, critic_in_, num_actors(), num_critics()})
    if (r.u32() != static_cast<std::uint32_t>(v))
      r.fail("PPO checkpoint of another shape (environments, agents, sizes or networks)");
  for (auto* groups : {&actors_, &critics_})
    for (Group& g : *groups) {
      r.load_into(g.net);
      r.load_into(g.opt);
      g.acting.copy_from(g.net);
    }
  value_norm_.load_state(r);
  updates_ = r.i64();
  const std::uint32_t step = r.u32();
  if (step > static_cast<std::uint32_t>(config_.rollout_steps))
    r.fail("PPO checkpoint: bad rollout step");
  step_ = static_cast<int>(step);
  const bool acted = r.boolean();
  if (acted && step_ == config_.rollout_steps) r.fail("PPO checkpoint: bad rollout step");
  const auto flags = r.vec<std::uint8_t>();
  if (flags.size() != needs_reset_.size())
    r.fail("PPO checkpoint of another number of environments");
  needs_reset_ = flags;
  const std::size_t te = static_cast<std::size_t>(step_) * static_cast<std::size_t>(dims_.envs);
  const std::size_t ta =
      (static_cast<std::size_t>(step_) + (acted ? 1 : 0)) * static_cast<std::size_t>(dims_.envs);
  const std::size_t taa = ta * static_cast<std::size_t>(dims_.agents);
  const std::size_t tav = ta * static_cast<std::size_t>(value_cols_);
  const std::size_t tev = te * static_cast<std::size_t>(value_cols_);
  for (auto* groups : {&actors_, &critics_})
    for (Group& g : *groups) {
      const std::size_t n =
          ta * static_cast<std::size_t>(g.agents) * static_cast<std::size_t>(g.inputs.cols());
      if (r.u64() != n) r.fail("PPO checkpoint: rollout of another size");
      r.raw(g.inputs.data(), n * sizeof(float));
    }
  read_prefix(r, actions_, taa);
  read_prefix(r, log_probs_, taa);
  read_prefix(r, policy_weights_, taa);
  read_prefix(r, masks_, taa * static_cast<std::size_t>(dims_.num_actions));
  read_prefix(r, values_, tav);
  read_prefix(r, rewards_, tev);
  read_prefix(r, terminated_, te);
  read_prefix(r, truncated_, te);
  read_prefix(r, valid_, ta);
  for (double* v : {&last_stats_.policy_loss, &last_stats_.value_loss, &last_stats_.entropy,
                    &last_stats_.approx_kl, &last_stats_.clip_fraction})
    *v = r.f64();
  last_stats_.gradient_steps = static_cast<int>(r.u32());
  acted_ = acted;
}

}  // namespace semra::rl
