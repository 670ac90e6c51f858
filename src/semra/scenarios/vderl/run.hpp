#pragma once
// One `vderl` experiment: (config, scheme, seed) -> per-iteration metrics and summary scalars.
// Training proceeds in iterations (Fig. 6's x axis): collect training.frames_per_iteration frames,
// make training.gradient_steps gradient steps, then evaluate the greedy policies on
// training.eval_frames frames (the same frames at every iteration, so the curve shows the policy,
// not the channel draws). ippo and mappo collect an iteration's frames on-policy instead, from
// ppo.envs copies of the world stepped together (multi_agent.hpp), and make one PPO update
// (ppo.epochs passes) per iteration. After training, training.final_eval_frames fresh frames give
// the summary scalars.
#include <cstdint>
#include <string>
#include <vector>

#include "semra/core/experiment.hpp"
#include "semra/core/external_policy.hpp"
#include "semra/scenarios/vderl/config.hpp"
#include "semra/scenarios/vderl/multi_agent.hpp"
#include "semra/scenarios/vderl/schemes.hpp"

namespace semra::vderl {

// The metrics.csv columns, one row per iteration (the fields of EvalMetrics, in order; meaning:
// docs/model-vderl.md), and the summary scalars.
const std::vector<std::string>& metric_columns();
const std::vector<std::string>& summary_scalars();

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

// Runs `frames` frames (episodes) on `env` with the scheme acting greedily (explore = false; random
// draws from `action_rng`), frames drawn from `frame_rng` (advanced as if drawn from it directly).
// `latencies` (if given) receives every served user's T in ms.
EvalMetrics evaluate(MultiAgentEnvironment& env, Scheme& scheme, int frames, Rng& frame_rng,
                     Rng& action_rng, std::vector<float>* latencies = nullptr,
                     FrameSet set = FrameSet::eval);

// One experiment. Throws InputError for bad input, Interrupted when ctx asks to stop.
ExperimentResult run_experiment(const Config& cfg, const std::string& scheme, std::uint64_t seed,
                                RunContext& ctx);
// One experiment of an outside policy (semra.evaluate) labelled `name`: the loop of
// run_experiment for a scheme that does not learn (every iteration evaluates it on the same
// training.eval_frames frames, then training.final_eval_frames fresh frames give the scalars).
ExperimentResult run_policy_experiment(const Config& cfg, const std::string& name,
                                       std::uint64_t seed, RunContext& ctx, ExternalPolicy& policy);

// semra export-channels vderl: the gains h^q_vk of every frame run_experiment draws for `seed` in
// `iterations` iterations, to the .mat file `path`: G_rb (the training frames,
// iterations x training.frames_per_iteration), G_rb_eval (the evaluation frames, the same every
// iteration), G_rb_final (the final evaluation's), each [frames, servers, users, RBs]. With
// channel.source = "trace" on it the run is replayed bit for bit (docs/channels.md "Exporting").
void export_channels(const Config& cfg, std::uint64_t seed, std::int64_t iterations,
                     const std::string& path);

}  // namespace semra::vderl
