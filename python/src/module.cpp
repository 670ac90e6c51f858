// semra._core: the C++ side of the Python package (python/semra/). Thin: every model, config and
// run goes through the same C++ code as the CLI; python/semra/*.py adds the PettingZoo / Gymnasium
// conventions (dicts, spaces, invalid_action) on top. Both semra.parallel_env and semra.vector_env
// are a VectorEnv here (parallel_env: one environment), so the action rule, the episode cap and
// autoreset live once, in core/vector_env.cpp.
//
// Misuse from Python is an exception, never a crash (docs/python.md "What the bindings check"):
// bad input raises ValueError, misuse of an environment's state (step before reset, after close,
// from two threads at once) RuntimeError.
#include <malloc.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <sched.h>
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "semra/core/error.hpp"
#include "semra/core/external_policy.hpp"
#include "semra/core/multi_agent_env.hpp"
#include "semra/core/rng.hpp"
#include "semra/core/stats.hpp"
#include "semra/core/thread_pool.hpp"
#include "semra/core/vector_env.hpp"
#include "semra/experiments/limits.hpp"
#include "semra/experiments/registry.hpp"
#include "semra/experiments/resolve.hpp"
#include "semra/experiments/runner.hpp"
#include "semra/nn/activation.hpp"
#include "semra/nn/mlp.hpp"
#include "semra/rl/dqn.hpp"
#include "semra/rl/q_learner.hpp"
#include "semra/scenarios/dhdrl/config.hpp"
#include "semra/scenarios/dhdrl/heuristics.hpp"
#include "semra/version.hpp"

namespace py = pybind11;

namespace {

using F32 = py::array_t<float, py::array::c_style | py::array::forcecast>;
using I32 = py::array_t<int, py::array::c_style | py::array::forcecast>;
using I8 = py::array_t<std::int8_t, py::array::c_style | py::array::forcecast>;
// Actions: no forcecast, so a float or an unsigned 64-bit array is refused rather than truncated or
// wrapped (the Python side checks them first and says so in one line).
using I64 = py::array_t<std::int64_t, py::array::c_style>;

// CPUs this process may run on (its affinity mask), at least 1.
int available_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return semra::default_threads();
}

// Bytes in use by malloc (the memory probe of VectorEnvCore); 0 where it is not measurable (under
// AddressSanitizer, whose allocator glibc does not see).
std::size_t heap_in_use() {
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

// Memory this process may still allocate: the CLI's (MemAvailable or SEMRA_MEMORY_AVAILABLE_MB),
// and no more than an address-space limit (ulimit -v) leaves.
std::optional<double> available_bytes() {
  std::optional<double> avail;
  if (const auto a = semra::limits::available_memory_bytes()) avail = static_cast<double>(*a);
  struct rlimit rl {};
  if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
    long pages = 0;
    if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
      if (std::fscanf(f, "%ld", &pages) != 1) pages = 0;
      std::fclose(f);
    }
    const double left = static_cast<double>(rl.rlim_cur) -
                        static_cast<double>(pages) * static_cast<double>(sysconf(_SC_PAGESIZE));
    avail = avail ? std::min(*avail, left) : left;
  }
  return avail;
}

std::string kilobytes(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f kB", std::max(1.0, bytes / 1e3));
  return buf;
}

// channels=array (docs/channels.md): a numpy array of float64 / float32 (gains) or complex128 /
// complex64 (dhdrl's H), in any memory order, copied once into semra's trace (which every
// environment then shares); the scenario checks its shape and values as it checks a file.
semra::NumericArray channel_array(const py::object& obj) {
  if (!py::isinstance<py::array>(obj))
    throw semra::InputError("channels: " + std::string(py::str(obj.get_type().attr("__name__"))) +
                            ", expected a numpy array");
  const auto arr = py::reinterpret_borrow<py::array>(obj);
  const char kind = arr.dtype().kind();
  const auto size = arr.dtype().itemsize();
  if (!((kind == 'f' && (size == 8 || size == 4)) || (kind == 'c' && (size == 16 || size == 8))))
    throw semra::InputError("channels: dtype '" + std::string(py::str(arr.dtype())) +
                            "', expected float64, float32, complex128 or complex64");
  semra::NumericArray a;
  for (py::ssize_t d = 0; d < arr.ndim(); ++d)
    a.shape.push_back(static_cast<std::size_t>(arr.shape(d)));
  a.is_complex = kind == 'c';
  a.single = size == (a.is_complex ? 8 : 4);
  const auto n = static_cast<std::size_t>(arr.size());
  a.re.resize(n);
  if (a.is_complex) {
    const auto c =
        py::array_t<std::complex<double>, py::array::c_style | py::array::forcecast>(arr);
    const std::complex<double>* p = c.data();
    a.im.resize(n);
    for (std::size_t i = 0; i < n; ++i) a.re[i] = p[i].real(), a.im[i] = p[i].imag();
  } else {
    const auto r = py::array_t<double, py::array::c_style | py::array::forcecast>(arr);
    std::copy_n(r.data(), n, a.re.begin());
  }
  return a;
}

// A validated config of a scenario that has a multi-agent environment.
struct EnvConfig {
  const semra::ScenarioEntry* scenario = nullptr;
  std::unique_ptr<semra::ConfigBase> config;

