#pragma once
// E copies of one scenario's MultiAgentEnv stepped together (the Python face's semra.vector_env and
// semra.parallel_env, bench/vector_env.cpp): fixed buffers [E, A, D] / [E, A, N] padded to the
// largest agent's D and N (padding zero, padded actions masked 0), environments spread over a fixed
// set of threads.
//
// Environment e behaves exactly like the same MultiAgentEnv reset with seed + e and stepped with
// the same actions. Autoreset is Gymnasium's "next-step" mode: the step() after an environment's
// episode ended resets it (reset(), continuing its streams; reset_new_world() with
// set_autoreset_new_world), ignores its actions, and reports the reset observation with rewards 0
// and terminated = truncated = false. Each environment writes only its own rows, so results do not
// depend on the thread count.
//
// The action rule (docs/python.md "Actions"), the only implementation of it: the action of an
// agent that does not act at this step (acts() false, or its environment is about to autoreset) is
// ignored, whatever its value; an acting agent's action outside [0, N) is an error; an allowed
// action (mask 1) is applied; a masked one is an error, or (ignore_invalid) replaced by the agent's
// noop_action and flagged in invalid(). Errors are thrown before any environment moves, so a
// rejected call changes nothing.
//
// Misuse is an exception, never undefined behaviour: step() or state() before the first reset(),
// any call after close(), and a second thread entering while one is inside (one caller at a time)
// throw std::logic_error.
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
  // All environments must have the same agents (one factory, one config). threads >= 1; threads
  // beyond the number of environments are not started. A thread that cannot be started throws
  // ResourceError (after stopping those already started).
  // ignore_invalid: a masked action of an acting agent becomes its noop_action (flagged in
  // invalid()); otherwise step() throws std::invalid_argument before stepping any environment.
  VectorEnv(std::vector<std::unique_ptr<MultiAgentEnv>> envs, int threads, bool ignore_invalid);
  ~VectorEnv();
  VectorEnv(const VectorEnv&) = delete;
  VectorEnv& operator=(const VectorEnv&) = delete;

  int num_envs() const { return num_envs_; }
  int num_agents() const { return static_cast<int>(agents_.size()); }
  int obs_dim() const { return obs_dim_; }          // max D over agents
  int num_actions() const { return num_actions_; }  // max N over agents
  int state_dim() const { return state_dim_; }
  int num_infos() const { return static_cast<int>(info_names_.size()); }
  int threads() const { return threads_; }
  const std::vector<AgentSpec>& agents() const { return agents_; }
  const std::vector<std::string>& info_names() const { return info_names_; }
  MultiAgentEnv& env(int e);

  // Episodes: each is truncated after `steps` steps unless it ended before (0: no cap, the
  // scenario's own end only). Takes effect from the next reset.
  void set_max_episode_steps(std::int64_t steps);
  std::int64_t max_episode_steps() const { return max_steps_; }
  // The most steps an episode has: the cap, or the scenario's own episode length when shorter
  // (MultiAgentEnv::episode_steps); -1 when neither is known.
  std::int64_t episode_limit() const;
  // Every autoreset draws a new world (MultiAgentEnv::reset_new_world) instead of reset().
  void set_autoreset_new_world(bool on) { autoreset_new_world_ = on; }
  bool autoreset_new_world() const { return autoreset_new_world_; }

  // Env e: reset(seed + e); without a seed, reset() (each continues its own streams; the first
  // reset without a seed is reset(0)). new_world:
  // then reset_new_world(), so the episode starts in a world drawn from those streams.
  void reset(std::uint64_t seed) { reset_with(seed, false); }
  void reset() { reset_with(std::nullopt, false); }
  void reset_with(std::optional<std::uint64_t> seed, bool new_world);
  // actions: [E, A] row-major, checked by the action rule above. Fills every buffer below.
  void step(const int* actions);
  void step(const std::int64_t* actions);
  void state(float* out) const;  // [E, state_dim]
  std::string render_text(int e) const;

  // Stops the threads and frees the environments; the buffers stay (views of them remain valid).
  // Every later call except close() throws std::logic_error.
  void close();
  bool closed() const { return closed_; }
  bool has_reset() const { return has_reset_; }

  // Buffers, overwritten by reset() and step(). What a caller writes into them is its own: the
  // action rule reads private copies of the masks and of acts.
  float* obs() { return obs_.data(); }                   // [E, A, D]
  std::uint8_t* masks() { return masks_out_.data(); }    // [E, A, N]
  float* rewards() { return rewards_.data(); }           // [E, A]
  std::uint8_t* terminations() { return term_.data(); }  // [E]
  std::uint8_t* truncations() { return trunc_.data(); }  // [E]
  std::uint8_t* acts() { return acts_out_.data(); }      // [E, A], for the next step
  std::uint8_t* rewarded() { return rewarded_.data(); }  // [E, A], by the last step
  std::uint8_t* invalid() { return invalid_.data(); }    // [E, A], last step
  double* infos() { return infos_.data(); }              // [E, num_infos]
  const float* obs() const { return obs_.data(); }
  const std::uint8_t* masks() const { return masks_out_.data(); }
  const float* rewards() const { return rewards_.data(); }
  const std::uint8_t* terminations() const { return term_.data(); }
  const std::uint8_t* truncations() const { return trunc_.data(); }
  const std::uint8_t* acts() const { return acts_out_.data(); }
  const std::uint8_t* rewarded() const { return rewarded_.data(); }
  const std::uint8_t* invalid() const { return invalid_.data(); }
  const double* infos() const { return infos_.data(); }

 private:
  class Entry;  // the one-caller-at-a-time guard
  template <class T>
  void step_impl(const T* actions);
  void gather(int e);
  void step_one(int e);
  void begin_episode(int e);
  void run_all(const std::function<void(int)>& f);  // f(e) for every e, on the threads
  void worker(int t);
  void stop_workers();
  void check_usable(const char* what, bool needs_reset) const;

  std::vector<std::unique_ptr<MultiAgentEnv>> envs_;
  int num_envs_ = 0;
  std::vector<AgentSpec> agents_;
  std::vector<std::string> info_names_;
  int obs_dim_ = 0, num_actions_ = 0, state_dim_ = 0, threads_ = 1;
  bool ignore_invalid_ = false, autoreset_new_world_ = false;
  bool has_reset_ = false, ever_reset_ = false, closed_ = false;
  std::int64_t max_steps_ = 0;
  std::int64_t natural_steps_ = -1;
  std::vector<float> obs_, rewards_;
  std::vector<std::uint8_t> masks_, masks_out_, term_, trunc_, acts_, acts_out_, rewarded_,
      invalid_, needs_reset_;
  std::vector<double> infos_;
  std::vector<std::int64_t> steps_;  // [E] steps of the current episode
  std::vector<int> actions_;         // [E, A] as applied
  mutable std::atomic<bool> busy_{false};

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
