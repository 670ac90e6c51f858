#include "semra/core/vector_env.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace semra {

VectorEnv::VectorEnv(std::vector<std::unique_ptr<MultiAgentEnv>> envs, int threads,
                     bool ignore_invalid)
    : envs_(std::move(envs)), ignore_invalid_(ignore_invalid) {
  if (envs_.empty()) throw std::invalid_argument("VectorEnv: no environments");
  if (threads < 1) throw std::invalid_argument("VectorEnv: threads must be >= 1");
  agents_ = envs_.front()->agents();
  for (const auto& a : agents_) {
    obs_dim_ = std::max(obs_dim_, a.obs_dim);
    num_actions_ = std::max(num_actions_, a.num_actions);
  }
  state_dim_ = envs_.front()->state_dim();
  num_infos_ = static_cast<int>(envs_.front()->info_names().size());
  threads_ = std::min(threads, num_envs());
  const auto E = envs_.size(), A = agents_.size();
  obs_.assign(E * A * static_cast<std::size_t>(obs_dim_), 0.0f);
  masks_.assign(E * A * static_cast<std::size_t>(num_actions_), 0);
  rewards_.assign(E * A, 0.0f);
  env_rewards_.assign(E * A, 0.0f);
  term_.assign(E, 0);
  trunc_.assign(E, 0);
  acts_.assign(E * A, 0);
  invalid_.assign(E * A, 0);
  needs_reset_.assign(E, 0);
  infos_.assign(E * static_cast<std::size_t>(num_infos_), 0.0);
  actions_.assign(E * A, 0);
  errors_.resize(static_cast<std::size_t>(threads_));
  for (int t = 1; t < threads_; ++t) pool_.emplace_back([this, t] { worker(t); });
}

VectorEnv::~VectorEnv() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    quit_ = true;
  }
  start_cv_.notify_all();
  for (auto& th : pool_) th.join();
}

namespace {

// Spins up to ~50 us for `done`, then gives up (the caller then sleeps on a condition variable):
// a vector step of 64 cheap environments takes ~0.2-0.3 ms, and a sleep/wake round trip per step
// would cost a noticeable part of it.
template <class Done>
bool spin_for(Done&& done) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
  for (int i = 0;; ++i) {
    if (done()) return true;
    if ((i & 255) == 255 && std::chrono::steady_clock::now() > until) return false;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
}

}  // namespace

// Thread t runs the contiguous block of environments [t E / T, (t + 1) E / T).
void VectorEnv::worker(int t) {
  std::uint64_t seen = 0;
  for (;;) {
    const std::function<void(int)>* task = nullptr;
    spin_for([&] { return generation_.load(std::memory_order_acquire) != seen; });
    {
      std::unique_lock<std::mutex> lock(mu_);
      start_cv_.wait(lock, [&] { return quit_ || generation_.load() != seen; });
      if (quit_) return;
      seen = generation_.load();
      task = task_;
    }
    const int E = num_envs();
    try {
      for (int e = t * E / threads_; e < (t + 1) * E / threads_; ++e) (*task)(e);
    } catch (...) {
      errors_[static_cast<std::size_t>(t)] = std::current_exception();
    }
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lock(mu_);
      done_cv_.notify_one();
    }
  }
}

void VectorEnv::run_all(const std::function<void(int)>& f) {
  std::fill(errors_.begin(), errors_.end(), nullptr);
  if (threads_ > 1) {
    std::lock_guard<std::mutex> lock(mu_);
    task_ = &f;
    pending_.store(threads_ - 1);
    generation_.fetch_add(1, std::memory_order_release);
  }
  start_cv_.notify_all();
  const int E = num_envs();
  try {
    for (int e = 0; e < E / threads_; ++e) f(e);
  } catch (...) {
    errors_[0] = std::current_exception();
  }
  if (threads_ > 1 && !spin_for([&] { return pending_.load(std::memory_order_acquire) == 0; })) {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return pending_.load() == 0; });
  }
  for (const auto& err : errors_)
    if (err) std::rethrow_exception(err);
}

