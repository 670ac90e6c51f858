// semra: the command line. Thin: parses flags, builds a RunPlan, hands it to experiments/.
// Exit codes (docs/limits.md): 0 success, 2 bad usage, bad input or a resource the user controls
// (unwritable --out, memory, threads), 1 internal failure (a bug), 130 interrupted.
#include <CLI/CLI.hpp>
#include <atomic>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <new>
#include <sstream>

#include <unistd.h>

#include "semra/core/error.hpp"
#include "semra/core/io.hpp"
#include "semra/core/isa.hpp"
#include "semra/core/stop.hpp"
#include "semra/core/thread_pool.hpp"
#include "semra/experiments/docs.hpp"
#include "semra/experiments/limits.hpp"
#include "semra/experiments/mpi.hpp"
#include "semra/experiments/plot.hpp"
#include "semra/experiments/registry.hpp"
#include "semra/experiments/resolve.hpp"
#include "semra/experiments/runner.hpp"
#include "semra/experiments/sweep_file.hpp"
#include "semra/semantic/report.hpp"
#include "semra/version.hpp"

namespace {

int g_argc = 0;
char** g_argv = nullptr;

// The first SIGINT/SIGTERM asks running experiments to stop at their next step boundary (they
// checkpoint, finished ones are already stored); a second one kills at once. Before anything is
// written (reading inputs, planning) there is nothing to clean up: exit 130 at once
// (core/stop.hpp).
extern "C" void on_signal(int sig) {
  if (semra::exit_on_stop().load()) {
    static const char kMessage[] = "semra: interrupted\n";
    if (::write(2, kMessage, sizeof kMessage - 1) < 0) {
    }
    ::_exit(130);
  }
  semra::stop_flag().store(true);
  std::signal(sig, SIG_DFL);
}

// Prints "semra: error: MESSAGE" as one line (control characters escaped, at most ~4 kB).
void print_error(const std::string& message) {
  std::fprintf(stderr, "semra: error: %s\n", semra::one_line(message).c_str());
}

// The command line that continues this one: the same arguments plus --resume (and --out DIR
// when the directory was chosen by default), quoted for a POSIX shell.
std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789_-.,/=:+@%") == std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string resume_command(int argc, char** argv, const std::filesystem::path& out, bool had_out) {
  std::string cmd;
  if (semra::mpi::size() > 1) cmd = "mpirun -np " + std::to_string(semra::mpi::size()) + " ";
  bool has_resume = false;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    has_resume = has_resume || a == "--resume";
    cmd += (i ? " " : "") + shell_quote(a);
  }
  if (!had_out) cmd += " --out " + shell_quote(out.string());
  if (!has_resume) cmd += " --resume";
  // A command line of kilobytes (many --set, long values) is not worth repeating in full.
  if (cmd.size() > 1000)
    return "the same command with --resume" +
           (had_out ? std::string() : " --out " + shell_quote(out.string())) + " (it is " +
           std::to_string(cmd.size()) + " bytes long)";
  return cmd;
}

std::string join(const std::vector<std::string>& v, const std::string& sep = ", ") {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

struct CommonOptions {
  CLI::App* cmd = nullptr;  // the subcommand, to ask which options were given
  std::string config_file;
  std::vector<std::string> sets;
  std::int64_t seed = 1;
  std::int64_t seeds = 0;  // when not given: the command's default
  std::int64_t threads = 0;
  std::string out;
  bool quiet = false;
  bool save_models = false;
  bool resume = false;
  std::int64_t checkpoint_every = 0;
  bool tensorboard = false;
  std::string formats = "png";
  std::string size = "default";
};

// CLI11 clamps an out-of-range integer to the type's limit without a word (--seed
// 18446744073709551615 ran with seed 9223372036854775807): every integer flag is checked as text
// first, whole and in range.
// A real in (low, high], checked as text like the integers (CLI11's own message for "abc" is its
// parser's).
CLI::Validator real_in_open_closed(double low, double high) {
  return CLI::Validator(
      [low, high](std::string& text) -> std::string {
        char* end = nullptr;
        const double v = text.empty() ? 0.0 : std::strtod(text.c_str(), &end);
        if (!text.empty() && end == text.c_str() + text.size() && v > low && v <= high) return "";
        return "'" + semra::echo(text) + "': expected a number in (" + semra::format_double(low) +
               ", " + semra::format_double(high) + "]";
      },
      "REAL");
}

CLI::Validator integer_in(std::int64_t min, std::int64_t max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        std::int64_t v = 0;
        const char* end = text.data() + text.size();
        const auto [p, ec] = std::from_chars(text.data(), end, v);
        if (ec == std::errc() && p == end && v >= min && v <= max) return "";
        return "'" + semra::echo(text) + "': expected an integer from " + std::to_string(min) +
               " to " + std::to_string(max);
      },
      "INT");
}

