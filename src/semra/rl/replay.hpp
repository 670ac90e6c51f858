#pragma once
// Experience replay: a fixed-capacity ring of transitions
//   (obs, action, reward, next_obs, done, next_action_mask)
// stored in flat arrays allocated once at construction. When full, the oldest transition is
// overwritten. Sampling is uniform WITH replacement over the stored transitions (as SB3/CleanRL),
// from an explicitly passed Rng, into caller-owned batch matrices: no allocation once the batch has
// its size.
//
// The next-action mask is what the DQN target's max runs over, so a transition never bootstraps
// from an action that was invalid in next_obs.
#include <cstdint>
#include <iosfwd>
#include <string_view>
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/nn/tensor.hpp"

namespace semra::rl {

struct ReplayBatch {
  nn::Matrix obs;             // batch x obs_dim
  Eigen::VectorXi actions;    // batch
  nn::Vector rewards;         // batch
  nn::Matrix next_obs;        // batch x obs_dim
  nn::Vector dones;           // batch, 1 = episode ended at this transition (no bootstrap)
  nn::MaskMatrix next_masks;  // batch x num_actions
  Eigen::VectorXi indices;    // batch, storage slots sampled (for debugging / prioritised variants)

  void resize(int batch, int obs_dim, int num_actions);
  int size() const { return static_cast<int>(actions.size()); }
};

class ReplayBuffer {
 public:
  ReplayBuffer() = default;
  ReplayBuffer(int capacity, int obs_dim, int num_actions);

  // next_mask may be null: every action valid. done: terminal (true) vs time-limit/ongoing (false).
  void add(const float* obs, int action, float reward, const float* next_obs, bool done,
           const std::uint8_t* next_mask = nullptr);
  // `batch` transitions drawn uniformly with replacement (size() must be > 0); `out` is resized if
  // needed.
  void sample(int batch, Rng& rng, ReplayBatch& out) const;
  void clear();

  int size() const { return size_; }
  int capacity() const { return capacity_; }
  int obs_dim() const { return obs_dim_; }
  int num_actions() const { return num_actions_; }
  // Slot the next add() writes.
  int head() const { return head_; }

  // Storage, slot-major (slot i's obs at obs()[i * obs_dim ...]); slots [0, size()) are valid.
  const std::vector<float>& obs() const { return obs_; }
  const std::vector<int>& actions() const { return actions_; }
  const std::vector<float>& rewards() const { return rewards_; }
  const std::vector<float>& next_obs() const { return next_obs_; }
  const std::vector<std::uint8_t>& dones() const { return dones_; }
  const std::vector<std::uint8_t>& next_masks() const { return next_masks_; }

  // Binary record "SEMRARB1" (dimensions, head, size, the valid slots, FNV-1a checksum). load
  // requires the same capacity and dimensions; any problem throws semra::InputError naming `name`.
  void save(std::ostream& os) const;
  void load(std::istream& is, std::string_view name);

 private:
  int capacity_ = 0, obs_dim_ = 0, num_actions_ = 0;
  int head_ = 0, size_ = 0;
  std::vector<float> obs_, next_obs_, rewards_;
  std::vector<int> actions_;
  std::vector<std::uint8_t> dones_, next_masks_;
};

}  // namespace semra::rl
