#pragma once
// Value decomposition networks (VDN, Sunehag et al. 2018; the vderl paper's eq. 13-16) as a mixer
// of the QLearner (q_learner.hpp): the team value is the sum of the agents' values,
//   Q_tot(s, a) = sum_v Q_theta_v(o_v, a_v)                                             (eq. 13)
// trained on the team reward by the TD loss J = E[(Q_tot(s, a) - y)^2] with
//   y = r + gamma (1 - done) sum_v max_{a'_v valid} Q_target_v(o'_v, a'_v)              (eq. 14)
// (the max of a sum of per-agent terms is the sum of per-agent maxima, so eq. 14's joint max is
// decentralised). dJ/dQ_v = dJ/dQ_tot for every v (eq. 16): each agent back-propagates the same TD
// error through its own network and steps its own optimiser (eq. 15). No parameters, no state.
//
// A VDN learner: QLearner(agents, obs_dim, actions, config, init, std::make_unique<VdnMixer>()).
#include <memory>

#include "semra/rl/q_learner.hpp"

namespace semra::rl {

class VdnMixer final : public Mixer {
 public:
  std::string_view name() const override { return "vdn"; }
  std::unique_ptr<Mixer> clone() const override { return std::make_unique<VdnMixer>(*this); }
  const nn::Vector& forward(const AgentValues& q, const nn::Matrix&) override {
    agents_ = q.cols();
    q_tot_.setZero(q.rows());
    for (Eigen::Index v = 0; v < agents_; ++v) q_tot_ += q.col(v);  // eq. (13)
    return q_tot_;
  }
  const AgentValues& backward(const nn::Vector& grad_q_tot) override {
    grad_q_ = grad_q_tot.replicate(1, agents_);  // eq. (16)
    return grad_q_;
  }

 private:
  Eigen::Index agents_ = 0;
  nn::Vector q_tot_;
  AgentValues grad_q_;
};

}  // namespace semra::rl