void add_scale_options(CLI::App* cmd, CommonOptions& o) {
  cmd->add_flag("--resume", o.resume,
                "continue the run stored in --out DIR: finished experiments are kept (after "
                "checking their config and version), the others run or continue from their "
                "checkpoint");
  cmd->add_option("--checkpoint-every", o.checkpoint_every,
                  "steps between mid-experiment checkpoints (scenarios that support them); 0: "
                  "only when interrupted")
      ->check(integer_in(0, std::numeric_limits<std::int64_t>::max()));
}

// --threads, --out, --quiet, --resume and --checkpoint-every: every command that runs experiments.
void add_run_options(CLI::App* cmd, CommonOptions& o) {
  o.cmd = cmd;
  cmd->add_option("--threads", o.threads,
                  "experiments run in parallel, 1 to " +
                      std::to_string(semra::limits::kMaxThreads) + " (0, the default: all cores)")
      ->check(integer_in(0, semra::limits::kMaxThreads));
  cmd->add_option("--out", o.out, "output directory (default results/<name>-<timestamp>)");
  cmd->add_flag("--quiet", o.quiet, "no progress output");
  add_scale_options(cmd, o);
}

void add_output_options(CLI::App* cmd, CommonOptions& o) {
  cmd->add_flag("--tensorboard", o.tensorboard,
                "also write each experiment's metrics as TensorBoard event files under "
                "OUT/tensorboard/ (docs/outputs.md)");
  cmd->add_option("--format", o.formats,
                  "figure formats, comma-separated subset of png, pdf, svg (default png)");
  cmd->add_option("--size", o.size,
                  "figure size: default, or ieee (3.5 in single column, 8 pt text)");
}

void add_common(CLI::App* cmd, CommonOptions& o) {
  o.cmd = cmd;
  cmd->add_option("--config", o.config_file, "TOML file overriding the scenario defaults");
  cmd->add_option("--set", o.sets, "override one key: --set dotted.key=value (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--seed", o.seed, "first seed (default 1)")
      ->check(integer_in(0, std::numeric_limits<std::int64_t>::max()));
  cmd->add_option("--seeds", o.seeds, "number of seeds: seed .. seed+COUNT-1")
      ->check(integer_in(1, static_cast<std::int64_t>(semra::limits::kMaxExperiments)));
  add_run_options(cmd, o);
  cmd->add_flag("--save-models", o.save_models, "write trained networks under OUT/models/");
  add_output_options(cmd, o);
}

bool given(const CommonOptions& o, const std::string& flag) {
  return o.cmd != nullptr && o.cmd->get_option_no_throw(flag) != nullptr && o.cmd->count(flag) > 0;
}

// --config's file; given with an empty name it is an error, not "no file".
const std::string& config_path(const CommonOptions& o) {
  if (given(o, "--config") && o.config_file.empty())
    throw semra::InputError("--config '': expected a TOML file");
  return o.config_file;
}

// Default: every core, shared among the ranks on this machine under mpirun.
int threads_for(const CommonOptions& o) {
  if (o.threads > 0) return static_cast<int>(o.threads);
  return std::max(1, semra::default_threads() / std::max(1, semra::mpi::local_size()));
}

// --scheme a,b: the names in order, empty ones kept (make_run_plan refuses them).
std::vector<std::string> parse_schemes(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(item);
  if (!s.empty() && s.back() == ',') out.emplace_back();
  return out;
}

