// semra._core: the C++ side of the Python package (python/semra/). Thin: every model, config and
// run goes through the same C++ code as the CLI; python/semra/*.py adds the PettingZoo / Gymnasium
// conventions (dicts, spaces, invalid_action) on top.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "semra/core/error.hpp"
#include "semra/core/multi_agent_env.hpp"
#include "semra/core/rng.hpp"
#include "semra/core/stats.hpp"
#include "semra/core/thread_pool.hpp"
#include "semra/core/vector_env.hpp"
#include "semra/experiments/limits.hpp"
#include "semra/experiments/registry.hpp"
#include "semra/experiments/resolve.hpp"
#include "semra/experiments/runner.hpp"
#include "semra/nn/mlp.hpp"
#include "semra/rl/dqn.hpp"
#include "semra/version.hpp"

namespace py = pybind11;

namespace {

using F32 = py::array_t<float, py::array::c_style | py::array::forcecast>;
using I32 = py::array_t<int, py::array::c_style | py::array::forcecast>;
using I8 = py::array_t<std::int8_t, py::array::c_style | py::array::forcecast>;

// A validated config of a scenario that has a multi-agent environment. The config stays alive as
// long as the environments made from it.
struct EnvConfig {
  const semra::ScenarioEntry* scenario = nullptr;
  std::unique_ptr<semra::ConfigBase> config;

  EnvConfig(const std::string& name, const std::string& config_path,
            const std::vector<std::string>& sets)
      : scenario(&semra::scenario_or_throw(name)),
        config(semra::resolve_config(*scenario, config_path, sets)) {
    if (!scenario->make_env)
      throw semra::InputError("scenario '" + name +
                              "' has no multi-agent environment in this version");
    config->validate();
    config->check_input_files();
  }
  std::unique_ptr<semra::MultiAgentEnv> make() const { return scenario->make_env(*config); }
};

py::list agent_list(const std::vector<semra::AgentSpec>& agents) {
  py::list out;
  for (const auto& a : agents)
    out.append(py::make_tuple(a.name, a.obs_dim, a.num_actions, a.noop_action));
  return out;
}

// One environment (semra.parallel_env). Each call returns fresh arrays: the Python side hands them
// to the user in dicts that must not change under them.
class Env {
 public:
  Env(const std::string& scenario, const std::string& config_path,
      const std::vector<std::string>& sets)
      : cfg_(scenario, config_path, sets), env_(cfg_.make()) {}

  py::list agents() const { return agent_list(env_->agents()); }
  int state_dim() const { return env_->state_dim(); }
  std::vector<std::string> info_names() const { return env_->info_names(); }

  void reset(std::optional<std::uint64_t> seed) {
    if (seed)
      env_->reset(*seed);
    else
      env_->reset();
  }
  F32 observe(int agent) const {
    F32 out(spec(agent).obs_dim);
    env_->observe(agent, out.mutable_data());
    return out;
  }
  I8 action_mask(int agent) const {
    I8 out(spec(agent).num_actions);
    env_->action_mask(agent, reinterpret_cast<std::uint8_t*>(out.mutable_data()));
    return out;
  }
  bool acts(int agent) const { return env_->acts(check(agent)); }
  F32 state() const {
    F32 out(env_->state_dim());
    env_->state(out.mutable_data());
    return out;
  }
  F32 step(const I32& actions) {
    const auto A = static_cast<py::ssize_t>(env_->agents().size());
    if (actions.ndim() != 1 || actions.shape(0) != A)
      throw std::invalid_argument("step: expected " + std::to_string(A) + " actions");
    F32 rewards(A);
    env_->step(actions.data(), rewards.mutable_data());
    return rewards;
  }
  bool terminated() const { return env_->terminated(); }
  bool truncated() const { return env_->truncated(); }
  py::array_t<double> info() const {
    py::array_t<double> out(static_cast<py::ssize_t>(env_->info_names().size()));
    env_->info(out.mutable_data());
    return out;
  }

 private:
  int check(int agent) const {
    if (agent < 0 || agent >= static_cast<int>(env_->agents().size()))
      throw std::out_of_range("no agent " + std::to_string(agent));
    return agent;
  }
  const semra::AgentSpec& spec(int agent) const {
    return env_->agents()[static_cast<std::size_t>(check(agent))];
  }
  EnvConfig cfg_;
  std::unique_ptr<semra::MultiAgentEnv> env_;
};

// semra.vector_env: the buffers are the C++ VectorEnv's own, exposed as numpy views (no copies).
class VectorEnv {
 public:
  VectorEnv(const std::string& scenario, const std::string& config_path,
            const std::vector<std::string>& sets, int num_envs, int threads, bool ignore_invalid)
      : cfg_(scenario, config_path, sets) {
    if (num_envs < 1)
      throw semra::InputError("num_envs " + std::to_string(num_envs) + ": expected >= 1");
    if (threads < 0)
      throw semra::InputError("threads " + std::to_string(threads) + ": expected >= 1");
    std::vector<std::unique_ptr<semra::MultiAgentEnv>> envs;
    for (int e = 0; e < num_envs; ++e) envs.push_back(cfg_.make());
    venv_ = std::make_unique<semra::VectorEnv>(
        std::move(envs), threads == 0 ? semra::default_threads() : threads, ignore_invalid);
  }