  EnvConfig(const std::string& name, const std::string& config_path,
            const std::vector<std::string>& sets, const py::object& channels = py::none())
      : scenario(&semra::scenario_or_throw(name)),
        config(semra::resolve_config(*scenario, config_path, sets)) {
    if (!scenario->make_env)
      throw semra::InputError("scenario '" + name +
                              "' has no multi-agent environment in this version");
    if (!channels.is_none()) {
      if (!scenario->use_channels)
        throw semra::InputError("channels: scenario '" + name + "' takes no channel traces");
      scenario->use_channels(*config, channel_array(channels), "channels");
    }
    config->validate();
    config->check_input_files();
  }
  // The environment `scheme` acts in ("": the scenario's default).
  std::unique_ptr<semra::MultiAgentEnv> make(const std::string& scheme) const {
    return scenario->make_env(*config, scheme);
  }
};

py::list agent_list(const std::vector<semra::AgentSpec>& agents) {
  py::list out;
  for (const auto& a : agents)
    out.append(py::make_tuple(a.name, a.obs_dim, a.num_actions, a.noop_action, a.group));
  return out;
}

// semra.vector_env and semra.parallel_env: the C++ VectorEnv and its buffers, exposed as numpy
// views (no copies).
class VectorEnvCore {
 public:
  VectorEnvCore(const std::string& scenario, const std::string& config_path,
                const std::vector<std::string>& sets, std::int64_t num_envs, std::int64_t threads,
                bool ignore_invalid, const std::string& scheme,
                const py::object& channels = py::none())
      : cfg_(scenario, config_path, sets, channels), scheme_(scheme) {
    (void)cfg_.make(scheme);  // an unknown scheme fails here, before any memory is measured
    if (num_envs < 1 || num_envs > std::numeric_limits<int>::max())
      throw semra::InputError("num_envs " + std::to_string(num_envs) + ": expected 1 to " +
                              std::to_string(std::numeric_limits<int>::max()));
    const int cpus = available_cpus();
    // More threads than CPUs only wait for each other: every step ends in a barrier, so one
    // descheduled thread stalls them all (1024 threads on 2 CPUs stepped 5-1000x slower).
    if (threads < 0 || threads > cpus)
      throw semra::InputError("threads " + std::to_string(threads) + ": expected 1 to " +
                              std::to_string(cpus) + " (the CPUs this process may use), or 0 for " +
                              "all of them");
    check_memory(static_cast<int>(num_envs));
    std::vector<std::unique_ptr<semra::MultiAgentEnv>> envs;
    envs.reserve(static_cast<std::size_t>(num_envs));
    for (std::int64_t e = 0; e < num_envs; ++e) envs.push_back(cfg_.make(scheme_));
    venv_ = std::make_unique<semra::VectorEnv>(
        std::move(envs), threads == 0 ? cpus : static_cast<int>(threads), ignore_invalid);
  }

  py::list agents() const { return agent_list(venv_->agents()); }
  std::vector<std::string> info_names() const { return venv_->info_names(); }
  int num_envs() const { return venv_->num_envs(); }
  int threads() const { return venv_->threads(); }
  int obs_dim() const { return venv_->obs_dim(); }
  int num_actions() const { return venv_->num_actions(); }
  int state_dim() const { return venv_->state_dim(); }
  std::int64_t episode_limit() const { return venv_->episode_limit(); }
  std::int64_t max_episode_steps() const { return venv_->max_episode_steps(); }
  void set_max_episode_steps(std::int64_t steps) {
    if (steps < 0)
      throw semra::InputError("max_cycles " + std::to_string(steps) + ": expected >= 1");
    venv_->set_max_episode_steps(steps);
  }
  bool autoreset_new_world() const { return venv_->autoreset_new_world(); }
  void set_autoreset_new_world(bool on) { venv_->set_autoreset_new_world(on); }
  bool closed() const { return venv_->closed(); }
  bool has_reset() const { return venv_->has_reset(); }

  void reset(std::optional<std::uint64_t> seed, bool new_world) {
    py::gil_scoped_release release;
    venv_->reset_with(seed, new_world);
  }
  void step(const I64& actions) {
    const py::ssize_t E = venv_->num_envs(), A = venv_->num_agents();
    if (actions.ndim() != 2 || actions.shape(0) != E || actions.shape(1) != A)
      throw semra::InputError("step: actions must have shape (" + std::to_string(E) + ", " +
                              std::to_string(A) + ")");
    const std::int64_t* p = actions.data();
    py::gil_scoped_release release;
    venv_->step(p);
  }
  F32 state() const {
    F32 out({static_cast<py::ssize_t>(venv_->num_envs()),
             static_cast<py::ssize_t>(venv_->state_dim())});
    venv_->state(out.mutable_data());
    return out;
  }
  std::string render(int e) const { return venv_->render_text(e); }
  void close() { venv_->close(); }

  // Views of the buffers; `self` keeps the owner alive (the buffers outlive close()).
  template <class T, class U>
  static py::array view(py::object self, U* data, std::vector<py::ssize_t> shape) {
    return py::array_t<T>(shape, reinterpret_cast<T*>(data), self);
  }
  semra::VectorEnv& core() { return *venv_; }

