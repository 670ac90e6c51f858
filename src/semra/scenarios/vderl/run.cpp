#include "semra/scenarios/vderl/run.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <memory>
#include <utility>

#include "semra/core/error.hpp"
#include "semra/core/io.hpp"
#include "semra/core/vector_env.hpp"

namespace semra::vderl {

const std::vector<std::string>& metric_columns() {
  static const std::vector<std::string> cols = {
      "total_reward", "avg_latency_ms", "multi_rb_probability", "reliability", "served_share"};
  return cols;
}

const std::vector<std::string>& summary_scalars() {
  static const std::vector<std::string> names = {
      "final_reward", "avg_latency_ms",  "multi_rb_probability",  "reliability",
      "served_share", "reliability_met", "convergence_iteration", "steps_per_second"};
  return names;
}

int convergence_iteration(const std::vector<double>& total_reward, int window, double tolerance) {
  if (total_reward.empty()) return 0;
  const std::size_t n = total_reward.size();
  std::vector<double> ma(n);
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    sum += total_reward[i];
    if (i >= static_cast<std::size_t>(window))
      sum -= total_reward[i - static_cast<std::size_t>(window)];
    ma[i] =
        sum / static_cast<double>(std::min<std::size_t>(i + 1, static_cast<std::size_t>(window)));
  }
  const double final_value = ma.back();
  const double band = tolerance * std::max(std::abs(final_value), 1e-12);
  std::size_t first = n - 1;
  for (std::size_t i = n; i-- > 0;) {
    if (std::abs(ma[i] - final_value) > band) break;
    first = i;
  }
  return static_cast<int>(first + 1);
}

namespace {

// Joint observation buffers of one environment, filled through the MultiAgentEnv interface.
struct JointView {
  int obs_dim, num_actions;
  std::vector<float> obs, state;
  std::vector<std::uint8_t> masks;
  JointView(const MultiAgentEnv& env, bool with_state)
      : obs_dim(env.agents().front().obs_dim),
        num_actions(env.agents().front().num_actions),
        obs(env.agents().size() * static_cast<std::size_t>(obs_dim)),
        state(with_state ? static_cast<std::size_t>(env.state_dim()) : 0),
        masks(env.agents().size() * static_cast<std::size_t>(num_actions)) {}
  void gather(const MultiAgentEnv& env) {
    for (int v = 0; v < static_cast<int>(env.agents().size()); ++v) {
      env.observe(v, obs.data() + static_cast<std::ptrdiff_t>(v) * obs_dim);
      env.action_mask(v, masks.data() + static_cast<std::ptrdiff_t>(v) * num_actions);
    }
    if (!state.empty()) env.state(state.data());
  }
};

struct EvalAccumulator {
  double reward = 0.0, latency = 0.0;
  long served = 0, multi = 0, ok = 0, user_frames = 0;
  int frames = 0;
  void add(const FrameMetrics& m) {
    reward += m.total_reward;
    latency += m.latency_sum_ms;
    served += m.served;
    multi += m.multi;
    ok += m.iss_ok_served;
    user_frames += m.users;
    ++frames;
  }
  EvalMetrics result() const {
    EvalMetrics e;
    e.total_reward = frames ? reward / frames : 0.0;
    e.avg_latency_ms = served ? latency / static_cast<double>(served) : 0.0;
    e.multi_rb_probability =
        served ? static_cast<double>(multi) / static_cast<double>(served) : 0.0;
    e.reliability = served ? static_cast<double>(ok) / static_cast<double>(served) : 0.0;
    e.served_share =
        user_frames ? static_cast<double>(served) / static_cast<double>(user_frames) : 0.0;
    return e;
  }
};

}  // namespace

EvalMetrics evaluate(MultiAgentEnvironment& env, Scheme& agents, int frames, Rng& frame_rng,
                     Rng& action_rng, std::vector<float>* latencies, FrameSet set) {
  JointView view(env, false);
  const std::size_t servers = env.agents().size();
  std::vector<int> actions(servers);
  std::vector<float> rewards(servers);
  EvalAccumulator acc;
  env.start_frames(frame_rng, set);
  for (int f = 0; f < frames; ++f) {
    env.reset();
    while (!env.terminated()) {
      view.gather(env);
      agents.act(view.obs.data(), view.masks.data(), actions.data(), action_rng, false);
      env.step(actions.data(), rewards.data());
    }
    const Environment& frame = env.model();
    acc.add(frame.metrics());
    if (latencies != nullptr)
      for (int k = 0; k < frame.users(); ++k)
        if (frame.user_latency_ms(k) >= 0.0)
          latencies->push_back(static_cast<float>(frame.user_latency_ms(k)));
  }
  frame_rng = env.frame_stream();
  return acc.result();
}

