#include "semra/rl/replay.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "semra/nn/binary_io.hpp"

namespace semra::rl {

void ReplayBatch::resize(int batch, int obs_dim, int num_actions) {
  if (obs.rows() == batch && obs.cols() == obs_dim && next_masks.cols() == num_actions) return;
  obs.resize(batch, obs_dim);
  next_obs.resize(batch, obs_dim);
  actions.resize(batch);
  rewards.resize(batch);
  dones.resize(batch);
  next_masks.resize(batch, num_actions);
  indices.resize(batch);
}

ReplayBuffer::ReplayBuffer(int capacity, int obs_dim, int num_actions)
    : capacity_(capacity), obs_dim_(obs_dim), num_actions_(num_actions) {
  if (capacity <= 0 || obs_dim <= 0 || num_actions <= 0)
    throw std::invalid_argument("ReplayBuffer: capacity, obs_dim and num_actions must be positive");
  const auto cap = static_cast<std::size_t>(capacity);
  obs_.assign(cap * static_cast<std::size_t>(obs_dim), 0.0f);
  next_obs_.assign(cap * static_cast<std::size_t>(obs_dim), 0.0f);
  rewards_.assign(cap, 0.0f);
  actions_.assign(cap, 0);
  dones_.assign(cap, 0);
  next_masks_.assign(cap * static_cast<std::size_t>(num_actions), 0);
}

void ReplayBuffer::add(const float* obs, int action, float reward, const float* next_obs, bool done,
                       const std::uint8_t* next_mask) {
  if (action < 0 || action >= num_actions_)
    throw std::invalid_argument("ReplayBuffer::add: action " + std::to_string(action) +
                                " out of range");
  const auto slot = static_cast<std::size_t>(head_);
  const auto od = static_cast<std::size_t>(obs_dim_);
  const auto na = static_cast<std::size_t>(num_actions_);
  std::copy_n(obs, od, obs_.data() + slot * od);
  std::copy_n(next_obs, od, next_obs_.data() + slot * od);
  actions_[slot] = action;
  rewards_[slot] = reward;
  dones_[slot] = done ? 1 : 0;
  if (next_mask)
    std::copy_n(next_mask, na, next_masks_.data() + slot * na);
  else
    std::fill_n(next_masks_.data() + slot * na, na, std::uint8_t{1});
  head_ = (head_ + 1) % capacity_;
  size_ = std::min(size_ + 1, capacity_);
}

void ReplayBuffer::sample(int batch, Rng& rng, ReplayBatch& out) const {
  if (size_ == 0) throw std::logic_error("ReplayBuffer::sample: buffer is empty");
  out.resize(batch, obs_dim_, num_actions_);
  const auto od = static_cast<std::size_t>(obs_dim_);
  const auto na = static_cast<std::size_t>(num_actions_);
  for (int i = 0; i < batch; ++i) {
    // Stored slots are exchangeable under uniform sampling, so index storage directly.
    const auto slot = static_cast<std::size_t>(rng.uniform_int(size_));
    out.indices[i] = static_cast<int>(slot);
    std::memcpy(out.obs.row(i).data(), obs_.data() + slot * od, od * sizeof(float));
    std::memcpy(out.next_obs.row(i).data(), next_obs_.data() + slot * od, od * sizeof(float));
    std::memcpy(out.next_masks.row(i).data(), next_masks_.data() + slot * na, na);
    out.actions[i] = actions_[slot];
    out.rewards[i] = rewards_[slot];
    out.dones[i] = dones_[slot] ? 1.0f : 0.0f;
  }
}

void ReplayBuffer::clear() {
  head_ = 0;
  size_ = 0;
}

// magic[8] "SEMRARB1" | u32 version | u32 capacity, obs_dim, num_actions, head, size | for each
// slot in [0, size): obs f32[obs_dim], action u32, reward f32, next_obs f32[obs_dim], done u8,
// next_mask u8[num_actions] | u64 FNV-1a 64.
namespace {
constexpr char kMagic[9] = "SEMRARB1";
constexpr std::uint32_t kVersion = 1;
}  // namespace

void ReplayBuffer::save(std::ostream& os) const {
  nn::BinaryWriter w(os);
  w.bytes(kMagic, 8);
  w.u32(kVersion);
  for (int v : {capacity_, obs_dim_, num_actions_, head_, size_})
    w.u32(static_cast<std::uint32_t>(v));
  const auto od = static_cast<std::size_t>(obs_dim_);
  const auto na = static_cast<std::size_t>(num_actions_);
  for (std::size_t s = 0; s < static_cast<std::size_t>(size_); ++s) {
    w.floats(obs_.data() + s * od, od);
    w.u32(static_cast<std::uint32_t>(actions_[s]));
    w.f32(rewards_[s]);
    w.floats(next_obs_.data() + s * od, od);
    w.u8(dones_[s]);
    w.bytes(next_masks_.data() + s * na, na);
  }
  w.checksum();
}

void ReplayBuffer::load(std::istream& is, std::string_view name) {
  nn::BinaryReader r(is, name);
  r.magic(kMagic, "semra replay-buffer record");
  r.version(kVersion);
  std::uint32_t dims[5];
  for (auto& d : dims) d = r.u32();
  if (dims[0] != static_cast<std::uint32_t>(capacity_) ||
      dims[1] != static_cast<std::uint32_t>(obs_dim_) ||
      dims[2] != static_cast<std::uint32_t>(num_actions_))
    r.fail("replay buffer of capacity " + std::to_string(dims[0]) + ", obs_dim " +
           std::to_string(dims[1]) + ", actions " + std::to_string(dims[2]) + " does not match " +
           std::to_string(capacity_) + "/" + std::to_string(obs_dim_) + "/" +
           std::to_string(num_actions_));
  if (dims[3] >= dims[0] || dims[4] > dims[0]) r.fail("corrupted replay-buffer record (head/size)");
  // Read into copies so that a damaged record leaves this buffer unchanged.
  ReplayBuffer tmp(capacity_, obs_dim_, num_actions_);
  const auto od = static_cast<std::size_t>(obs_dim_);
  const auto na = static_cast<std::size_t>(num_actions_);
  for (std::size_t s = 0; s < dims[4]; ++s) {
    r.bytes(tmp.obs_.data() + s * od, od * sizeof(float));
    const std::uint32_t a = r.u32();
    if (a >= dims[2]) r.fail("corrupted replay-buffer record (action out of range)");
    tmp.actions_[s] = static_cast<int>(a);
    tmp.rewards_[s] = r.f32();
    r.bytes(tmp.next_obs_.data() + s * od, od * sizeof(float));
    tmp.dones_[s] = r.u8();
    r.bytes(tmp.next_masks_.data() + s * na, na);
  }
  r.checksum();
  tmp.head_ = static_cast<int>(dims[3]);
  tmp.size_ = static_cast<int>(dims[4]);
  *this = std::move(tmp);
}

}  // namespace semra::rl