 private:
  // The CLI estimates a command's memory before it starts (docs/limits.md); here one environment
  // is built and reset as a probe and its heap use measured, then num_envs times that plus the
  // buffers is compared with what the process may still allocate.
  void check_memory(int num_envs) const {
    const std::size_t before = heap_in_use();
    double per_env = 0.0, buffers = 0.0;
    {
      auto probe = cfg_.make(scheme_);
      try {
        probe->reset(0);
      } catch (const std::exception&) {
        // A topology refused for seed 0 says nothing about the seeds the caller will use.
      }
      const std::size_t after = heap_in_use();
      per_env = after > before ? static_cast<double>(after - before) : 0.0;
      double A = 0, D = 0, N = 0;
      for (const auto& a : probe->agents()) {
        A += 1;
        D = std::max(D, static_cast<double>(a.obs_dim));
        N = std::max(N, static_cast<double>(a.num_actions));
      }
      // obs (float), masks twice, acts twice, rewarded, invalid, actions (int), rewards (float),
      // per env: infos, flags and counters.
      buffers = A * (4 * D + 2 * N + 4 + 4 + 4) +
                8.0 * static_cast<double>(probe->info_names().size()) + 32 + sizeof(void*) * 2;
    }
    const double need = static_cast<double>(num_envs) * (per_env + buffers);
    const auto avail = available_bytes();
    if (!avail || need <= *avail) return;
    throw semra::ResourceError(
        "num_envs " + std::to_string(num_envs) + ": the environments need about " +
        semra::limits::format_bytes(need) + " (" + kilobytes(per_env + buffers) +
        " each, measured on one) and " + semra::limits::format_bytes(std::max(0.0, *avail)) +
        " is available: lower num_envs (docs/limits.md)");
  }

  EnvConfig cfg_;
  std::string scheme_;  // the built-in scheme whose environment this is ("": the default)
  std::unique_ptr<semra::VectorEnv> venv_;
};

// `semra run`, the same plan and runner as the CLI. Returns the run directory.
std::string run(const std::string& scenario, const std::optional<std::vector<std::string>>& schemes,
                std::int64_t seed, std::int64_t seeds, const std::optional<std::int64_t>& steps,
                const std::vector<std::string>& sets, const std::string& config_path, int threads,
                const std::string& out, bool quiet, bool save_models) {
  const auto& sc = semra::scenario_or_throw(scenario);
  semra::RunRequest request{config_path, sets, schemes, steps, seed, seeds};
  semra::RunPlan plan = semra::make_run_plan(sc, request);
  if (threads != 0) semra::limits::check_threads(threads, "threads");
  plan.threads = threads > 0 ? threads : semra::default_threads();
  plan.out_dir = out.empty() ? semra::default_out_dir(sc.name) : std::filesystem::path(out);
  plan.quiet = quiet;
  plan.save_models = save_models;
  plan.config->validate();
  {
    py::gil_scoped_release release;
    semra::execute(plan);
  }
  return plan.out_dir.string();
}

// semra.heuristic_policy: a built-in heuristic as a policy, making the decisions its scheme makes
// in `semra run` (seed(s) restarts it as the scheme's experiment of seed s starts).
// - random decides from what the acting agents observe (the masks), drawing from the scheme's
//   stream.
// - dhdrl's greedy, greedy-local and oracle read what no agent observes (every codeword's gain,
//   the interference): such a policy is attached to the environment it acts in, a
//   semra.parallel_env(..., scheme=NAME) (bind) or semra.evaluate's experiment (attach), and acts
//   with its scheme's own decide() (docs/python.md "Built-in heuristics as policies").
class Heuristic {
 public:
  Heuristic(const std::string& scenario, const std::string& scheme, const std::string& config_path,
            const std::vector<std::string>& sets)
      : cfg_(scenario, config_path, sets), scenario_(scenario), scheme_(scheme) {
    (void)semra::find_scheme_row(cfg_.scenario->schemes, scheme, scenario);
    if (scheme == "random") {
      set_agents(cfg_.make("")->agents());
      if (scenario == "dhdrl") {
        const auto& c = dynamic_cast<const semra::dhdrl::Config&>(*cfg_.config);
        codewords_ = c.codewords, power_levels_ = c.power_levels, max_k_ = c.max_k;
        paper_split_ = c.split == "paper";
        stream_ = "exploration";  // RandomScheme's
      } else {
        stream_ = "eval-actions";  // vderl's evaluation draws random's actions from it
      }
      rng_ = semra::Rng(0, stream_);
      return;
    }
    if (scenario == "dhdrl") {
      // A heuristic when its scheme decides without learning (a probe on a reset environment).
      auto env = cfg_.make(scheme);
      auto& d = dynamic_cast<semra::dhdrl::MultiAgentEnvironment&>(*env);
      d.reset(0);
      const auto probe = semra::dhdrl::make_scheme(scheme, d, 0);
      if (dynamic_cast<const semra::dhdrl::SingleLayerHeuristic*>(probe.get()) != nullptr) {
        privileged_ = true;
        set_agents(env->agents());
        return;
      }
    }
    throw semra::InputError(
        "heuristic_policy: " + scenario + " scheme '" + scheme +
        "' learns: it is not a heuristic (train it with semra.run); "
        "heuristics: " +
        (scenario == "dhdrl" ? "random, greedy, greedy-local, oracle" : "random"));
  }
  py::list agents() const { return agent_list(agents_); }
  // The built-in scheme whose environment the policy acts in ("" for random: any).
  std::string environment() const { return privileged_ ? scheme_ : std::string(); }
  void seed(std::uint64_t s) {
    seed_ = s;
    rng_ = semra::Rng(s, stream_.empty() ? "unused" : stream_);
    decider_.reset();  // built again on the environment as it is at the next decision
  }
  // A semra.parallel_env (its core): the policy acts in its environment from now on.
  void bind(py::object venv) {
    if (!privileged_) return;
    auto& core = venv.cast<VectorEnvCore&>();
    if (core.num_envs() != 1)
      throw semra::InputError("heuristic_policy: env has " + std::to_string(core.num_envs()) +
                              " environments: give a semra.parallel_env (one environment)");
    check_environment(core.core().env(0), "env");
    bound_ = std::move(venv);
    decider_.reset();
  }
  // semra.evaluate's experiment environment while it runs (null after it).
  void attach(const semra::MultiAgentEnv* env) {
    if (env != nullptr) check_environment(*env, "semra.evaluate's environment");
    attached_ = env;
    decider_.reset();
  }
  // acting: the acting agents' names; masks: one row per acting agent (used by random). Returns
  // their actions, in the same order.
  py::array_t<std::int64_t> act(const std::vector<std::string>& acting, const I8& masks) {
    const auto n = static_cast<py::ssize_t>(acting.size());
    // Decisions in the agents' order, as the scheme draws them.
    std::vector<std::pair<int, py::ssize_t>> order;
    py::ssize_t width = 0;
    for (py::ssize_t i = 0; i < n; ++i) {
      const int a = index_of(acting[static_cast<std::size_t>(i)]);
      order.emplace_back(a, i);
      width = std::max<py::ssize_t>(width, agents_[static_cast<std::size_t>(a)].num_actions);
    }
    std::sort(order.begin(), order.end());
    py::array_t<std::int64_t> out(n);
    if (privileged_) {
      const auto& actions = decider().decide(*environment_acted_in());
      for (const auto& [a, i] : order) out.mutable_data()[i] = actions[static_cast<std::size_t>(a)];
      return out;
    }
    if (masks.ndim() != 2 || masks.shape(0) != n || masks.shape(1) < width)
      throw semra::InputError("heuristic_policy: masks must have shape (" + std::to_string(n) +
                              ", >= " + std::to_string(width) + ")");
    for (const auto& [agent, i] : order) {
      const auto& spec = agents_[static_cast<std::size_t>(agent)];
      int a = 0;
      if (scenario_ == "dhdrl")
        a = spec.group == "high"
                ? semra::dhdrl::random_high_action(codewords_, power_levels_, paper_split_, rng_)
                : semra::dhdrl::random_low_action(power_levels_, max_k_, paper_split_, rng_);
      else
        a = semra::rl::random_valid_action(reinterpret_cast<const std::uint8_t*>(masks.data(i, 0)),
                                           spec.num_actions, rng_);
      if (a < 0)
        throw semra::InputError("heuristic_policy: agent " + spec.name + " has no valid action");
      out.mutable_data()[i] = a;
    }
    return out;
  }