  py::list agents() const { return agent_list(venv_->agents()); }
  std::vector<std::string> info_names() const { return venv_->info_names(); }
  int num_envs() const { return venv_->num_envs(); }
  int threads() const { return venv_->threads(); }
  int obs_dim() const { return venv_->obs_dim(); }
  int num_actions() const { return venv_->num_actions(); }
  int state_dim() const { return venv_->state_dim(); }

  void reset(std::optional<std::uint64_t> seed) {
    py::gil_scoped_release release;
    if (seed)
      venv_->reset(*seed);
    else
      venv_->reset();
  }
  void step(const I32& actions) {
    const py::ssize_t E = venv_->num_envs(), A = venv_->num_agents();
    if (actions.ndim() != 2 || actions.shape(0) != E || actions.shape(1) != A)
      throw std::invalid_argument("step: actions must have shape (" + std::to_string(E) + ", " +
                                  std::to_string(A) + ")");
    const int* p = actions.data();
    py::gil_scoped_release release;
    venv_->step(p);
  }
  F32 state() const {
    F32 out({static_cast<py::ssize_t>(venv_->num_envs()),
             static_cast<py::ssize_t>(venv_->state_dim())});
    venv_->state(out.mutable_data());
    return out;
  }

  // Views of the buffers; `self` keeps the owner alive.
  template <class T, class U>
  static py::array view(py::object self, const U* data, std::vector<py::ssize_t> shape) {
    return py::array_t<T>(shape, reinterpret_cast<const T*>(data), self);
  }
  semra::VectorEnv& core() { return *venv_; }

