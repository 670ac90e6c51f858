#pragma once
// The vderl schemes and the training / evaluation loop (spec vderl.md section 5).
//   vderl   per server a Q network and a policy network; Q_tot = sum_v Q_v (eq. 13) trained by eq.
//   (14)
//           on the total reward, policies by eq. (17); sample pi when training, argmax when
//           evaluating
//   vdn     the same Q_tot and TD loss, epsilon-greedy, no policy network
//   qmix    monotonic mixing network with hypernetworks on the global state (beyond the paper)
//   idqn    independent DQN per server on its own reward r_v
//   ippo    PPO per server (shared actor and critic), the critic on the server's observation
//   mappo   PPO with a centralised critic on the global state (rl/ppo.hpp, docs/model-vderl.md)
//   random  uniformly random valid actions
// Training proceeds in iterations (Fig. 6's x axis): collect training.frames_per_iteration frames,
// make training.gradient_steps gradient steps, then evaluate the greedy policies on
// training.eval_frames frames (the same frames at every iteration, so the curve shows the policy,
// not the channel draws). ippo and mappo collect an iteration's frames on-policy instead, from
// ppo.envs copies of the world stepped together (core/vector_env.hpp), and make one PPO update
// (ppo.epochs passes) per iteration. After training, training.final_eval_frames fresh frames give
// the summary scalars.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "semra/core/experiment.hpp"
#include "semra/core/external_policy.hpp"
#include "semra/core/scenario_entry.hpp"
#include "semra/scenarios/vderl/config.hpp"
#include "semra/scenarios/vderl/env.hpp"
#include "semra/scenarios/vderl/multi_agent_env.hpp"

namespace semra {
class VectorEnv;
}

namespace semra::vderl {

// The scheme table's rows for the registry (name, default set, step cost, help); scheme_names()
// are their names: vderl, vdn, idqn, qmix, ippo, mappo, random.
const std::vector<SchemeInfo>& scheme_table();
const std::vector<std::string>& scheme_names();

// Per-iteration columns (metrics.csv) and their meaning: docs/model-vderl.md.
const std::vector<std::string>& metric_columns();

// Aggregate of evaluation frames.
struct EvalMetrics {
  double total_reward = 0.0;          // mean over frames of eq. (12)
  double avg_latency_ms = 0.0;        // mean T over served users (eq. 5, best RB)
  double multi_rb_probability = 0.0;  // users given RBs by > 1 server / users given RBs
  double reliability = 0.0;           // served users with ISS >= xi / served users (eq. 7)
  double served_share = 0.0;          // served users / users
};

// The number of training iterations after which the moving average (trailing window) of
// `total_reward` (one value per iteration) stays within `tolerance` (relative) of its final value:
// 1 for a flat curve, series.size() when it never settles before the end. (metrics.csv numbers
// iterations from step 0, so that iteration is step convergence_iteration - 1.)
int convergence_iteration(const std::vector<double>& total_reward, int window = 5,
                          double tolerance = 0.05);

// Checks what only one scheme reads (ippo, mappo: ppo.envs divides
// training.frames_per_iteration); throws InputError naming the key.
void check_scheme_config(const Config& cfg, const std::string& scheme);

// One experiment. Throws InputError for bad input, Interrupted when ctx asks to stop.
ExperimentResult run_experiment(const Config& cfg, const std::string& scheme, std::uint64_t seed,
                                RunContext& ctx);
// One experiment of an outside policy (semra.evaluate) labelled `name`: the loop of
// run_experiment for a scheme that does not learn (every iteration evaluates it on the same
// training.eval_frames frames, then training.final_eval_frames fresh frames give the scalars).
ExperimentResult run_policy_experiment(const Config& cfg, const std::string& name,
                                       std::uint64_t seed, RunContext& ctx, ExternalPolicy& policy);

// Decision makers behind the schemes, for tests and benches. act() fills one action per server from
// the joint observation (servers x obs_dim) and masks (servers x num_actions).
class Agents {
 public:
  virtual ~Agents() = default;
  virtual void act(const float* obs, const std::uint8_t* masks, int* actions, Rng& rng,
                   bool explore) = 0;
  virtual bool learns() const { return false; }
  virtual bool needs_state() const { return false; }
  // One environment step's joint transition (obs, masks: agent-major; state may be null).
  virtual void observe(const float* /*obs*/, const std::uint8_t* /*masks*/, const int* /*actions*/,
                       const float* /*rewards*/, float /*team_reward*/, const float* /*next_obs*/,
                       const std::uint8_t* /*next_masks*/, bool /*done*/, const float* /*state*/,
                       const float* /*next_state*/) {}
  virtual void learn(int /*gradient_steps*/, Rng& /*rng*/) {}
  // On-policy learners collect an iteration's `frames` themselves from `envs` (copies of the
  // training world, frames_per_iteration / num_envs frames each), sampling from `explore`, then
  // learn (minibatch shuffles from `shuffle`).
  virtual bool on_policy() const { return false; }
  virtual void learn_on_policy(VectorEnv& /*envs*/, int /*frames*/, Rng& /*explore*/,
                               Rng& /*shuffle*/) {}
  // Called before iteration `it` (1-based) of `iterations`: schedules that depend only on it.
  virtual void begin_iteration(int /*it*/, int /*iterations*/) {}
  virtual void save(const std::string& /*dir*/) const {}
  // Checkpoints: networks, optimiser states, exploration schedules and replay buffers (the Rngs
  // are the caller's). load_state needs agents made by make_agents for the same config, env and
  // seed. Random agents have no state and write nothing.
  virtual void save_state(StateWriter& /*w*/) const {}
  virtual void load_state(StateReader& /*r*/) {}
};

std::unique_ptr<Agents> make_agents(const std::string& scheme, const Config& cfg, const Env& env,
                                    std::uint64_t seed);

// Runs `frames` frames (episodes) on `env` with the agents acting greedily (explore = false; random
// draws from `action_rng`), frames drawn from `frame_rng` (advanced as if drawn from it directly).
// `latencies` (if given) receives every served user's T in ms.
EvalMetrics evaluate(FrameEnv& env, Agents& agents, int frames, Rng& frame_rng, Rng& action_rng,
                     std::vector<float>* latencies = nullptr);

}  // namespace semra::vderl
