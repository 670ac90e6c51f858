#include "semra/rl/vdn.hpp"

#include <stdexcept>
#include <string>

#include "semra/core/error.hpp"

namespace semra::rl {

VdnLearner::VdnLearner(int agents, int obs_dim, int num_actions, const QLearningConfig& config,
                       Rng& init_rng)
    : q_(agents, obs_dim, num_actions, config.validated("vdn"), init_rng) {
  const int b = config.batch_size;
  targets_.resize(b);
  next_sum_.resize(b);
  q_tot_.resize(b);
  grad_q_tot_.resize(b);
  q_taken_.assign(static_cast<std::size_t>(agents), nn::Vector(b));
}

double VdnLearner::learn(const JointBatch& batch) {
  const QLearningConfig& c = q_.config();
  const int n = batch.size();
  if (n != c.batch_size)
    throw std::invalid_argument("VdnLearner::learn: batch size differs from config");
  const auto agent = [](int v) { return static_cast<std::size_t>(v); };

  // 1. y = r + gamma (1 - done) sum_v max_{a' valid} Q_target_v(o'_v, a') (eq. 14; with double_q
  //    the max is taken at argmax of Q_online_v).
  next_sum_.setZero();
  for (int v = 0; v < agents(); ++v)
    next_sum_ += q_.bootstrap(v, batch.next_obs[agent(v)], batch.next_masks[agent(v)]);
  targets_ =
      batch.team_rewards.array() + c.gamma * (1.0f - batch.dones.array()) * next_sum_.array();

  // 2. Q_tot(s, a) = sum_v Q_v(o_v, a_v) (eq. 13), and dJ/dQ_tot.
  q_tot_.setZero();
  for (int v = 0; v < agents(); ++v) {
    q_.taken_q(v, batch.obs[agent(v)], batch.actions[agent(v)], q_taken_[agent(v)]);
    q_tot_ += q_taken_[agent(v)];
  }
  const double loss = nn::vector_loss(c.loss, q_tot_, targets_, grad_q_tot_, c.huber_delta);

  // 3. dJ/dtheta_v = dJ/dQ_tot dQ_v/dtheta_v (eq. 16): the same output gradient for every agent;
  //    each agent steps its own optimiser (eq. 15).
  for (int v = 0; v < agents(); ++v) q_.step(v, grad_q_tot_);

  // 4. Targets (Polyak every step or a hard copy every target_sync_every steps), epsilon.
  q_.end_learning_step();
  return loss;
}

void VdnLearner::save_state(StateWriter& w) const {
  w.tag("vdn");
  q_.save_networks(w);
  q_.save_progress(w);
}

void VdnLearner::load_state(StateReader& r) {
  r.expect_tag("vdn");
  q_.load_networks(r, "VDN");
  q_.load_progress(r);
}

}  // namespace semra::rl