void VectorEnv::gather(int e) {
  MultiAgentEnv& env = *envs_[static_cast<std::size_t>(e)];
  const std::size_t A = agents_.size();
  for (std::size_t a = 0; a < A; ++a) {
    const std::size_t ea = static_cast<std::size_t>(e) * A + a;
    env.observe(static_cast<int>(a), &obs_[ea * static_cast<std::size_t>(obs_dim_)]);
    env.action_mask(static_cast<int>(a), &masks_[ea * static_cast<std::size_t>(num_actions_)]);
    acts_[ea] = env.acts(static_cast<int>(a)) ? 1 : 0;
  }
  // data() + offset, not &infos_[offset]: an environment may have no infos (an empty vector).
  env.info(infos_.data() + static_cast<std::size_t>(e) * static_cast<std::size_t>(num_infos_));
}

void VectorEnv::reset(std::uint64_t seed) {
  reset_all(seed);
}
void VectorEnv::reset() {
  reset_all(std::nullopt);
}

void VectorEnv::reset_all(std::optional<std::uint64_t> seed) {
  run_all([&](int e) {
    auto& env = *envs_[static_cast<std::size_t>(e)];
    if (seed)
      env.reset(*seed + static_cast<std::uint64_t>(e));
    else
      env.reset();
    needs_reset_[static_cast<std::size_t>(e)] = 0;
    gather(e);
  });
  std::fill(rewards_.begin(), rewards_.end(), 0.0f);
  std::fill(term_.begin(), term_.end(), std::uint8_t{0});
  std::fill(trunc_.begin(), trunc_.end(), std::uint8_t{0});
  std::fill(invalid_.begin(), invalid_.end(), std::uint8_t{0});
}

void VectorEnv::step_one(int e) {
  const auto ue = static_cast<std::size_t>(e);
  const std::size_t A = agents_.size();
  MultiAgentEnv& env = *envs_[ue];
  float* rew = &rewards_[ue * A];
  if (needs_reset_[ue]) {  // next-step autoreset: this call's actions are ignored
    env.reset();
    needs_reset_[ue] = 0;
    std::fill(rew, rew + A, 0.0f);
    term_[ue] = trunc_[ue] = 0;
    gather(e);
    return;
  }
  env.step(&actions_[ue * A], rew);
  term_[ue] = env.terminated() ? 1 : 0;
  trunc_[ue] = env.truncated() ? 1 : 0;
  needs_reset_[ue] = term_[ue] || trunc_[ue];
  gather(e);
}

void VectorEnv::step(const int* actions) {
  // Checked against the masks the caller saw, before any environment moves: a rejected call
  // changes nothing.
  const std::size_t A = agents_.size();
  std::fill(invalid_.begin(), invalid_.end(), std::uint8_t{0});
  for (std::size_t e = 0; e < envs_.size(); ++e) {
    for (std::size_t a = 0; a < A; ++a) {
      const std::size_t ea = e * A + a;
      const AgentSpec& spec = agents_[a];
      int act = actions[ea];
      if (needs_reset_[e] || !acts_[ea]) {
        act = spec.noop_action;  // ignored by the environment
      } else if (act < 0 || act >= spec.num_actions ||
                 !masks_[ea * static_cast<std::size_t>(num_actions_) +
                         static_cast<std::size_t>(act)]) {
        if (!ignore_invalid_)
          throw std::invalid_argument("env " + std::to_string(e) + ", agent " + spec.name +
                                      ": action " + std::to_string(act) +
                                      " is masked (action_mask is 0)");
        invalid_[ea] = 1;
        act = spec.noop_action;
      }
      actions_[ea] = act;
    }
  }
  run_all([this](int e) { step_one(e); });
}

void VectorEnv::state(float* out) const {
  for (std::size_t e = 0; e < envs_.size(); ++e)
    envs_[e]->state(out + e * static_cast<std::size_t>(state_dim_));
}

}  // namespace semra