int finish_plan(semra::RunPlan& plan, const CommonOptions& o, const std::string& name) {
  if (given(o, "--threads") && o.threads != 0) semra::limits::check_threads(o.threads);
  if (given(o, "--out") && o.out.empty())
    throw semra::InputError("--out '': expected a directory (omit --out for results/" + name +
                            "-<timestamp>)");
  if (o.resume && o.out.empty())
    throw semra::InputError("--resume needs --out DIR (the directory of the run to continue)");
  if (o.checkpoint_every < 0)
    throw semra::InputError("--checkpoint-every " + std::to_string(o.checkpoint_every) +
                            ": expected >= 0");
  plan.threads = threads_for(o);
  plan.out_dir = o.out.empty() ? semra::default_out_dir(name) : std::filesystem::path(o.out);
  plan.quiet = o.quiet || !semra::mpi::is_root();
  plan.save_models = o.save_models;
  plan.resume = o.resume;
  plan.checkpoint_every = o.checkpoint_every;
  plan.tensorboard = o.tensorboard;
  plan.figure_style.formats = semra::parse_figure_formats(o.formats);
  semra::check_figure_size(o.size);
  plan.figure_style.size = o.size;
  plan.stop_flag = &semra::stop_flag();
  try {
    plan.config->validate();
  } catch (const semra::InputError& e) {
    if (plan.source.empty()) throw;
    throw semra::InputError(plan.source + ": " + e.what());
  }
  try {
    const auto outcome = semra::execute(plan);
    if (!outcome.root) return 0;
    std::cout << outcome.summary_table;
    if (outcome.reused > 0)
      std::cout << "reused " << outcome.reused << " stored experiment(s), ran " << outcome.computed
                << "\n";
    std::cout << "wrote " << plan.out_dir.string() << " in " << outcome.wall_seconds << " s\n";
  } catch (const semra::RunInterrupted& e) {
    if (semra::mpi::is_root()) {
      std::fprintf(stderr, "semra: interrupted: %zu of %zu experiments finished and stored in %s",
                   e.finished, e.total, e.out_dir.string().c_str());
      if (e.checkpoints > 0) std::fprintf(stderr, " (%zu checkpointed mid-way)", e.checkpoints);
      std::fprintf(stderr, "; resume with:\n  %s\n",
                   resume_command(g_argc, g_argv, plan.out_dir, !o.out.empty()).c_str());
    }
    return 130;
  }
  return 0;
}

// A clearer message than CLI11's "The following argument was not expected" when the cause is a
// mistyped command or option: names it and suggests the nearest valid one. Empty otherwise.
std::string parse_error_hint(const CLI::App& app, int argc, char** argv) {
  std::vector<std::string> commands;
  for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    commands.push_back(sub->get_name());
  const CLI::App* cmd = nullptr;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.empty() || a[0] == '-') continue;
    for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; }))
      if (sub->get_name() == a) cmd = sub;
    if (cmd == nullptr)
      return "unknown command '" + semra::echo(a) + "'" + semra::did_you_mean(a, commands) +
             " (commands: " + join(commands) + ")";
    break;
  }
  const CLI::App& where = cmd != nullptr ? *cmd : app;
  std::vector<std::string> flags;
  for (const auto* opt : where.get_options())
    for (const auto& n : opt->get_lnames()) flags.push_back("--" + n);
  if (cmd != nullptr)
    for (const auto* opt : app.get_options())
      for (const auto& n : opt->get_lnames()) flags.push_back("--" + n);
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") break;
    if (a.rfind("--", 0) != 0) continue;
    a = a.substr(0, a.find('='));
    if (std::find(flags.begin(), flags.end(), a) != flags.end()) continue;
    const std::string in = cmd != nullptr ? " for 'semra " + cmd->get_name() + "'" : "";
    return "unknown option '" + semra::echo(a) + "'" + in + semra::did_you_mean(a, flags) +
           " (see semra" + (cmd != nullptr ? " " + cmd->get_name() : std::string()) + " --help)";
  }
  return "";
}

int cmd_list() {
  std::vector<const semra::ScenarioEntry*> scs;
  for (const auto& s : semra::scenarios()) scs.push_back(&s);
  std::vector<const semra::FigureEntry*> figs;
  for (const auto& f : semra::figures()) figs.push_back(&f);
  for (const auto* s : semra::extra_scenarios()) scs.push_back(s);
  for (const auto* f : semra::extra_figures()) figs.push_back(f);
  std::cout << "scenarios:\n";
  for (const auto* s : scs) {
    std::cout << "  " << s->name << "  " << s->description << "\n";
    std::size_t width = 0;
    for (const auto& info : s->schemes) width = std::max(width, info.name.size());
    for (const auto& info : s->schemes)
      std::cout << "    " << info.name << std::string(width + 2 - info.name.size(), ' ')
                << info.help << (info.in_default_set ? "" : " (only with --scheme)") << "\n";
  }
  std::cout << "figures:\n";
  for (const auto* f : figs) std::cout << "  " << f->name << "  " << f->description << "\n";
  return 0;
}