void export_channels(const Config& cfg, std::uint64_t seed, std::int64_t iterations,
                     const std::string& path) {
  cfg.validate();
  if (cfg.channel_source != "model")
    throw InputError("channel.source: \"" + cfg.channel_source +
                     "\", expected \"model\" (export-channels writes the model's channels)");
  const double frames = static_cast<double>(iterations) * cfg.frames_per_iteration +
                        cfg.eval_frames + cfg.final_eval_frames;
  const double bytes = frames * cfg.servers * cfg.users * cfg.rbs * 8.0;
  if (bytes > 2e9)
    throw InputError(
        "--steps " + std::to_string(iterations) + ": the trace would take " +
        std::to_string(static_cast<long long>(bytes / 1e6)) +
        " MB (at most 2000 MB: export fewer iterations; a shorter trace wraps around)");
  // Each frame set drawn from its stream exactly as run_experiment draws it (Environment::reset:
  // the fading, then the image requests).
  const auto world = make_world(cfg, seed);
  Environment env(cfg, world);
  struct Part {
    const char* variable;
    Rng frames;
    std::int64_t count;
  };
  const Part parts[] = {{"G_rb", Rng(seed, MultiAgentEnvironment::kFrameStream),
                         iterations * cfg.frames_per_iteration},
                        {"G_rb_eval", Rng(seed, "eval-frames"), cfg.eval_frames},
                        {"G_rb_final", Rng(seed, "final-eval-frames"), cfg.final_eval_frames}};
  std::vector<NumericArray> arrays;
  for (Part part : parts) {
    radio::ChannelTrace t =
        radio::empty_trace(radio::TraceQuantity::rb_power, cfg.servers, cfg.users, cfg.rbs);
    for (std::int64_t f = 0; f < part.count; ++f) {
      env.reset(part.frames);
      radio::append_rb_row(t, env.channel());
    }
    arrays.push_back(radio::trace_array(t));
  }
  std::vector<NamedArray> named;
  for (std::size_t i = 0; i < arrays.size(); ++i) named.push_back({parts[i].variable, &arrays[i]});
  write_mat_arrays(path, named, MatVersion::v5);
}

namespace {

// An outside policy (semra.evaluate) as the agents of an experiment: it never learns, so the loop
// below only evaluates it, exactly as it evaluates `random`.
class PolicyScheme final : public Scheme {
 public:
  PolicyScheme(const MultiAgentEnv& env, ExternalPolicy& policy)
      : agents_(env.agents()),
        obs_dim_(agents_.front().obs_dim),
        actions_(agents_.front().num_actions),
        acts_(agents_.size(), 1),
        policy_(policy) {}
  void act(const float* obs, const std::uint8_t* masks, int* actions, Rng&, bool) override {
    policy_.act(agents_, obs, obs_dim_, masks, actions_, acts_.data(), actions);
  }

 private:
  std::vector<AgentSpec> agents_;
  int obs_dim_, actions_;
  std::vector<std::uint8_t> acts_;  // every server acts at every step
  ExternalPolicy& policy_;
};

using AgentsFactory = std::function<std::unique_ptr<Scheme>(const MultiAgentEnvironment&)>;

ExperimentResult run_with(const Config& cfg, const std::string& scheme, std::uint64_t seed,
                          RunContext& ctx, const AgentsFactory& make);

}  // namespace

ExperimentResult run_experiment(const Config& cfg, const std::string& scheme, std::uint64_t seed,
                                RunContext& ctx) {
  return run_with(cfg, scheme, seed, ctx, [&](const MultiAgentEnvironment& env) {
    return make_scheme(scheme, cfg, env.model(), seed);
  });
}

ExperimentResult run_policy_experiment(const Config& cfg, const std::string& name,
                                       std::uint64_t seed, RunContext& ctx,
                                       ExternalPolicy& policy) {
  return run_with(cfg, name, seed, ctx,
                  [&](const MultiAgentEnvironment& env) -> std::unique_ptr<Scheme> {
                    policy.begin(seed);
                    return std::make_unique<PolicyScheme>(env, policy);
                  });
}