 private:
  void set_agents(const std::vector<semra::AgentSpec>& agents) {
    agents_ = agents;
    index_.clear();
    for (std::size_t a = 0; a < agents_.size(); ++a) index_[agents_[a].name] = static_cast<int>(a);
  }
  int index_of(const std::string& name) const {
    const auto it = index_.find(name);
    if (it == index_.end())
      throw semra::InputError("heuristic_policy: unknown agent '" + name + "' (its environment's " +
                              "agents are " + agents_.front().name + " ... " + agents_.back().name +
                              ")");
    return it->second;
  }
  // The environment must be the one the scheme acts in: a dhdrl environment with its options.
  void check_environment(const semra::MultiAgentEnv& env, const std::string& what) {
    const auto* d = dynamic_cast<const semra::dhdrl::MultiAgentEnvironment*>(&env);
    const auto want = semra::dhdrl::scheme_env_options(scheme_);
    if (d == nullptr || d->options().layout != want.layout ||
        d->options().reward_part != want.reward_part ||
        d->options().observe_neighbours != want.observe_neighbours)
      throw semra::InputError("heuristic_policy: " + what + " is not the environment dhdrl's " +
                              scheme_ + " acts in: make it with semra.parallel_env('dhdrl', " +
                              "scheme='" + scheme_ + "')");
    set_agents(env.agents());
  }
  const semra::dhdrl::MultiAgentEnvironment* environment_acted_in() const {
    const semra::MultiAgentEnv* env = attached_;
    if (env == nullptr && bound_) env = &bound_.cast<VectorEnvCore&>().core().env(0);
    if (env == nullptr)
      throw semra::InputError(
          "heuristic_policy: dhdrl's " + scheme_ +
          " reads channel gains no agent observes: make it with env=semra.parallel_env('dhdrl', "
          "scheme='" +
          scheme_ + "') to act in that environment, or pass it to semra.evaluate");
    return static_cast<const semra::dhdrl::MultiAgentEnvironment*>(env);
  }
  semra::dhdrl::SingleLayerHeuristic& decider() {
    if (!decider_) {
      auto s = semra::dhdrl::make_scheme(scheme_, *environment_acted_in(), seed_);
      decider_.reset(static_cast<semra::dhdrl::SingleLayerHeuristic*>(s.release()));
    }
    return *decider_;
  }

  EnvConfig cfg_;
  std::string scenario_, scheme_, stream_;
  std::vector<semra::AgentSpec> agents_;
  std::unordered_map<std::string, int> index_;
  int codewords_ = 0, power_levels_ = 0, max_k_ = 0;
  bool paper_split_ = true;
  semra::Rng rng_{0, "unused"};
  bool privileged_ = false;
  std::uint64_t seed_ = 0;
  py::object bound_;                                // a VectorEnvCore with one environment
  const semra::MultiAgentEnv* attached_ = nullptr;  // semra.evaluate's, while it runs
  std::unique_ptr<semra::dhdrl::SingleLayerHeuristic> decider_;
};