 private:
  EnvConfig cfg_;
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
  if (threads != 0) semra::limits::check_threads(threads);
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

// A --save-models network file as (W [out, in], b [out]) per layer (nn.Linear's layout); the
// format, its checksum and shapes are checked by the C++ loader.
py::list load_network(const std::string& path) {
  const semra::nn::Mlp net = semra::nn::Mlp::from_file(path);
  py::list layers;
  for (int l = 0; l < net.num_layers(); ++l) {
    const auto W = net.weight(l);
    const auto b = net.bias(l);
    py::array_t<float> w({static_cast<py::ssize_t>(W.rows()), static_cast<py::ssize_t>(W.cols())});
    std::memcpy(w.mutable_data(), W.data(), sizeof(float) * static_cast<std::size_t>(W.size()));
    py::array_t<float> bb(static_cast<py::ssize_t>(b.size()));
    std::memcpy(bb.mutable_data(), b.data(), sizeof(float) * static_cast<std::size_t>(b.size()));
    layers.append(py::make_tuple(w, bb));
  }
  return layers;
}

py::dict network_info(const std::string& path) {
  const semra::nn::Mlp net = semra::nn::Mlp::from_file(path);
  py::dict d;
  d["sizes"] = net.sizes();
  d["shape"] = net.shape_string();
  return d;
}

// The C++ greedy action (masked argmax of the network's output, as the learners act when
// evaluating) for each row of obs; for checking a network read in Python.
py::array_t<int> greedy_actions(const std::string& path, const F32& obs, const I8& masks) {
  semra::nn::Mlp net = semra::nn::Mlp::from_file(path);
  if (obs.ndim() != 2 || obs.shape(1) != net.in_dim())
    throw std::invalid_argument("greedy_actions: obs must be (n, " + std::to_string(net.in_dim()) +
                                ")");
  if (masks.ndim() != 2 || masks.shape(0) != obs.shape(0) || masks.shape(1) != net.out_dim())
    throw std::invalid_argument("greedy_actions: masks must be (n, " +
                                std::to_string(net.out_dim()) + ")");
  py::array_t<int> out(obs.shape(0));
  for (py::ssize_t i = 0; i < obs.shape(0); ++i) {
    const auto& q = net.forward_one(obs.data(i, 0));
    out.mutable_data()[i] = semra::rl::masked_argmax(
        q.data(), reinterpret_cast<const std::uint8_t*>(masks.data(i, 0)), net.out_dim());
  }
  return out;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "semra's C++ core (use the semra package)";
  m.attr("__version__") = semra::kVersion;
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const semra::InputError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const semra::Interrupted& e) {
      PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
    }
  });

  m.def("scenarios", [] {
    std::vector<std::string> names;
    for (const auto& s : semra::scenarios()) names.push_back(s.name);
    return names;
  });
  m.def("config_toml", [](const std::string& scenario, const std::string& config_path,
                          const std::vector<std::string>& sets) {
    const auto& sc = semra::scenario_or_throw(scenario);
    return semra::resolve_config(sc, config_path, sets)->schema().to_toml();
  });

  py::class_<Env>(m, "Env")
      .def(py::init<const std::string&, const std::string&, const std::vector<std::string>&>())
      .def("agents", &Env::agents)
      .def("state_dim", &Env::state_dim)
      .def("info_names", &Env::info_names)
      .def("reset", &Env::reset, py::arg("seed") = py::none())
      .def("observe", &Env::observe)
      .def("action_mask", &Env::action_mask)
      .def("acts", &Env::acts)
      .def("state", &Env::state)
      .def("step", &Env::step)
      .def("terminated", &Env::terminated)
      .def("truncated", &Env::truncated)
      .def("info", &Env::info);

  py::class_<VectorEnv>(m, "VectorEnv")
      .def(py::init<const std::string&, const std::string&, const std::vector<std::string>&, int,
                    int, bool>())
      .def("agents", &VectorEnv::agents)
      .def("info_names", &VectorEnv::info_names)
      .def_property_readonly("num_envs", &VectorEnv::num_envs)
      .def_property_readonly("threads", &VectorEnv::threads)
      .def_property_readonly("obs_dim", &VectorEnv::obs_dim)
      .def_property_readonly("num_actions", &VectorEnv::num_actions)
      .def_property_readonly("state_dim", &VectorEnv::state_dim)
      .def("reset", &VectorEnv::reset, py::arg("seed") = py::none())
      .def("step", &VectorEnv::step)
      .def("state", &VectorEnv::state)
      .def("buffers", [](py::object self) {
        auto& v = self.cast<VectorEnv&>().core();
        const py::ssize_t E = v.num_envs(), A = v.num_agents();
        py::dict d;
        d["obs"] = VectorEnv::view<float>(self, v.obs(), {E, A, v.obs_dim()});
        d["mask"] = VectorEnv::view<std::int8_t>(self, v.masks(), {E, A, v.num_actions()});
        d["rewards"] = VectorEnv::view<float>(self, v.rewards(), {E, A});
        d["terminations"] = VectorEnv::view<bool>(self, v.terminations(), {E});
        d["truncations"] = VectorEnv::view<bool>(self, v.truncations(), {E});
        d["acts"] = VectorEnv::view<bool>(self, v.acts(), {E, A});
        d["invalid_action"] = VectorEnv::view<bool>(self, v.invalid(), {E, A});
        d["infos"] = VectorEnv::view<double>(self, v.infos(), {E, v.num_infos()});
        return d;
      });

  m.def("run", &run, py::arg("scenario"), py::arg("schemes"), py::arg("seed"), py::arg("seeds"),
        py::arg("steps"), py::arg("sets"), py::arg("config_path"), py::arg("threads"),
        py::arg("out"), py::arg("quiet"), py::arg("save_models"));
  // Benchmarks (bench/vector_env.py): bench/vector_env.cpp's action arrays and its loop, run in C++
  // on this module's VectorEnv, so Python and C++ step the same environments in one process.
  m.def("bench_actions", [](VectorEnv& v, int k) {
    auto& core = v.core();
    const py::ssize_t E = core.num_envs(), A = core.num_agents();
    py::array_t<int> out({static_cast<py::ssize_t>(k), E, A});
    semra::Rng rng(1, "bench-actions");
    int* p = out.mutable_data();
    for (py::ssize_t i = 0; i < k * E * A; ++i)
      p[i] = rng.uniform_int(core.agents()[static_cast<std::size_t>(i % A)].num_actions);
    return out;
  });
  m.def("bench_cpp_loop", [](VectorEnv& v, const I32& actions, std::int64_t steps) {
    auto& core = v.core();
    const std::size_t per = static_cast<std::size_t>(core.num_envs()) * core.num_agents();
    if (actions.ndim() != 3 || static_cast<std::size_t>(actions.shape(1) * actions.shape(2)) != per)
      throw std::invalid_argument("bench_cpp_loop: actions must be (K, E, A)");
    const auto K = static_cast<std::size_t>(actions.shape(0));
    const int* p = actions.data();
    py::gil_scoped_release release;
    for (std::int64_t t = 0; t < steps; ++t) core.step(p + (static_cast<std::size_t>(t) % K) * per);
  });
  // The statistics of summary.json (semra.stats): the same Student-t code, not a second copy.
  m.def("mean", &semra::stats::mean);
  m.def("ci95", &semra::stats::ci95);
  m.def("welch_p_value", &semra::stats::welch_p_value);
  m.def("load_network", &load_network);
  m.def("network_info", &network_info);
  m.def("greedy_actions", &greedy_actions);
}
