#pragma once
// E copies of one scenario's MultiAgentEnv stepped together (the Python face's semra.vector_env,
// bench/vector_env.cpp): fixed buffers [E, A, D] / [E, A, N] padded to the largest agent's D and N
// (padding zero, padded actions masked 0), environments spread over a fixed set of threads.
//
// Environment e behaves exactly like the same MultiAgentEnv reset with seed + e and stepped with
// the same actions. Autoreset is Gymnasium's "next-step" mode: the step() after an environment's
// episode ended resets it (reset(), continuing its streams), ignores its actions, and reports
// the reset observation with rewards 0 and terminated = truncated = false. Each environment writes
// only its own rows, so results do not depend on the thread count.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "semra/core/multi_agent_env.hpp"

namespace semra {

class VectorEnv {
 public:
  // All environments must have the same agents (one factory, one config). threads >= 1.
  // ignore_invalid: a masked action of an acting agent becomes its noop_action (and is flagged in
  // invalid()); otherwise step() throws std::invalid_argument before stepping any environment.
  VectorEnv(std::vector<std::unique_ptr<MultiAgentEnv>> envs, int threads, bool ignore_invalid);
  ~VectorEnv();
  VectorEnv(const VectorEnv&) = delete;
  VectorEnv& operator=(const VectorEnv&) = delete;

  int num_envs() const { return static_cast<int>(envs_.size()); }
  int num_agents() const { return static_cast<int>(agents_.size()); }
  int obs_dim() const { return obs_dim_; }          // max D over agents
  int num_actions() const { return num_actions_; }  // max N over agents
  int state_dim() const { return state_dim_; }
  int num_infos() const { return num_infos_; }
  int threads() const { return threads_; }
  const std::vector<AgentSpec>& agents() const { return agents_; }
  const std::vector<std::string>& info_names() const { return envs_.front()->info_names(); }
  MultiAgentEnv& env(int e) { return *envs_[static_cast<std::size_t>(e)]; }

  // Env e: reset(seed + e); without a seed, reset() (each continues its own streams).
  void reset(std::uint64_t seed);
  void reset();
  // actions: [E, A] row-major. Fills every buffer below.
  void step(const int* actions);
  void state(float* out) const;  // [E, state_dim]

  // Buffers, overwritten by reset() and step().
  const float* obs() const { return obs_.data(); }                   // [E, A, D]
  const std::uint8_t* masks() const { return masks_.data(); }        // [E, A, N]
  const float* rewards() const { return rewards_.data(); }           // [E, A]
  const std::uint8_t* terminations() const { return term_.data(); }  // [E]
  const std::uint8_t* truncations() const { return trunc_.data(); }  // [E]
  const std::uint8_t* acts() const { return acts_.data(); }          // [E, A]
  const std::uint8_t* invalid() const { return invalid_.data(); }    // [E, A], last step
  const double* infos() const { return infos_.data(); }              // [E, num_infos]

 private:
  void reset_all(std::optional<std::uint64_t> seed);
  void gather(int e);
  void step_one(int e);
  void run_all(const std::function<void(int)>& f);  // f(e) for every e, on the threads
  void worker(int t);

  std::vector<std::unique_ptr<MultiAgentEnv>> envs_;
  std::vector<AgentSpec> agents_;
  int obs_dim_ = 0, num_actions_ = 0, state_dim_ = 0, num_infos_ = 0, threads_ = 1;
  bool ignore_invalid_ = false;
  std::vector<float> obs_, rewards_, env_rewards_;
  std::vector<std::uint8_t> masks_, term_, trunc_, acts_, invalid_, needs_reset_;
  std::vector<double> infos_;
  std::vector<int> actions_;  // [E, A] as applied

  // Persistent workers 1..threads-1 (the caller is worker 0): a task generation counter.
  std::vector<std::thread> pool_;
  std::mutex mu_;
  std::condition_variable start_cv_, done_cv_;
  const std::function<void(int)>* task_ = nullptr;
  // Written under mu_ (so a sleeping worker cannot miss a round), read without it while spinning.
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  bool quit_ = false;
  std::vector<std::exception_ptr> errors_;
};

}  // namespace semra