// semra.evaluate's policy: each step's observations, masks and acting agents go to a Python
// callable (semra/evaluation.py turns them into PettingZoo's dicts and checks what comes back).
// The runner calls it with the GIL released, from its own threads; a Python exception is kept and
// stops the run, and evaluate() raises it again once the runner has returned.
class PythonPolicy final : public semra::ExternalPolicy {
 public:
  struct Failed : std::runtime_error {
    Failed() : std::runtime_error("the policy raised an exception") {}
  };
  // heuristic: semra.heuristic_policy's core when the policy is one that reads its environment
  // (null otherwise).
  PythonPolicy(py::object begin, py::object act, Heuristic* heuristic)
      : begin_(std::move(begin)), act_(std::move(act)), heuristic_(heuristic) {}
  std::string environment() const override {
    return heuristic_ != nullptr ? heuristic_->environment() : std::string();
  }
  void attach(const semra::MultiAgentEnv* env) override {
    if (heuristic_ == nullptr) return;
    py::gil_scoped_acquire gil;  // the Python side may call the policy between experiments
    heuristic_->attach(env);
  }
  ~PythonPolicy() override {
    py::gil_scoped_acquire gil;
    begin_ = py::object();
    act_ = py::object();
    agents_ = py::object();
    error_.reset();
  }

  void begin(std::uint64_t seed) override {
    py::gil_scoped_acquire gil;
    guarded([&] { begin_(seed); });
  }
  void act(const std::vector<semra::AgentSpec>& agents, const float* obs, int obs_stride,
           const std::uint8_t* masks, int mask_stride, const std::uint8_t* acts,
           int* actions) override {
    py::gil_scoped_acquire gil;
    const auto A = static_cast<py::ssize_t>(agents.size());
    if (!agents_) agents_ = agent_list(agents);
    py::array_t<float> o({A, static_cast<py::ssize_t>(obs_stride)});
    std::memcpy(o.mutable_data(), obs, sizeof(float) * static_cast<std::size_t>(A * obs_stride));
    py::array_t<std::int8_t> m({A, static_cast<py::ssize_t>(mask_stride)});
    std::memcpy(m.mutable_data(), masks, static_cast<std::size_t>(A * mask_stride));
    py::array_t<bool> ac(A);
    for (py::ssize_t a = 0; a < A; ++a) ac.mutable_data()[a] = acts[a] != 0;
    guarded([&] {
      // evaluation.py returns int64 [A], every value checked against its agent's mask.
      const auto out = act_(agents_, o, m, ac).cast<py::array_t<std::int64_t>>();
      if (out.ndim() != 1 || out.shape(0) != A)
        throw py::value_error("policy adapter: expected int64 actions of shape (" +
                              std::to_string(A) + ",)");
      for (py::ssize_t a = 0; a < A; ++a) actions[a] = static_cast<int>(out.data()[a]);
    });
  }
  // The Python exception that stopped the run, if any (with the GIL held).
  void rethrow_if_failed() {
    if (error_) {
      auto e = std::move(*error_);
      error_.reset();
      throw e;
    }
  }
  std::mutex& experiment_lock() { return experiment_; }

 private:
  template <class F>
  void guarded(F&& f) {
    if (error_) throw Failed();
    try {
      f();
    } catch (py::error_already_set& e) {
      error_ = std::make_unique<py::error_already_set>(std::move(e));
      throw Failed();
    } catch (const py::builtin_exception& e) {
      e.set_error();
      error_ = std::make_unique<py::error_already_set>();
      throw Failed();
    }
  }
  py::object begin_, act_, agents_;
  Heuristic* heuristic_;
  std::unique_ptr<py::error_already_set> error_;
  std::mutex experiment_;  // one experiment of the policy at a time: its seed() hook holds state
};

// semra.evaluate: `semra run` with `name` added to the scenario's schemes, its experiments run by
// the scenario's run_policy on `policy`. The same plan, runner and outputs as run().
std::string evaluate(const std::string& scenario, const std::string& name, py::object begin,
                     py::object act, py::object heuristic, const std::vector<std::string>& schemes,
                     std::int64_t seed, std::int64_t seeds,
                     const std::optional<std::int64_t>& steps, const std::vector<std::string>& sets,
                     const std::string& config_path, int threads, const std::string& out,
                     bool quiet) {
  const auto& sc = semra::scenario_or_throw(scenario);
  if (!sc.run_policy || !sc.make_env)
    throw semra::InputError("scenario '" + scenario + "' cannot evaluate a policy from Python");
  if (semra::find_scheme_info(sc.schemes, name) != nullptr)
    throw semra::InputError("name '" + name + "': a built-in scheme of " + scenario +
                            " has this name; choose another");
  PythonPolicy policy(std::move(begin), std::move(act),
                      heuristic.is_none() ? nullptr : heuristic.cast<Heuristic*>());
  semra::ScenarioEntry entry = sc;
  entry.schemes.push_back({name, false, 1.0, "a policy from Python (semra.evaluate)"});
  // summary.json's comparisons: the policy against every built-in scheme of the run.
  entry.proposed_scheme = name;
  entry.run = [&sc, &policy, name](const semra::ConfigBase& cfg, const std::string& scheme,
                                   std::uint64_t s, semra::RunContext& ctx) {
    if (scheme != name) return sc.run(cfg, scheme, s, ctx);
    const std::lock_guard<std::mutex> one(policy.experiment_lock());
    return sc.run_policy(cfg, name, s, ctx, policy);
  };
  // The policy does not learn: it is checked and sized as the scenario's `random` scheme.
  if (sc.check)
    entry.check = [&sc, name](const semra::ConfigBase& cfg, const std::string& scheme,
                              const std::vector<std::uint64_t>& s) {
      sc.check(cfg, scheme == name ? "random" : scheme, s);
    };
  if (sc.estimate_memory)
    entry.estimate_memory = [&sc, name](const semra::ConfigBase& cfg, const std::string& scheme) {
      return sc.estimate_memory(cfg, scheme == name ? "random" : scheme);
    };
  std::vector<std::string> all{name};
  all.insert(all.end(), schemes.begin(), schemes.end());
  semra::RunRequest request{config_path, sets, all, steps, seed, seeds};
  semra::RunPlan plan = semra::make_run_plan(entry, request);
  if (threads != 0) semra::limits::check_threads(threads, "threads");
  plan.threads = threads > 0 ? threads : semra::default_threads();
  plan.out_dir = out.empty() ? semra::default_out_dir(sc.name) : std::filesystem::path(out);
  plan.quiet = quiet;
  plan.config->validate();
  try {
    py::gil_scoped_release release;
    semra::execute(plan);
  } catch (...) {
    policy.rethrow_if_failed();
    throw;
  }
  return plan.out_dir.string();
}

