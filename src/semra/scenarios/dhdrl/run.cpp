#include "semra/scenarios/dhdrl/run.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "semra/core/error.hpp"
#include "semra/core/experiment.hpp"
#include "semra/core/io.hpp"
#include "semra/core/work_team.hpp"
#include "semra/scenarios/dhdrl/multi_agent.hpp"
#include "semra/scenarios/dhdrl/schemes.hpp"

namespace semra::dhdrl {

const std::vector<std::string>& metric_columns() {
  static const std::vector<std::string> cols = {"qoe", "sinr_db", "k", "power", "g_r", "g_a"};
  return cols;
}

const std::vector<std::string>& summary_scalars() {
  static const std::vector<std::string> names = {"final_qoe", "steps_per_second"};
  return names;
}

namespace {

// eval.load's directory for one experiment (see make_loaded_scheme in run.hpp).
std::string eval_model_dir(const std::string& load, const std::string& scheme_name,
                           std::uint64_t seed) {
  namespace fs = std::filesystem;
  const std::string own = saved_model_dir(load, scheme_name, seed);
  if (fs::is_directory(own)) return own;
  // A run's models/ directory holds only <scheme>-seed<k> sub-directories; one experiment's holds
  // network files. Naming what is there tells a user which seed or scheme is missing.
  std::vector<std::string> runs;
  for (const auto& e : fs::directory_iterator(load))
    if (e.is_directory() && e.path().filename().string().find("-seed") != std::string::npos)
      runs.push_back(e.path().filename().string());
  if (runs.empty()) return load;
  std::sort(runs.begin(), runs.end());
  std::string has;
  for (std::size_t i = 0; i < runs.size() && i < 8; ++i) has += (i ? ", " : "") + runs[i];
  if (runs.size() > 8) has += ", ...";
  throw InputError("eval.load: '" + load + "' holds a run's saved models but no '" + scheme_name +
                   "-seed" + std::to_string(seed) + "' (has " + has + ")");
}

}  // namespace

std::unique_ptr<Scheme> make_loaded_scheme(const Config& config, const std::string& scheme_name,
                                           const MultiAgentEnvironment& env, std::uint64_t seed) {
  std::unique_ptr<Scheme> scheme = make_scheme(scheme_name, env, seed);
  if (!config.eval_load.empty()) {
    if (!scheme->learns())
      throw InputError("eval.load: scheme '" + scheme_name + "' has no networks to load");
    if (!std::filesystem::is_directory(config.eval_load))
      throw InputError("eval.load: '" + config.eval_load + "' is not a directory");
    scheme->load(eval_model_dir(config.eval_load, scheme_name, seed));
  } else if (!config.train_enabled && scheme->learns()) {
    throw InputError("train.enabled = false with scheme '" + scheme_name +
                     "' needs eval.load (a directory of saved models)");
  }
  return scheme;
}

void check_experiment(const Config& config, const std::string& scheme_name,
                      const std::vector<std::uint64_t>& seeds) {
  // Replay buffers of one transition: the check must not allocate what the run will.
  Config small = config;
  small.replay_capacity = 1;
  MultiAgentEnvironment env(small, std::make_shared<const semantic::AccuracyModel>(),
                            scheme_env_options(scheme_name));
  env.reset(1);
  // Networks may differ per seed (a run's models/ directory): each seed's are loaded once.
  if (config.eval_load.empty()) {
    (void)make_loaded_scheme(small, scheme_name, env, 1);
    return;
  }
  for (const std::uint64_t seed : seeds) (void)make_loaded_scheme(small, scheme_name, env, seed);
}

namespace {

// An outside policy (semra.evaluate) as a scheme: at every step the acting agents' observations
// and masks go to the policy and its actions to the environment (Redraw steps, where nobody acts,
// do not ask it).
class PolicyScheme final : public Scheme {
 public:
  PolicyScheme(const MultiAgentEnvironment& env, ExternalPolicy& policy) : policy_(policy) {
    for (const auto& a : env.agents()) {
      obs_stride_ = std::max(obs_stride_, a.obs_dim);
      mask_stride_ = std::max(mask_stride_, a.num_actions);
    }
    const std::size_t n = env.agents().size();
    obs_.assign(n * static_cast<std::size_t>(obs_stride_), 0.0f);
    masks_.assign(n * static_cast<std::size_t>(mask_stride_), 0);
    acts_.assign(n, 0);
    actions_.resize(n);
    rewards_.assign(n, 0.0f);
  }
  void step(MultiAgentEnvironment& env) override {
    const auto& agents = env.agents();
    bool any = false;
    for (std::size_t a = 0; a < agents.size(); ++a) {
      const int i = static_cast<int>(a);
      acts_[a] = env.acts(i) ? 1 : 0;
      actions_[a] = agents[a].noop_action;
      if (!acts_[a]) continue;
      any = true;
      env.observe(i, obs_.data() + a * static_cast<std::size_t>(obs_stride_));
      env.action_mask(i, masks_.data() + a * static_cast<std::size_t>(mask_stride_));
    }
    if (any)
      policy_.act(agents, obs_.data(), obs_stride_, masks_.data(), mask_stride_, acts_.data(),
                  actions_.data());
    env.step(actions_.data(), rewards_.data());
  }