// One subcommand: CLI11 fills its options, `run` executes it (exit code; InputError for bad
// input). Each make_* below declares one command's options and its function.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

Command make_list(CLI::App& app) {
  return {app.add_subcommand("list", "list scenarios, schemes and figures"), cmd_list};
}

// `semra run SCENARIO`: a plan from the command line, then the runner.
Command make_run(CLI::App& app) {
  struct Options {
    CommonOptions common;
    std::string scenario, schemes;
    std::int64_t steps = -1;
  };
  auto o = std::make_shared<Options>();
  auto* run = app.add_subcommand("run", "train and evaluate schemes of one scenario");
  run->add_option("SCENARIO", o->scenario, "scenario name (see `semra list`)")->required();
  run->add_option("--scheme", o->schemes, "scheme(s), comma-separated (default: all)");
  std::string units;  // what --steps counts, from the registry: "slots for dhdrl, ..."
  for (const auto& sc : semra::scenarios())
    units += (units.empty() ? "" : ", ") + sc.step_unit + " for " + sc.name;
  run->add_option("--steps", o->steps, "training length (" + units + ")")
      ->check(integer_in(1, std::numeric_limits<std::int64_t>::max()));
  add_common(run, o->common);
  return {run, [o, run] {
            const auto& sc = semra::scenario_or_throw(o->scenario);
            semra::RunRequest request;
            request.config_path = config_path(o->common);
            request.sets = o->common.sets;
            if (run->count("--scheme") > 0) request.schemes = parse_schemes(o->schemes);
            if (run->count("--steps") > 0) request.steps = o->steps;
            request.seed = o->common.seed;
            request.seeds = given(o->common, "--seeds") ? o->common.seeds : 1;
            semra::RunPlan plan = semra::make_run_plan(sc, request);
            return finish_plan(plan, o->common, sc.name);
          }};
}

// The options of `semra figure NAME` and `semra sweep FILE`: what to run, --quick, the rest.
struct NamedPlanOptions {
  CommonOptions common;
  std::string name;
  bool quick = false;
};

// `semra figure NAME`: the figure's plan, then the runner.
Command make_figure(CLI::App& app) {
  auto o = std::make_shared<NamedPlanOptions>();
  auto* fig = app.add_subcommand("figure", "reproduce a paper figure (all its schemes and seeds)");
  fig->add_option("FIGURE", o->name, "figure name (see `semra list`)")->required();
  fig->add_flag("--quick", o->quick, "a short version for a first look (minutes, not hours)");
  add_common(fig, o->common);
  return {fig, [o] {
            semra::FigureRequest request{o->name,  config_path(o->common), o->common.sets,
                                         o->quick, o->common.seed,         std::nullopt};
            if (given(o->common, "--seeds")) request.seeds = o->common.seeds;
            semra::RunPlan plan = semra::make_figure_plan(request);
            return finish_plan(plan, o->common, plan.figure);
          }};
}

// `semra sweep FILE`: the sweep file's plan, then the runner.
Command make_sweep(CLI::App& app) {
  auto o = std::make_shared<NamedPlanOptions>();
  auto* sw = app.add_subcommand(
      "sweep", "run a grid of configurations (a sweep file: scenario, schemes, seeds, [grid])");
  sw->add_option("FILE", o->name, "sweep file (TOML; see configs/sweeps/ and docs/scaling.md)")
      ->required();
  sw->add_flag("--quick", o->quick, "apply the file's [quick] overrides and quick_seeds");
  add_run_options(sw, o->common);
  add_output_options(sw, o->common);
  return {sw, [o] {
            semra::RunPlan plan = semra::load_sweep_file(o->name, o->quick);
            return finish_plan(plan, o->common, plan.sweep);
          }};
}