// A network (semra.Network): the C++ Mlp the learners act with, for a forward pass from Python and
// for writing .semrann files the CLI loads (docs/nn.md).
class Network {
 public:
  explicit Network(semra::nn::Mlp net) : net_(std::move(net)) {}

  static Network from_file(const std::string& path) {
    if (!std::filesystem::exists(path))
      throw semra::InputError("model file '" + path +
                              "': no such file (networks are written by semra run "
                              "--save-models, semra.run(..., save_models=True) or "
                              "semra.save_network)");
    return Network(semra::nn::Mlp::from_file(path));
  }

  // layers: [(W float32 [out, in], b float32 [out]), ...] in torch.nn.Linear's layout.
  static Network from_layers(const std::vector<std::pair<F32, F32>>& layers,
                             const std::string& hidden, const std::string& output) {
    if (layers.empty()) throw semra::InputError("layers: expected at least one (W, b) pair");
    if (layers.size() > 1024)
      throw semra::InputError("layers: " + std::to_string(layers.size()) +
                              " layers; expected at most 1024");
    std::vector<int> sizes;
    for (std::size_t l = 0; l < layers.size(); ++l) {
      const F32& W = layers[l].first;
      const F32& b = layers[l].second;
      const std::string name = "layer " + std::to_string(l);
      if (W.ndim() != 2)
        throw semra::InputError(name + ": W must be 2-D [out, in], got " +
                                std::to_string(W.ndim()) + "-D");
      if (b.ndim() != 1 || b.shape(0) != W.shape(0))
        throw semra::InputError(name + ": b must be 1-D with W's " + std::to_string(W.shape(0)) +
                                " rows");
      constexpr py::ssize_t kMaxWidth = py::ssize_t{1} << 24;  // the file format's (docs/nn.md)
      if (W.shape(0) < 1 || W.shape(1) < 1 || W.shape(0) > kMaxWidth || W.shape(1) > kMaxWidth)
        throw semra::InputError(name + ": W has shape (" + std::to_string(W.shape(0)) + ", " +
                                std::to_string(W.shape(1)) + "); sizes must be 1 to 16777216");
      if (l == 0) {
        sizes.push_back(static_cast<int>(W.shape(1)));
      } else if (W.shape(1) != sizes.back()) {
        throw semra::InputError(name + ": W has " + std::to_string(W.shape(1)) +
                                " inputs but layer " + std::to_string(l - 1) + " has " +
                                std::to_string(sizes.back()) + " outputs");
      }
      sizes.push_back(static_cast<int>(W.shape(0)));
      for (const F32* a : {&W, &b})
        for (py::ssize_t i = 0; i < a->size(); ++i)
          if (!std::isfinite(a->data()[i]))
            throw semra::InputError(name + ": " + (a == &W ? "W" : "b") +
                                    " holds a non-finite value (" + std::to_string(a->data()[i]) +
                                    ")");
    }
    semra::nn::Mlp net(sizes, semra::nn::parse_activation(hidden),
                       semra::nn::parse_activation(output));
    for (std::size_t l = 0; l < layers.size(); ++l) {
      auto W = net.weight(static_cast<int>(l));
      auto b = net.bias(static_cast<int>(l));
      std::memcpy(W.data(), layers[l].first.data(),
                  sizeof(float) * static_cast<std::size_t>(W.size()));
      std::memcpy(b.data(), layers[l].second.data(),
                  sizeof(float) * static_cast<std::size_t>(b.size()));
    }
    return Network(std::move(net));
  }

  py::list layers() const {
    py::list out;
    for (int l = 0; l < net_.num_layers(); ++l) {
      const auto W = net_.weight(l);
      const auto b = net_.bias(l);
      py::array_t<float> w(
          {static_cast<py::ssize_t>(W.rows()), static_cast<py::ssize_t>(W.cols())});
      std::memcpy(w.mutable_data(), W.data(), sizeof(float) * static_cast<std::size_t>(W.size()));
      py::array_t<float> bb(static_cast<py::ssize_t>(b.size()));
      std::memcpy(bb.mutable_data(), b.data(), sizeof(float) * static_cast<std::size_t>(b.size()));
      out.append(py::make_tuple(w, bb));
    }
    return out;
  }
  std::vector<int> sizes() const { return net_.sizes(); }
  std::string hidden() const { return std::string(semra::nn::to_string(net_.hidden_activation())); }
  std::string output() const { return std::string(semra::nn::to_string(net_.output_activation())); }
  std::string shape() const { return net_.shape_string(); }