 private:
  ExternalPolicy& policy_;
  int obs_stride_ = 0, mask_stride_ = 0;
  std::vector<float> obs_;
  std::vector<std::uint8_t> masks_, acts_;
  std::vector<int> actions_;
  std::vector<float> rewards_;
};

using SchemeFactory = std::function<std::unique_ptr<Scheme>(const MultiAgentEnvironment&)>;

ExperimentResult run_with(const Config& config, const std::string& scheme_name, std::uint64_t seed,
                          RunContext& ctx, const EnvOptions& options, const SchemeFactory& make);

}  // namespace

void export_channels(const Config& config, std::uint64_t seed, std::int64_t slots,
                     const std::string& path) {
  config.validate();
  if (config.channel_source != "model")
    throw InputError("channel.source: \"" + config.channel_source +
                     "\", expected \"model\" (export-channels writes the model's channels)");
  // The channels do not depend on the actions: the environment alone, its fading stepped once per
  // slot as the run loop steps it (MultiAgentEnvironment::step's slot step).
  Environment env(config, accuracy_model(config));
  radio::ChannelTrace g = radio::empty_trace(radio::TraceQuantity::beam_power, env.cells(),
                                             env.links(), env.codewords());
  const double bytes =
      static_cast<double>(slots + 1) * env.cells() * env.links() * env.codewords() * 8.0;
  if (bytes > 2e9)
    throw InputError("--slots " + std::to_string(slots) + ": the trace would take " +
                     std::to_string(static_cast<long long>(bytes / 1e6)) +
                     " MB (at most 2000 MB: export fewer slots; a shorter trace wraps around)");
  g.power.reserve(static_cast<std::size_t>(bytes / 8.0));
  env.record_channels(&g);
  env.reset(seed);
  for (std::int64_t t = 0; t < slots; ++t) env.advance();
  env.record_channels(nullptr);
  radio::write_channel_traces(path, {&g}, MatVersion::v5);
}

ExperimentResult run_experiment(const Config& config, const std::string& scheme_name,
                                std::uint64_t seed, RunContext& ctx) {
  return run_with(config, scheme_name, seed, ctx, scheme_env_options(scheme_name),
                  [&](const MultiAgentEnvironment& env) {
                    return make_loaded_scheme(config, scheme_name, env, seed);
                  });
}

ExperimentResult run_policy_experiment(const Config& config, const std::string& name,
                                       std::uint64_t seed, RunContext& ctx,
                                       ExternalPolicy& policy) {
  if (!config.eval_load.empty())
    throw InputError(
        "eval.load: a policy from Python brings its own decisions; eval.load names "
        "networks of a built-in scheme (remove it)");
  // The environment of semra.parallel_env: the default options (the hierarchical layout), or
  // those of the built-in scheme the policy acts as (greedy: the single layer), which then sees
  // the experiment's environment while it runs.
  const std::string as = policy.environment();
  const EnvOptions options = as.empty() ? EnvOptions{} : scheme_env_options(as);
  struct Detach {
    ExternalPolicy& p;
    ~Detach() { p.attach(nullptr); }
  } detach{policy};
  return run_with(config, name, seed, ctx, options,
                  [&](const MultiAgentEnvironment& env) -> std::unique_ptr<Scheme> {
                    policy.attach(&env);
                    policy.begin(seed);
                    return std::make_unique<PolicyScheme>(env, policy);
                  });
}

namespace {

ExperimentResult run_with(const Config& config, const std::string& scheme_name, std::uint64_t seed,
                          RunContext& ctx, const EnvOptions& options, const SchemeFactory& make) {
  config.validate();
  MultiAgentEnvironment env(config, accuracy_model(config), options);
  env.reset(seed);
  std::unique_ptr<Scheme> scheme = make(env);
  // The experiment's own threads (more than one when the command has spare ones): the agents'
  // phases of a slot and the fading run on them; the results are the same at any number.
  std::unique_ptr<WorkTeam> team;
  if (ctx.threads() > 1) team = std::make_unique<WorkTeam>(ctx.threads());
  env.set_team(team.get());
  scheme->set_team(team.get());

  ExperimentResult result;
  result.scheme = scheme_name;
  result.seed = seed;
  result.columns = metric_columns();
  const std::int64_t slots = config.train_slots;
  const int every = config.record_every_slots;
  const std::size_t rows = static_cast<std::size_t>((slots + every - 1) / every);
  result.steps.reserve(rows);
  result.values.assign(result.columns.size(), {});
  for (auto& v : result.values) v.reserve(rows);
  const std::int64_t tail_start = slots - std::max<std::int64_t>(1, slots / 10);
  double tail_qoe = 0.0;
  std::int64_t tail_n = 0;
  // Window accumulators for one metrics row.
  double acc_q = 0, acc_s = 0, acc_k = 0, acc_p = 0, acc_gr = 0, acc_ga = 0;
  std::int64_t acc_slots = 0, acc_served = 0;
  const double inv_links = 1.0 / env.links();

  // Checkpoints (core/experiment.hpp): the whole mutable state at the top of a slot.
  auto save_state = [&](StateWriter& out) {
    env.save_state(out);
    scheme->save_state(out);
    for (double v : {tail_qoe, acc_q, acc_s, acc_k, acc_p, acc_gr, acc_ga}) out.f64(v);
    for (std::int64_t v : {tail_n, acc_slots, acc_served}) out.i64(v);
  };
  const std::int64_t t_start = resume_checkpoint(
      ctx, "dhdrl", "dhdrl checkpoint of " + scheme_name + " seed " + std::to_string(seed), result,
      [&](StateReader& in) {
        env.load_state(in);
        scheme->load_state(in);
        for (double* v : {&tail_qoe, &acc_q, &acc_s, &acc_k, &acc_p, &acc_gr, &acc_ga})
          *v = in.f64();
        for (std::int64_t* v : {&tail_n, &acc_slots, &acc_served}) *v = in.i64();
      });
  // (load_result rebuilt the samples map: take the reference after it.)
  std::vector<float>& sinr_samples = result.samples["sinr_db"];
  sinr_samples.reserve(static_cast<std::size_t>(slots) * env.links());

  const auto t0 = std::chrono::steady_clock::now();
  const Environment& model = env.model();
  for (std::int64_t t = t_start; t < slots; ++t) {
    checkpoint_boundary(ctx, t, "dhdrl", result, save_state);
    run_slot(*scheme, env);

    const SlotTotals& sum = env.last_slot();
    for (int i = 0; i < env.links(); ++i) {
      if (model.power_w(i) > 0.0) {
        const double s = model.sinr_db(i);
        acc_s += s;
        ++acc_served;
        sinr_samples.push_back(static_cast<float>(s));
      }
    }
    const double q = sum.qoe * inv_links;
    acc_q += q, acc_k += sum.k * inv_links, acc_p += sum.power_w * inv_links,
        acc_gr += sum.g_r * inv_links, acc_ga += sum.g_a * inv_links;
    ++acc_slots;
    if (t >= tail_start) tail_qoe += q, ++tail_n;
    if (acc_slots == every || t == slots - 1) {
      const double n = static_cast<double>(acc_slots);
      result.steps.push_back(t);
      result.values[0].push_back(acc_q / n);
      result.values[1].push_back(acc_served > 0 ? acc_s / acc_served : std::nan(""));
      result.values[2].push_back(acc_k / n);
      result.values[3].push_back(acc_p / n);
      result.values[4].push_back(acc_gr / n);
      result.values[5].push_back(acc_ga / n);
      ctx.row_recorded(result);
      acc_q = acc_s = acc_k = acc_p = acc_gr = acc_ga = 0;
      acc_slots = acc_served = 0;
    }
    ctx.add_steps(1);
    if ((t & 127) == 0) ctx.report_metric(q);
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  result.scalars["final_qoe"] = tail_qoe / static_cast<double>(tail_n);
  result.scalars["steps_per_second"] = wall > 0 ? static_cast<double>(slots - t_start) / wall : 0.0;

  if (!ctx.models_root.empty() && scheme->learns()) {
    const std::string dir = ctx.model_dir_for(scheme_name, seed);
    create_directories_or_throw(dir);
    scheme->save(dir);
  }
  return result;
}

}  // namespace

}  // namespace semra::dhdrl
