#include "semra/rl/vd_erl.hpp"

namespace semra::rl {

VdErlLearner::VdErlLearner(int agents, int obs_dim, int num_actions, const VdErlConfig& config,
                           Rng& init_rng)
    : config_(config), critic_(agents, obs_dim, num_actions, config.critic, init_rng) {
  for (int v = 0; v < agents; ++v) {
    Rng rng = init_rng.child("policy", static_cast<std::uint64_t>(v));
    actors_.emplace_back(obs_dim, num_actions, config.actor, rng);
  }
  soft_next_.resize(config.critic.batch_size);
}

int VdErlLearner::act(int agent, const float* obs, const std::uint8_t* mask, Rng& rng,
                      bool explore) {
  DiscreteSacActor& pi = actor(agent);
  if (explore) return pi.sample_action(obs, mask, rng);
  return config_.greedy_from_critic ? critic_.greedy_action(agent, obs, mask)
                                    : pi.greedy_action(obs, mask);
}

double VdErlLearner::learn(const JointBatch& batch) {
  const int n = batch.size();
  // 1. Critic (eqs. 14-16). The soft target replaces the max by E_pi[Q_target - delta log pi].
  double critic_loss = 0.0;
  if (config_.critic_target == CriticTarget::Soft) {
    soft_next_.setZero(n);
    for (int v = 0; v < agents(); ++v) {
      const auto& next_obs = batch.next_obs[static_cast<std::size_t>(v)];
      const auto& next_mask = batch.next_masks[static_cast<std::size_t>(v)];
      DiscreteSacActor& pi = actor(v);
      pi.distribution(next_obs, next_mask, probs_, log_probs_);
      const nn::Matrix& qt = critic_.target_q(v, next_obs);
      const float delta = pi.temperature();
      for (int i = 0; i < n; ++i) {
        double s = 0.0;
        for (Eigen::Index a = 0; a < qt.cols(); ++a)
          if (next_mask(i, a)) s += probs_(i, a) * (qt(i, a) - delta * log_probs_(i, a));
        soft_next_[i] += static_cast<float>(s);
      }
    }
    critic_loss = critic_.learn(batch, &soft_next_);
  } else {
    critic_loss = critic_.learn(batch);
  }

  // 2. Policies (eqs. 17-18), each against its own updated Q_theta_v(o_v, .).
  last_policy_loss_ = 0.0;
  for (int v = 0; v < agents(); ++v) {
    const auto& obs = batch.obs[static_cast<std::size_t>(v)];
    q_ = critic_.online_q(v, obs);
    double loss = 0.0;
    for (int u = 0; u < config_.policy_updates; ++u)
      loss = actor(v).update(obs, batch.masks[static_cast<std::size_t>(v)], q_);
    last_policy_loss_ += loss;
  }
  return critic_loss;
}

void VdErlLearner::save_state(StateWriter& w) const {
  w.tag("vd-erl");
  critic_.save_state(w);
  w.u64(actors_.size());
  for (const auto& a : actors_) a.save_state(w);
  w.f64(last_policy_loss_);
}

void VdErlLearner::load_state(StateReader& r) {
  r.expect_tag("vd-erl");
  critic_.load_state(r);
  if (r.u64() != actors_.size()) r.fail("VD-ERL checkpoint with another number of agents");
  for (auto& a : actors_) a.load_state(r);
  last_policy_loss_ = r.f64();
}

}  // namespace semra::rl
