#include "semra/core/vector_env.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "semra/core/error.hpp"

namespace semra {

// Marks the environment busy for the duration of a call; a second thread entering meanwhile gets
// std::logic_error instead of racing on the buffers and the workers (the Python face releases the
// GIL while stepping, so two Python threads can get here at once).
class VectorEnv::Entry {
 public:
  Entry(const VectorEnv& v, const char* what) : busy_(v.busy_) {
    if (busy_.exchange(true, std::memory_order_acquire))
      throw std::logic_error(std::string(what) +
                             ": another thread is inside this environment (one caller at a "
                             "time: give each thread its own environment)");
  }
  ~Entry() { busy_.store(false, std::memory_order_release); }
  Entry(const Entry&) = delete;
  Entry& operator=(const Entry&) = delete;

 private:
  std::atomic<bool>& busy_;
};

VectorEnv::VectorEnv(std::vector<std::unique_ptr<MultiAgentEnv>> envs, int threads,
                     bool ignore_invalid)
    : envs_(std::move(envs)), ignore_invalid_(ignore_invalid) {
  if (envs_.empty()) throw std::invalid_argument("VectorEnv: no environments");
  if (threads < 1) throw std::invalid_argument("VectorEnv: threads must be >= 1");
  num_envs_ = static_cast<int>(envs_.size());
  agents_ = envs_.front()->agents();
  info_names_ = envs_.front()->info_names();
  for (const auto& a : agents_) {
    obs_dim_ = std::max(obs_dim_, a.obs_dim);
    num_actions_ = std::max(num_actions_, a.num_actions);
  }
  state_dim_ = envs_.front()->state_dim();
  natural_steps_ = envs_.front()->episode_steps();
  threads_ = std::min(threads, num_envs());
  const auto E = envs_.size(), A = agents_.size();
  obs_.assign(E * A * static_cast<std::size_t>(obs_dim_), 0.0f);
  masks_.assign(E * A * static_cast<std::size_t>(num_actions_), 0);
  masks_out_ = masks_;
  rewards_.assign(E * A, 0.0f);
  term_.assign(E, 0);
  trunc_.assign(E, 0);
  acts_.assign(E * A, 0);
  acts_out_ = acts_;
  rewarded_.assign(E * A, 0);
  invalid_.assign(E * A, 0);
  needs_reset_.assign(E, 0);
  infos_.assign(E * info_names_.size(), 0.0);
  steps_.assign(E, 0);
  actions_.assign(E * A, 0);
  errors_.resize(static_cast<std::size_t>(threads_));
  for (int t = 1; t < threads_; ++t) {
    try {
      pool_.emplace_back([this, t] { worker(t); });
    } catch (const std::system_error& e) {
      stop_workers();
      throw ResourceError("could not start thread " + std::to_string(t + 1) + " of " +
                          std::to_string(threads_) + " (" + e.what() +
                          "): use fewer threads (docs/limits.md)");
    }
  }
}

VectorEnv::~VectorEnv() {
  stop_workers();
}

void VectorEnv::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    quit_ = true;
  }
  start_cv_.notify_all();
  for (auto& th : pool_) th.join();
  pool_.clear();
}

void VectorEnv::check_usable(const char* what, bool needs_reset) const {
  if (closed_) throw std::logic_error(std::string(what) + ": the environment is closed");
  if (needs_reset && !has_reset_)
    throw std::logic_error(
        std::string(what) +
        (ever_reset_ ? " after a reset() or step() that failed part-way" : " before reset()") +
        ": call reset() first");
}

MultiAgentEnv& VectorEnv::env(int e) {
  check_usable("env", false);
  if (e < 0 || e >= num_envs()) throw std::out_of_range("no environment " + std::to_string(e));
  return *envs_[static_cast<std::size_t>(e)];
}

void VectorEnv::set_max_episode_steps(std::int64_t steps) {
  if (steps < 0) throw std::invalid_argument("max_episode_steps must be >= 0");
  max_steps_ = steps;
}

std::int64_t VectorEnv::episode_limit() const {
  if (max_steps_ > 0 && (natural_steps_ < 0 || max_steps_ < natural_steps_)) return max_steps_;
  return natural_steps_;
}

void VectorEnv::close() {
  if (closed_) return;
  Entry entry(*this, "close");
  stop_workers();
  envs_.clear();
  closed_ = true;
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
  const auto ue = static_cast<std::size_t>(e);
  const std::size_t A = agents_.size(), N = static_cast<std::size_t>(num_actions_);
  // Once the episode ended, the next step() autoresets this environment: nobody's action counts.
  const bool ended = needs_reset_[ue] != 0;
  for (std::size_t a = 0; a < A; ++a) {
    const std::size_t ea = ue * A + a;
    env.observe(static_cast<int>(a), &obs_[ea * static_cast<std::size_t>(obs_dim_)]);
    env.action_mask(static_cast<int>(a), &masks_[ea * N]);
    acts_[ea] = !ended && env.acts(static_cast<int>(a)) ? 1 : 0;
  }
  std::memcpy(&masks_out_[ue * A * N], &masks_[ue * A * N], A * N);
  std::memcpy(&acts_out_[ue * A], &acts_[ue * A], A);
  // data() + offset, not &infos_[offset]: an environment may have no infos (an empty vector).
  env.info(infos_.data() + ue * info_names_.size());
}