  // The network's output for each row of obs (the C++ forward pass the learners use).
  py::array_t<float> forward(const F32& obs) {
    check_obs(obs, "forward");
    const py::ssize_t n = obs.shape(0), out_dim = net_.out_dim();
    py::array_t<float> out({n, out_dim});
    for (py::ssize_t i = 0; i < n; ++i) {
      const auto& q = net_.forward_one(obs.data(i, 0));
      std::memcpy(out.mutable_data(i, 0), q.data(),
                  sizeof(float) * static_cast<std::size_t>(out_dim));
    }
    return out;
  }
  // The masked argmax of the output for each row (how the learners act when evaluating).
  py::array_t<std::int64_t> greedy(const F32& obs, const I8& masks) {
    check_obs(obs, "greedy");
    if (masks.ndim() != 2 || masks.shape(0) != obs.shape(0) || masks.shape(1) != net_.out_dim())
      throw semra::InputError("greedy: masks must have shape (" + std::to_string(obs.shape(0)) +
                              ", " + std::to_string(net_.out_dim()) + ")");
    py::array_t<std::int64_t> out(obs.shape(0));
    for (py::ssize_t i = 0; i < obs.shape(0); ++i) {
      const auto& q = net_.forward_one(obs.data(i, 0));
      out.mutable_data()[i] = semra::rl::masked_argmax(
          q.data(), reinterpret_cast<const std::uint8_t*>(masks.data(i, 0)), net_.out_dim());
    }
    return out;
  }