// `semra semantic`: which scene-graph triples are sent and why (semantic/report.hpp).
Command make_semantic(CLI::App& app) {
  struct Options {
    std::string graphs, embeddings;
    double xi = 0.5;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* sem = app.add_subcommand("semantic", "show which scene-graph triples are sent and why");
  sem->add_option("--scene-graphs", o->graphs, "scene graphs, Visual Genome JSON layout")
      ->required();
  sem->add_option("--embeddings", o->embeddings, "embeddings JSON (default: synthetic encoder)");
  sem->add_option("--xi", o->xi, "estimated-similarity target in (0, 1] (default 0.5)")
      ->check(real_in_open_closed(0.0, 1.0));
  sem->add_flag("--json", o->json, "JSON output");
  return {sem, [o] {
            if (!(o->xi > 0.0 && o->xi <= 1.0))
              throw semra::InputError("--xi " + semra::format_double(o->xi) +
                                      ": expected a value in (0, 1]");
            std::cout << (o->json ? semra::semantic::semantic_report_json(o->graphs, o->embeddings,
                                                                          o->xi)
                                  : semra::semantic::semantic_report_table(o->graphs, o->embeddings,
                                                                           o->xi));
            return 0;
          }};
}

// `semra plot DIR...`: finished runs' learning curves in one figure (experiments/plot.hpp).
Command make_plot(CLI::App& app) {
  struct Options {
    std::vector<std::string> dirs;
    std::string metric, labels, formats, size = "default", out, published;
  };
  auto o = std::make_shared<Options>();
  auto* plot = app.add_subcommand(
      "plot", "overlay the learning curves of finished runs of one scenario in one figure");
  plot->add_option("DIR", o->dirs, "run directories (semra run / figure output)")->required();
  plot->add_option("--metric", o->metric,
                   "metrics.csv column to plot (default: the scenario's headline metric)");
  plot->add_option("--label", o->labels,
                   "curve labels, comma-separated, one per DIR (default: the config keys that "
                   "differ between the runs)");
  plot->add_option("--format", o->formats,
                   "png, pdf, svg, comma-separated (default: FILE's extension, else png)");
  plot->add_option("--size", o->size, "default, or ieee (3.5 in single column, 8 pt text)");
  plot->add_option("--out", o->out, "the figure FILE (FILE's stem also names .gp and .dat)")
      ->required();
  plot->add_option("--published", o->published,
                   "CSV of published curves (slot,NAME,...; e.g. data/dhdrl-published/C7.csv) "
                   "drawn dashed over ours, each in the colour of our scheme of that name");
  return {plot, [o] {
            semra::PlotRequest req;
            for (const auto& d : o->dirs) req.dirs.emplace_back(d);
            req.metric = o->metric;
            if (!o->labels.empty()) req.labels = split_commas(o->labels);
            if (!o->formats.empty()) req.formats = semra::parse_figure_formats(o->formats);
            req.size = o->size;
            req.out = o->out;
            req.published = o->published;
            const auto outcome = semra::plot_runs(req);
            for (const auto& f : outcome.figures) std::cout << "wrote " << f.string() << "\n";
            return 0;
          }};
}

// `semra config`: a scenario's defaults as TOML, or every key as Markdown (docs/config.md).
Command make_config(CLI::App& app) {
  struct Options {
    std::string scenario;
    bool markdown = false;
  };
  auto o = std::make_shared<Options>();
  auto* cfg = app.add_subcommand("config", "print a scenario's default configuration (TOML)");
  cfg->add_option("SCENARIO", o->scenario, "scenario name; omit with --markdown for all");
  cfg->add_flag("--markdown", o->markdown, "every key as a Markdown table (docs/config.md)");
  return {cfg, [o] {
            if (o->markdown) {
              if (!o->scenario.empty()) semra::scenario_or_throw(o->scenario);
              std::cout << semra::config_reference_markdown(o->scenario);
              return 0;
            }
            if (o->scenario.empty())
              throw semra::InputError("config: name a scenario or use --markdown");
            std::cout << semra::resolve_config(semra::scenario_or_throw(o->scenario), "", {})
                             ->schema()
                             .to_toml();
            return 0;
          }};
}

// `semra export-channels SCENARIO --out FILE.mat`: the channels the scenario's model draws for a
// seed, as the trace that channel.source = "trace" replays into the same run (docs/channels.md).
Command make_export_channels(CLI::App& app) {
  struct Options {
    CommonOptions common;
    std::string scenario, out;
    std::int64_t steps = -1;
  };
  auto o = std::make_shared<Options>();
  auto* ex = app.add_subcommand(
      "export-channels", "write the channels a model-driven run draws for a seed as a .mat trace");
  ex->add_option("SCENARIO", o->scenario, "scenario name (see `semra list`)")->required();
  ex->add_option("--out", o->out, "the trace FILE (.mat, MATLAB v5; must not exist)")->required();
  ex->add_option("--steps", o->steps,
                 "the run length the trace covers (default: the config's train.slots for dhdrl, "
                 "iterations for vderl)")
      ->check(integer_in(1, std::numeric_limits<std::int64_t>::max()));
  o->common.cmd = ex;
  ex->add_option("--config", o->common.config_file, "TOML file overriding the scenario defaults");
  ex->add_option("--set", o->common.sets, "override one key: --set dotted.key=value (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  ex->add_option("--seed", o->common.seed, "the run's seed (default 1)")
      ->check(integer_in(0, std::numeric_limits<std::int64_t>::max()));
  return {
      ex, [o] {
        const auto& sc = semra::scenario_or_throw(o->scenario);
        if (!sc.export_channels)
          throw semra::InputError("export-channels: scenario '" + sc.name +
                                  "' has no channel model to export");
        const std::filesystem::path out(o->out);
        if (out.extension() != ".mat")
          throw semra::InputError("--out '" + semra::echo(o->out) + "': expected a .mat file name");
        if (std::filesystem::exists(out))
          throw semra::InputError("--out '" + semra::echo(o->out) +
                                  "': exists (remove it or choose another name)");
        const auto config = semra::resolve_config(sc, config_path(o->common), o->common.sets);
        config->validate();
        sc.export_channels(*config, static_cast<std::uint64_t>(o->common.seed), o->steps, o->out);
        std::cout << "wrote " << o->out << "\n";
        return 0;
      }};
}

// Runs `command` and turns what it throws into the exit code and the one line the user sees.
int run_command(const std::function<int()>& command) {
  try {
    return command();
  } catch (const semra::InputError& e) {
    // Every MPI rank meets the same bad input; rank 0 speaks for all.
    if (semra::mpi::is_root()) print_error(e.what());
    return 2;
  } catch (const std::bad_alloc&) {
    // A resource the user controls (sizes, --threads), not a bug: exit 2 like bad input. Before
    // anything was written, it was the inputs or the plan, not running experiments.
    print_error(semra::exit_on_stop().load()
                    ? "out of memory while reading the inputs and planning, before any "
                      "experiment started: use smaller input files or fewer experiments "
                      "(docs/limits.md)"
                    : "out of memory: lower --threads or the sizes listed in docs/limits.md");
    return 2;
  } catch (const std::filesystem::filesystem_error& e) {
    // Every filesystem call is on a path the user gave (or one under --out).
    print_error(std::string(e.what()) + " (check the path and its permissions)");
    return 2;
  } catch (const semra::Interrupted&) {
    if (semra::mpi::is_root()) std::fprintf(stderr, "semra: interrupted\n");
    return 130;
  } catch (const std::exception& e) {
    std::fprintf(
        stderr, "semra: internal error%s: %s\n",
        semra::mpi::size() > 1 ? (" on rank " + std::to_string(semra::mpi::rank())).c_str() : "",
        semra::one_line(e.what()).c_str());
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Signals first: a stop while the command line is read is a stop like any other (exit 130).
  // Nothing is written before the runner (or plot) says so, so until then a stop ends the process
  // at once (core/stop.hpp); not under mpirun, whose ranks stop together through MPI.
  semra::exit_on_stop().store(true);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  // MPI first (it may rewrite argv); a no-op unless started by mpirun.
  semra::mpi::Session mpi_session(argc, argv);
  semra::exit_on_stop().store(semra::mpi::size() <= 1);
  g_argc = argc;
  g_argv = argv;
  // The kernel variant is fixed for the whole process before anything computes.
  semra::Isa isa = semra::Isa::Baseline;
  try {
    isa = semra::active_isa();
  } catch (const semra::InputError& e) {
    if (semra::mpi::is_root()) print_error(e.what());
    return 2;
  }
  CLI::App app{"semra " + std::string(semra::kVersion) +
               ": semantic-aware resource allocation, simulated and learned"};
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", std::string("semra ") + semra::kVersion +
                                        " (kernels: " + std::string(semra::to_string(isa)) + ")");
  const std::vector<Command> commands = {
      make_list(app),     make_run(app),  make_figure(app), make_sweep(app),
      make_semantic(app), make_plot(app), make_config(app), make_export_channels(app)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    if (semra::mpi::is_root()) {
      const std::string hint = parse_error_hint(app, argc, argv);
      std::fprintf(stderr, "semra: error: %s\nRun with --help for more information.\n",
                   semra::one_line(hint.empty() ? e.what() : hint).c_str());
    }
    return 2;
  }
  for (const auto& c : commands)
    if (c.app->parsed()) return run_command(c.run);
  std::cout << app.help();
  return 0;
}
