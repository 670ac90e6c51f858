#include "semra/rl/joint_replay.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace semra::rl {

void JointBatch::resize(int batch, int agents, int obs_dim, int num_actions, int state_dim) {
  if (size() == batch && static_cast<int>(obs.size()) == agents && !obs.empty() &&
      obs[0].cols() == obs_dim && masks[0].cols() == num_actions && states.cols() == state_dim)
    return;
  const auto n = static_cast<std::size_t>(agents);
  obs.assign(n, nn::Matrix(batch, obs_dim));
  next_obs.assign(n, nn::Matrix(batch, obs_dim));
  masks.assign(n, nn::MaskMatrix(batch, num_actions));
  next_masks.assign(n, nn::MaskMatrix(batch, num_actions));
  actions.assign(n, Eigen::VectorXi(batch));
  rewards.assign(n, nn::Vector(batch));
  team_rewards.resize(batch);
  dones.resize(batch);
  states.resize(batch, state_dim);
  next_states.resize(batch, state_dim);
}

JointReplayBuffer::JointReplayBuffer(int capacity, int agents, int obs_dim, int num_actions,
                                     int state_dim)
    : capacity_(capacity),
      agents_(agents),
      obs_dim_(obs_dim),
      num_actions_(num_actions),
      state_dim_(state_dim) {
  if (capacity <= 0 || agents <= 0 || obs_dim <= 0 || num_actions <= 0 || state_dim < 0)
    throw std::invalid_argument("JointReplayBuffer: sizes must be positive");
  const auto cap = static_cast<std::size_t>(capacity);
  const auto n = static_cast<std::size_t>(agents);
  obs_.assign(cap * n * static_cast<std::size_t>(obs_dim), 0.0f);
  next_obs_.assign(obs_.size(), 0.0f);
  masks_.assign(cap * n * static_cast<std::size_t>(num_actions), 0);
  next_masks_.assign(masks_.size(), 0);
  actions_.assign(cap * n, 0);
  rewards_.assign(cap * n, 0.0f);
  team_rewards_.assign(cap, 0.0f);
  dones_.assign(cap, 0);
  states_.assign(cap * static_cast<std::size_t>(state_dim), 0.0f);
  next_states_.assign(states_.size(), 0.0f);
}

void JointReplayBuffer::add(const float* obs, const std::uint8_t* masks, const int* actions,
                            const float* rewards, float team_reward, const float* next_obs,
                            const std::uint8_t* next_masks, bool done, const float* state,
                            const float* next_state) {
  for (int i = 0; i < agents_; ++i)
    if (actions[i] < 0 || actions[i] >= num_actions_)
      throw std::invalid_argument("JointReplayBuffer::add: action out of range");
  const auto slot = static_cast<std::size_t>(head_);
  const auto n = static_cast<std::size_t>(agents_);
  const std::size_t od = n * static_cast<std::size_t>(obs_dim_);
  const std::size_t md = n * static_cast<std::size_t>(num_actions_);
  std::copy_n(obs, od, obs_.data() + slot * od);
  std::copy_n(next_obs, od, next_obs_.data() + slot * od);
  std::copy_n(masks, md, masks_.data() + slot * md);
  std::copy_n(next_masks, md, next_masks_.data() + slot * md);
  std::copy_n(actions, n, actions_.data() + slot * n);
  std::copy_n(rewards, n, rewards_.data() + slot * n);
  team_rewards_[slot] = team_reward;
  dones_[slot] = done ? 1 : 0;
  if (state_dim_ > 0) {
    if (state == nullptr || next_state == nullptr)
      throw std::invalid_argument("JointReplayBuffer::add: this buffer stores global states");
    const auto sd = static_cast<std::size_t>(state_dim_);
    std::copy_n(state, sd, states_.data() + slot * sd);
    std::copy_n(next_state, sd, next_states_.data() + slot * sd);
  }
  head_ = (head_ + 1) % capacity_;
  size_ = std::min(size_ + 1, capacity_);
}

void JointReplayBuffer::sample(int batch, Rng& rng, JointBatch& out) const {
  if (size_ == 0) throw std::logic_error("JointReplayBuffer::sample: buffer is empty");
  out.resize(batch, agents_, obs_dim_, num_actions_, state_dim_);
  const auto n = static_cast<std::size_t>(agents_);
  const auto od = static_cast<std::size_t>(obs_dim_);
  const auto na = static_cast<std::size_t>(num_actions_);
  const auto sd = static_cast<std::size_t>(state_dim_);
  for (int b = 0; b < batch; ++b) {
    const auto slot = static_cast<std::size_t>(rng.uniform_int(size_));
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t oi = (slot * n + i) * od;
      const std::size_t mi = (slot * n + i) * na;
      std::memcpy(out.obs[i].row(b).data(), obs_.data() + oi, od * sizeof(float));
      std::memcpy(out.next_obs[i].row(b).data(), next_obs_.data() + oi, od * sizeof(float));
      std::memcpy(out.masks[i].row(b).data(), masks_.data() + mi, na);
      std::memcpy(out.next_masks[i].row(b).data(), next_masks_.data() + mi, na);
      out.actions[i][b] = actions_[slot * n + i];
      out.rewards[i][b] = rewards_[slot * n + i];
    }
    out.team_rewards[b] = team_rewards_[slot];
    out.dones[b] = dones_[slot] ? 1.0f : 0.0f;
    if (sd > 0) {
      std::memcpy(out.states.row(b).data(), states_.data() + slot * sd, sd * sizeof(float));
      std::memcpy(out.next_states.row(b).data(), next_states_.data() + slot * sd,
                  sd * sizeof(float));
    }
  }
}

void JointReplayBuffer::save_state(StateWriter& w) const {
  w.tag("joint-replay");
  for (int v : {capacity_, agents_, obs_dim_, num_actions_, state_dim_, head_, size_}) w.i64(v);
  // Slots fill in order before the ring wraps, so the stored transitions are [0, size): write
  // each array's prefix of size slots.
  const auto n = static_cast<std::size_t>(size_);
  auto prefix = [&](const auto& v) {
    w.raw(v.data(), n * (v.size() / static_cast<std::size_t>(capacity_)) * sizeof(v[0]));
  };
  for_each_array(*this, prefix);
}

void JointReplayBuffer::load_state(StateReader& r) {
  r.expect_tag("joint-replay");
  std::int64_t d[7];
  for (auto& v : d) v = r.i64();
  if (d[0] != capacity_ || d[1] != agents_ || d[2] != obs_dim_ || d[3] != num_actions_ ||
      d[4] != state_dim_)
    r.fail("joint replay buffer of another capacity or dimensions");
  if (d[5] < 0 || d[5] >= capacity_ || d[6] < 0 || d[6] > capacity_)
    r.fail("corrupt joint replay buffer (head/size)");
  const auto n = static_cast<std::size_t>(d[6]);
  auto prefix = [&](auto& v) {
    r.raw(v.data(), n * (v.size() / static_cast<std::size_t>(capacity_)) * sizeof(v[0]));
  };
  for_each_array(*this, prefix);
  head_ = static_cast<int>(d[5]);
  size_ = static_cast<int>(d[6]);
}

}  // namespace semra::rl