  // Written to a temporary file next to `path`, then renamed: a failed save leaves no partial
  // file and an existing one untouched.
  void save(const std::string& path) const {
    namespace fs = std::filesystem;
    const fs::path target(path);
    if (fs::is_directory(target))
      throw semra::InputError("model file '" + path + "': is a directory");
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    if (!fs::is_directory(dir))
      throw semra::InputError("model file '" + path + "': directory '" + dir.string() +
                              "' does not exist");
    const fs::path tmp = dir / ("." + target.filename().string() + ".tmp");
    try {
      net_.save(tmp.string());
    } catch (...) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw;
    }
    std::error_code ec;
    fs::rename(tmp, target, ec);
    if (ec) {
      fs::remove(tmp, ec);
      throw semra::InputError("model file '" + path + "': cannot write it (" + ec.message() + ")");
    }
  }

 private:
  void check_obs(const F32& obs, const char* what) const {
    if (obs.ndim() != 2 || obs.shape(1) != net_.in_dim())
      throw semra::InputError(std::string(what) + ": obs must have shape (n, " +
                              std::to_string(net_.in_dim()) + ")");
  }
  semra::nn::Mlp net_;
};

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "semra's C++ core (use the semra package; signatures in _core.pyi)";
  m.attr("__version__") = semra::kVersion;
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const semra::InputError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const semra::Interrupted& e) {
      PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
    } catch (const std::invalid_argument& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const std::logic_error& e) {
      // step before reset, after close, from two threads: a misuse of the object's state.
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });

  m.def(
      "scenarios",
      [] {
        std::vector<std::string> names;
        for (const auto& s : semra::scenarios()) names.push_back(s.name);
        return names;
      },
      "Names of the scenarios.");
  m.def(
      "config_toml",
      [](const std::string& scenario, const std::string& config_path,
         const std::vector<std::string>& sets) {
        const auto& sc = semra::scenario_or_throw(scenario);
        return semra::resolve_config(sc, config_path, sets)->schema().to_toml();
      },
      py::arg("scenario"), py::arg("config_path"), py::arg("sets"),
      "The resolved config of a scenario as TOML text.");
  m.def("available_cpus", &available_cpus, "CPUs this process may run on.");

  py::class_<VectorEnvCore>(
      m, "VectorEnv",
      "num_envs environments stepped in C++ (semra.vector_env, semra.parallel_env).")
      .def(py::init<const std::string&, const std::string&, const std::vector<std::string>&,
                    std::int64_t, std::int64_t, bool, const std::string&, const py::object&>(),
           py::arg("scenario"), py::arg("config_path"), py::arg("sets"), py::arg("num_envs"),
           py::arg("threads"), py::arg("ignore_invalid"), py::arg("scheme") = "",
           py::arg("channels") = py::none())
      .def("agents", &VectorEnvCore::agents,
           "[(name, obs_dim, num_actions, noop_action, group), ...]")
      .def("info_names", &VectorEnvCore::info_names)
      .def_property_readonly("num_envs", &VectorEnvCore::num_envs)
      .def_property_readonly("threads", &VectorEnvCore::threads)
      .def_property_readonly("obs_dim", &VectorEnvCore::obs_dim)
      .def_property_readonly("num_actions", &VectorEnvCore::num_actions)
      .def_property_readonly("state_dim", &VectorEnvCore::state_dim)
      .def_property_readonly("episode_limit", &VectorEnvCore::episode_limit)
      .def_property("max_episode_steps", &VectorEnvCore::max_episode_steps,
                    &VectorEnvCore::set_max_episode_steps)
      .def_property("autoreset_new_world", &VectorEnvCore::autoreset_new_world,
                    &VectorEnvCore::set_autoreset_new_world)
      .def_property_readonly("closed", &VectorEnvCore::closed)
      .def_property_readonly("has_reset", &VectorEnvCore::has_reset)
      .def("reset", &VectorEnvCore::reset, py::arg("seed"), py::arg("new_world"))
      .def("step", &VectorEnvCore::step, py::arg("actions"))
      .def("state", &VectorEnvCore::state)
      .def("render", &VectorEnvCore::render, py::arg("env"))
      .def("close", &VectorEnvCore::close)
      .def("buffers", [](py::object self) {
        auto& v = self.cast<VectorEnvCore&>().core();
        const py::ssize_t E = v.num_envs(), A = v.num_agents();
        py::dict d;
        d["obs"] = VectorEnvCore::view<float>(self, v.obs(), {E, A, v.obs_dim()});
        d["mask"] = VectorEnvCore::view<std::int8_t>(self, v.masks(), {E, A, v.num_actions()});
        d["rewards"] = VectorEnvCore::view<float>(self, v.rewards(), {E, A});
        d["terminations"] = VectorEnvCore::view<bool>(self, v.terminations(), {E});
        d["truncations"] = VectorEnvCore::view<bool>(self, v.truncations(), {E});
        d["acts"] = VectorEnvCore::view<bool>(self, v.acts(), {E, A});
        d["rewarded"] = VectorEnvCore::view<bool>(self, v.rewarded(), {E, A});
        d["invalid_action"] = VectorEnvCore::view<bool>(self, v.invalid(), {E, A});
        d["infos"] = VectorEnvCore::view<double>(self, v.infos(), {E, v.num_infos()});
        return d;
      });

  py::class_<Network>(m, "Network", "A multi-layer perceptron of semra's NN engine.")
      .def_static("from_file", &Network::from_file, py::arg("path"))
      .def_static("from_layers", &Network::from_layers, py::arg("layers"), py::arg("hidden"),
                  py::arg("output"))
      .def("layers", &Network::layers)
      .def_property_readonly("sizes", &Network::sizes)
      .def_property_readonly("hidden", &Network::hidden)
      .def_property_readonly("output", &Network::output)
      .def_property_readonly("shape", &Network::shape)
      .def("forward", &Network::forward, py::arg("obs"))
      .def("greedy", &Network::greedy, py::arg("obs"), py::arg("masks"))
      .def("save", &Network::save, py::arg("path"));

  m.def("evaluate", &evaluate, py::arg("scenario"), py::arg("name"), py::arg("begin"),
        py::arg("act"), py::arg("heuristic"), py::arg("schemes"), py::arg("seed"), py::arg("seeds"),
        py::arg("steps"), py::arg("sets"), py::arg("config_path"), py::arg("threads"),
        py::arg("out"), py::arg("quiet"),
        "`semra run` with a Python policy as one more scheme; returns the run directory.");
  py::class_<Heuristic>(m, "Heuristic",
                        "A built-in heuristic as a policy (semra.heuristic_policy).")
      .def(py::init<const std::string&, const std::string&, const std::string&,
                    const std::vector<std::string>&>(),
           py::arg("scenario"), py::arg("scheme"), py::arg("config_path"), py::arg("sets"))
      .def("agents", &Heuristic::agents)
      .def_property_readonly("environment", &Heuristic::environment)
      .def("bind", &Heuristic::bind, py::arg("env"))
      .def("seed", &Heuristic::seed, py::arg("seed"))
      .def("act", &Heuristic::act, py::arg("acting"), py::arg("masks"));
  m.def("run", &run, py::arg("scenario"), py::arg("schemes"), py::arg("seed"), py::arg("seeds"),
        py::arg("steps"), py::arg("sets"), py::arg("config_path"), py::arg("threads"),
        py::arg("out"), py::arg("quiet"), py::arg("save_models"),
        "`semra run` in this process; returns the run directory.");
  // Benchmarks (bench/vector_env.py): bench/vector_env.cpp's action arrays and its loop, run in C++
  // on this module's VectorEnv, so Python and C++ step the same environments in one process.
  m.def(
      "bench_actions",
      [](VectorEnvCore& v, int k) {
        auto& core = v.core();
        const py::ssize_t E = core.num_envs(), A = core.num_agents();
        py::array_t<std::int64_t> out({static_cast<py::ssize_t>(k), E, A});
        semra::Rng rng(1, "bench-actions");
        std::int64_t* p = out.mutable_data();
        for (py::ssize_t i = 0; i < k * E * A; ++i)
          p[i] = rng.uniform_int(core.agents()[static_cast<std::size_t>(i % A)].num_actions);
        return out;
      },
      py::arg("venv"), py::arg("k"));
  m.def(
      "bench_cpp_loop",
      [](VectorEnvCore& v, const I64& actions, std::int64_t steps) {
        auto& core = v.core();
        const std::size_t per = static_cast<std::size_t>(core.num_envs()) * core.num_agents();
        if (actions.ndim() != 3 ||
            static_cast<std::size_t>(actions.shape(1) * actions.shape(2)) != per)
          throw semra::InputError("bench_cpp_loop: actions must be (K, E, A)");
        const auto K = static_cast<std::size_t>(actions.shape(0));
        const std::int64_t* p = actions.data();
        py::gil_scoped_release release;
        for (std::int64_t t = 0; t < steps; ++t)
          core.step(p + (static_cast<std::size_t>(t) % K) * per);
      },
      py::arg("venv"), py::arg("actions"), py::arg("steps"));
  // The statistics of summary.json (semra.stats): the same Student-t code, not a second copy.
  m.def("mean", &semra::stats::mean, py::arg("x"));
  m.def("ci95", &semra::stats::ci95, py::arg("x"));
  m.def("welch_p_value", &semra::stats::welch_p_value, py::arg("a"), py::arg("b"));
}