namespace {

ExperimentResult run_with(const Config& cfg, const std::string& scheme, std::uint64_t seed,
                          RunContext& ctx, const AgentsFactory& make) {
  cfg.validate();
  check_scheme_config(cfg, scheme);
  const auto t0 = std::chrono::steady_clock::now();
  const auto world = make_world(cfg, seed);
  // Streams: every random component draws from its own (seed, name) stream. The training frames
  // are those of MultiAgentEnvironment::reset(seed) (the Python environment's episodes for that
  // seed).
  MultiAgentEnvironment train_env(cfg, world, Rng(seed, MultiAgentEnvironment::kFrameStream));
  MultiAgentEnvironment eval_env(cfg, world, Rng(seed, "eval-frames"));
  auto agents = make(train_env);
  Rng& train_frames = train_env.frame_stream();
  Rng explore(seed, "exploration"), replay(seed, "replay-sampling");
  Rng eval_actions(seed, "eval-actions");
  const Rng eval_frames_start(seed, "eval-frames");  // the same evaluation frames every iteration
  // On-policy learners: their training environments (the frames of each are its stream's).
  std::unique_ptr<VectorEnv> envs;
  if (agents->on_policy()) envs = make_training_envs(cfg, world, seed, ctx.threads());

  ExperimentResult result;
  result.scheme = scheme;
  result.seed = seed;
  result.columns = metric_columns();

  const bool with_state = agents->needs_state();
  JointView now(train_env, with_state), next(train_env, with_state);
  std::vector<int> actions(train_env.agents().size());
  std::vector<float> rewards(train_env.agents().size());
  std::vector<double> reward_curve;
  std::int64_t frames_stored = 0;

  // Checkpoints (core/experiment.hpp) at the top of an iteration. The environments need nothing:
  // every frame starts with reset(frame stream), which redraws all of their mutable state.
  // A trace-driven run also saves where each training environment is in the trace.
  const bool trace_driven = cfg.channel_source == "trace";
  auto save_state = [&](StateWriter& out) {
    agents->save_state(out);
    for (const Rng* g : {&train_frames, &explore, &replay, &eval_actions}) out.rng(*g);
    out.vec(reward_curve);
    out.i64(frames_stored);
    if (envs)
      for (int e = 0; e < envs->num_envs(); ++e) out.rng(frame_stream_of(*envs, e));
    if (trace_driven) {
      out.u64(train_env.frames_drawn());
      if (envs)
        for (int e = 0; e < envs->num_envs(); ++e)
          out.u64(training_env_of(*envs, e).frames_drawn());
    }
  };
  const int it_start =
      1 + static_cast<int>(resume_checkpoint(
              ctx, "vderl", "vderl checkpoint of " + scheme + " seed " + std::to_string(seed),
              result, [&](StateReader& in) {
                agents->load_state(in);
                for (Rng* g : {&train_frames, &explore, &replay, &eval_actions}) in.rng(*g);
                in.vec_into(reward_curve);
                frames_stored = in.i64();
                if (envs)
                  for (int e = 0; e < envs->num_envs(); ++e) in.rng(frame_stream_of(*envs, e));
                if (trace_driven) {
                  train_env.set_frames_drawn(in.u64());
                  if (envs)
                    for (int e = 0; e < envs->num_envs(); ++e)
                      training_env_of(*envs, e).set_frames_drawn(in.u64());
                }
              }));

  for (int it = it_start; it <= cfg.iterations; ++it) {
    checkpoint_boundary(ctx, it - 1, "vderl", result, save_state);  // it - 1 iterations done
    agents->begin_iteration(it, cfg.iterations);
    if (envs) {
      agents->learn_on_policy(*envs, cfg.frames_per_iteration, explore, replay);
      frames_stored += cfg.frames_per_iteration;
    } else if (agents->learns()) {
      for (int f = 0; f < cfg.frames_per_iteration; ++f) {
        train_env.reset();
        now.gather(train_env);
        while (!train_env.terminated()) {
          agents->act(now.obs.data(), now.masks.data(), actions.data(), explore, true);
          train_env.step(actions.data(), rewards.data());
          next.gather(train_env);
          float team_reward =
              0.0f;  // the sum over servers, in server order (as Environment sums it)
          for (const float r : rewards) team_reward += r;
          agents->observe(now.obs.data(), now.masks.data(), actions.data(), rewards.data(),
                          team_reward, next.obs.data(), next.masks.data(), train_env.terminated(),
                          with_state ? now.state.data() : nullptr,
                          with_state ? next.state.data() : nullptr);
          std::swap(now, next);
        }
        ++frames_stored;
      }
      if (frames_stored >= cfg.learning_starts_frames) agents->learn(cfg.gradient_steps, replay);
    }
    Rng eval_frames = eval_frames_start;
    const EvalMetrics m = evaluate(eval_env, *agents, cfg.eval_frames, eval_frames, eval_actions);
    result.add_row(it - 1, {m.total_reward, m.avg_latency_ms, m.multi_rb_probability, m.reliability,
                            m.served_share});
    ctx.row_recorded(result);
    reward_curve.push_back(m.total_reward);
    ctx.add_steps(1);
    ctx.report_metric(m.avg_latency_ms);
  }

  // Final evaluation on fresh frames: the summary scalars.
  Rng final_frames(seed, "final-eval-frames");
  std::vector<float> latencies;
  const EvalMetrics fin = evaluate(eval_env, *agents, cfg.final_eval_frames, final_frames,
                                   eval_actions, &latencies, FrameSet::final_eval);
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  result.scalars["final_reward"] = fin.total_reward;
  result.scalars["avg_latency_ms"] = fin.avg_latency_ms;
  result.scalars["multi_rb_probability"] = fin.multi_rb_probability;
  result.scalars["reliability"] = fin.reliability;
  result.scalars["served_share"] = fin.served_share;
  result.scalars["reliability_met"] = fin.reliability >= cfg.epsilon ? 1.0 : 0.0;
  result.scalars["convergence_iteration"] = convergence_iteration(reward_curve);
  result.scalars["steps_per_second"] =
      wall_s > 0.0 ? (cfg.iterations - it_start + 1) / wall_s : 0.0;
  result.samples["latency_ms"] = std::move(latencies);

  const std::string dir = ctx.models_root.empty() ? std::string() : ctx.model_dir_for(scheme, seed);
  if (!dir.empty()) {
    create_directories_or_throw(dir);
    agents->save(dir);
  }
  return result;
}

}  // namespace

}  // namespace semra::vderl