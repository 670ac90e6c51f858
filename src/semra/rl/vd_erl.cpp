#include "semra/rl/vd_erl.hpp"

#include <stdexcept>

namespace semra::rl {

VdErlLearner::VdErlLearner(int agents, int obs_dim, int num_actions, const VdErlConfig& config,
                           Rng& init_rng)
    : config_(config),
      critic_(agents, obs_dim, num_actions, config.critic.validated("vdn"), init_rng) {
  for (int v = 0; v < agents; ++v) {
    Rng rng = init_rng.child("policy", static_cast<std::uint64_t>(v));
    actors_.emplace_back(obs_dim, num_actions, config.actor, rng);
  }
  const int b = config.critic.batch_size;
  next_sum_.resize(b);
  targets_.resize(b);
  q_tot_.resize(b);
  grad_q_tot_.resize(b);
  q_taken_.assign(static_cast<std::size_t>(agents), nn::Vector(b));
}

int VdErlLearner::act(int agent, const float* obs, const std::uint8_t* mask, Rng& rng,
                      bool explore) {
  DiscreteSacActor& pi = actor(agent);
  if (explore) return pi.sample_action(obs, mask, rng);
  return config_.greedy_from_critic ? critic_.greedy_action(agent, obs, mask)
                                    : pi.greedy_action(obs, mask);
}

double VdErlLearner::learn(const JointBatch& batch) {
  const QLearningConfig& c = config_.critic;
  const int n = batch.size();
  if (n != c.batch_size)
    throw std::invalid_argument("VdErlLearner::learn: batch size differs from config");
  const auto agent = [](int v) { return static_cast<std::size_t>(v); };

  // 1. Critic target y = r + gamma (1 - done) V(s'), V(s') summed over the agents:
  //      max  (eq. 14):  max_{a' valid} Q_target_v(o'_v, a')
  //      soft (SAC):     sum_{a' valid} pi_v(a'|o'_v) (Q_target_v(o'_v, a') - delta log
  //      pi_v(a'|o'_v))
  next_sum_.setZero(n);
  for (int v = 0; v < agents(); ++v) {
    const auto& next_obs = batch.next_obs[agent(v)];
    const auto& next_mask = batch.next_masks[agent(v)];
    if (config_.critic_target == CriticTarget::Max) {
      next_sum_ += critic_.bootstrap(v, next_obs, next_mask);
      continue;
    }
    DiscreteSacActor& pi = actor(v);
    pi.distribution(next_obs, next_mask, probs_, log_probs_);
    const nn::Matrix& qt = critic_.target(v).forward(next_obs);
    const float delta = pi.temperature();
    for (int i = 0; i < n; ++i) {
      double s = 0.0;
      for (Eigen::Index a = 0; a < qt.cols(); ++a)
        if (next_mask(i, a)) s += probs_(i, a) * (qt(i, a) - delta * log_probs_(i, a));
      next_sum_[i] += static_cast<float>(s);
    }
  }
  targets_ =
      batch.team_rewards.array() + c.gamma * (1.0f - batch.dones.array()) * next_sum_.array();

  // 2. Q_tot(s, a) = sum_v Q_theta_v(o_v, a_v) (eq. 13) and the TD loss (14) J = (Q_tot - y)^2.
  q_tot_.setZero();
  for (int v = 0; v < agents(); ++v) {
    critic_.taken_q(v, batch.obs[agent(v)], batch.actions[agent(v)], q_taken_[agent(v)]);
    q_tot_ += q_taken_[agent(v)];
  }
  const double critic_loss = nn::vector_loss(c.loss, q_tot_, targets_, grad_q_tot_, c.huber_delta);

  // 3. dJ/dtheta_v = dJ/dQ_tot dQ_theta_v/dtheta_v (eq. 16), one optimiser step per agent (eq. 15);
  //    then the target networks (and the unused epsilon, part of the checkpoint).
  for (int v = 0; v < agents(); ++v) critic_.step(v, grad_q_tot_);
  critic_.end_learning_step();

  // 4. Policies (eqs. 17-18, DiscreteSacActor::update), each against its own updated Q_theta_v.
  last_policy_loss_ = 0.0;
  for (int v = 0; v < agents(); ++v) {
    const auto& obs = batch.obs[agent(v)];
    q_ = critic_.online(v).forward(obs);
    double loss = 0.0;
    for (int u = 0; u < config_.policy_updates; ++u)
      loss = actor(v).update(obs, batch.masks[agent(v)], q_);
    last_policy_loss_ += loss;
  }
  return critic_loss;
}

// Layout: "vd-erl", the critic as VdnLearner::save_state writes it ("vdn", networks, epsilon,
// learning steps), the actors, the last policy loss.
void VdErlLearner::save_state(StateWriter& w) const {
  w.tag("vd-erl");
  w.tag("vdn");
  critic_.save_networks(w);
  critic_.save_progress(w);
  w.u64(actors_.size());
  for (const auto& a : actors_) a.save_state(w);
  w.f64(last_policy_loss_);
}

void VdErlLearner::load_state(StateReader& r) {
  r.expect_tag("vd-erl");
  r.expect_tag("vdn");
  critic_.load_networks(r, "VDN");
  critic_.load_progress(r);
  if (r.u64() != actors_.size()) r.fail("VD-ERL checkpoint with another number of agents");
  for (auto& a : actors_) a.load_state(r);
  last_policy_loss_ = r.f64();
}

}  // namespace semra::rl