void VectorEnv::begin_episode(int e) {
  const auto ue = static_cast<std::size_t>(e);
  const std::size_t A = agents_.size();
  needs_reset_[ue] = 0;
  steps_[ue] = 0;
  std::fill_n(&rewards_[ue * A], A, 0.0f);
  std::fill_n(&rewarded_[ue * A], A, std::uint8_t{0});
  term_[ue] = trunc_[ue] = 0;
  gather(e);
}

void VectorEnv::reset_with(std::optional<std::uint64_t> seed, bool new_world) {
  Entry entry(*this, "reset");
  check_usable("reset", false);
  // A failure part-way leaves some environments reset and others not: step() then refuses until
  // a reset() succeeds.
  // The first reset without a seed is reset(0): env e gets seed e, not seed 0 like every other.
  if (!seed && !ever_reset_) seed = 0;
  has_reset_ = false;
  run_all([&](int e) {
    auto& env = *envs_[static_cast<std::size_t>(e)];
    if (seed)
      env.reset(*seed + static_cast<std::uint64_t>(e));
    else if (!new_world)
      env.reset();
    if (new_world) env.reset_new_world();
    begin_episode(e);
  });
  std::fill(invalid_.begin(), invalid_.end(), std::uint8_t{0});
  has_reset_ = ever_reset_ = true;
}

void VectorEnv::step_one(int e) {
  const auto ue = static_cast<std::size_t>(e);
  const std::size_t A = agents_.size();
  MultiAgentEnv& env = *envs_[ue];
  if (needs_reset_[ue]) {  // next-step autoreset: this call's actions are ignored
    if (autoreset_new_world_)
      env.reset_new_world();
    else
      env.reset();
    begin_episode(e);
    return;
  }
  env.step(&actions_[ue * A], &rewards_[ue * A]);
  for (std::size_t a = 0; a < A; ++a) rewarded_[ue * A + a] = env.rewarded(static_cast<int>(a));
  ++steps_[ue];
  term_[ue] = env.terminated() ? 1 : 0;
  trunc_[ue] = env.truncated() || (max_steps_ > 0 && steps_[ue] >= max_steps_) ? 1 : 0;
  needs_reset_[ue] = term_[ue] || trunc_[ue];
  gather(e);
}

void VectorEnv::step(const int* actions) {
  step_impl(actions);
}
void VectorEnv::step(const std::int64_t* actions) {
  step_impl(actions);
}

template <class T>
void VectorEnv::step_impl(const T* actions) {
  Entry entry(*this, "step");
  check_usable("step", true);
  // Checked against the masks the caller saw, before any environment moves: a rejected call
  // changes nothing.
  const std::size_t A = agents_.size(), N = static_cast<std::size_t>(num_actions_);
  std::fill(invalid_.begin(), invalid_.end(), std::uint8_t{0});
  auto where = [&](std::size_t e, std::size_t a) {
    return (num_envs_ > 1 ? "env " + std::to_string(e) + ", " : std::string()) + "agent " +
           agents_[a].name + ": action " + std::to_string(actions[e * A + a]);
  };
  for (std::size_t e = 0; e < envs_.size(); ++e) {
    for (std::size_t a = 0; a < A; ++a) {
      const std::size_t ea = e * A + a;
      const AgentSpec& spec = agents_[a];
      const T act = actions[ea];
      if (!acts_[ea]) {
        actions_[ea] = spec.noop_action;  // ignored by the environment
      } else if (act < 0 || act >= spec.num_actions) {
        throw std::invalid_argument(where(e, a) + " is out of range [0, " +
                                    std::to_string(spec.num_actions) + ")");
      } else if (!masks_[ea * N + static_cast<std::size_t>(act)]) {
        if (!ignore_invalid_)
          throw std::invalid_argument(where(e, a) + " is masked (action_mask is 0)");
        invalid_[ea] = 1;
        actions_[ea] = spec.noop_action;
      } else {
        actions_[ea] = static_cast<int>(act);
      }
    }
  }
  try {
    run_all([this](int e) { step_one(e); });
  } catch (...) {
    has_reset_ = false;  // some environments may have moved and others not
    throw;
  }
}

void VectorEnv::state(float* out) const {
  Entry entry(*this, "state");
  check_usable("state", true);
  for (std::size_t e = 0; e < envs_.size(); ++e)
    envs_[e]->state(out + e * static_cast<std::size_t>(state_dim_));
}

std::string VectorEnv::render_text(int e) const {
  Entry entry(*this, "render");
  check_usable("render", true);
  if (e < 0 || e >= num_envs()) throw std::out_of_range("no environment " + std::to_string(e));
  return envs_[static_cast<std::size_t>(e)]->render_text();
}

}  // namespace semra
