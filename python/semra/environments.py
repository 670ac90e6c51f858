"""semra.parallel_env (a PettingZoo ParallelEnv) and semra.vector_env (E environments in C++,
Gymnasium's VectorEnv conventions, next-step autoreset). The model, the action rule, the episode
cap and autoreset are the C++ VectorEnv's (src/semra/core/vector_env.hpp; parallel_env is one
environment of it); this file only adds Python's conventions. docs/python.md."""
from __future__ import annotations

import threading
import warnings
from typing import Any, Mapping

import numpy as np

from . import _checks, _core
from ._config import config_path, set_list
from .spaces import HAVE_GYMNASIUM, Box, MultiDiscrete, agent_spaces, masked_observation

try:  # pragma: no cover - depends on the environment
    from pettingzoo import ParallelEnv as _ParallelBase  # type: ignore

    HAVE_PETTINGZOO = True
except ImportError:
    _ParallelBase = object  # type: ignore[assignment,misc]
    HAVE_PETTINGZOO = False

if HAVE_GYMNASIUM:  # pragma: no cover - depends on the environment
    from gymnasium.vector import VectorEnv as _VectorBase  # type: ignore

    try:
        from gymnasium.vector import AutoresetMode  # type: ignore

        _NEXT_STEP: Any = AutoresetMode.NEXT_STEP
    except ImportError:  # gymnasium < 1.1 names the mode by a string
        _NEXT_STEP = "NextStep"
else:
    _VectorBase = object  # type: ignore[assignment,misc]
    _NEXT_STEP = "NextStep"

INVALID_ACTION_MODES = ("warn", "raise", "ignore")
RESET_OPTIONS = ("new_world",)
_MASKED_WARNING = (
    "semra: a masked action was replaced by the agent's do-nothing action (invalid_action='warn'; "
    "infos flag each one as 'invalid_action'; pass invalid_action='raise' to make it an error, "
    "or 'ignore' to silence this)"
)


def _check_max_cycles(value: Any) -> int:
    if value is None:
        return 0
    return _checks.integer("max_cycles", value, 1, _checks.INT64_MAX)


def _observation_shapes(shape: Any, agents: list[str], dims: list[int]) -> list[tuple[int, ...]]:
    """parallel_env's observation_shape -> each agent's observation shape: (D,) by default, or the
    given shape (numpy's reshape rules, one -1 allowed) for every agent, for code written for image
    observations (PettingZoo's CleanRL tutorial transposes obs[a] as (H, W, C))."""
    if shape is None:
        return [(d,) for d in dims]
    if not isinstance(shape, (tuple, list)) or not shape or any(
        _checks.as_int(x) is None or (_checks.as_int(x) < 1 and _checks.as_int(x) != -1) for x in shape
    ):
        raise ValueError(f"observation_shape {_checks.shown(shape)}: expected a tuple of positive "
                         "integers (one of them may be -1), or None")
    shape = tuple(_checks.as_int(x) for x in shape)
    out = []
    for agent, d in zip(agents, dims):
        try:
            out.append(np.empty(d, dtype=np.float32).reshape(shape).shape)
        except ValueError:
            raise ValueError(f"observation_shape {shape}: agent {agent}'s observation has {d} "
                             f"values, which cannot take that shape") from None
    return out


def _reset_options(options: Any) -> bool:
    """options of reset() -> new_world. An unknown key is warned about, not refused: PettingZoo's
    parallel_api_test passes {"options": 1}."""
    if options is None:
        return False
    if not isinstance(options, Mapping):
        raise ValueError(f"reset: options {_checks.shown(options)}: expected a dict or None")
    unknown = [k for k in options if k not in RESET_OPTIONS]
    if unknown:
        warnings.warn(
            f"semra: reset option(s) {', '.join(map(repr, unknown))} ignored (known: "
            f"{', '.join(RESET_OPTIONS)})",
            stacklevel=3,
        )
    return _checks.flag("reset: options['new_world']", options.get("new_world", False))


class _OneCaller:
    """Refuses a second thread entering an environment while one is inside (RuntimeError). The C++
    VectorEnv refuses it too; this also covers the Python half of a call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __enter__(self):
        if not self._lock.acquire(blocking=False):
            raise RuntimeError(
                "another thread is inside this environment (one caller at a time: give each "
                "thread its own environment)"
            )
        return self

    def __exit__(self, *exc) -> None:
        self._lock.release()


class _Base:
    """What both environments share: the C++ VectorEnv, its agents, buffers and episode settings."""

    def _init_core(self, scenario, num_envs, threads, config, set, invalid_action, max_cycles,
                   scheme, channels=None):
        if not isinstance(scenario, str):
            raise ValueError(f"scenario {_checks.shown(scenario)}: expected a scenario name such as 'vderl'")
        _checks.choice("invalid_action", invalid_action, INVALID_ACTION_MODES)
        if scheme is not None and not isinstance(scheme, str):
            raise ValueError(f"scheme {_checks.shown(scheme)}: expected a built-in scheme's name or None")
        cap = _check_max_cycles(max_cycles)
        self._guard = _OneCaller()
        self._core = _core.VectorEnv(
            scenario, config_path(config), set_list(set), num_envs, threads,
            invalid_action != "raise", scheme or "", channels,
        )
        #: The built-in scheme whose environment this is (None: the scenario's default).
        self.scheme = scheme
        self._core.max_episode_steps = cap
        self.scenario = scenario
        self.invalid_action = invalid_action
        specs = self._core.agents()
        self.possible_agents: list[str] = [s[0] for s in specs]
        self.obs_dims: list[int] = [s[1] for s in specs]
        self.action_dims: list[int] = [s[2] for s in specs]
        self.noop_actions: list[int] = [s[3] for s in specs]
        self.groups: dict[str, list[str]] = {}
        for s in specs:
            self.groups.setdefault(s[4], []).append(s[0])
        self.info_names: list[str] = list(self._core.info_names())
        self._b = self._core.buffers()

    @property
    def max_cycles(self) -> int:
        """Steps an episode has at most: the scenario's own episode length (vderl: one frame of Q
        RB steps; dhdrl: train.slots slot steps plus its decision steps), or the max_cycles set
        when that is shorter (the episode is then truncated). Setting it takes effect at the next
        reset."""
        return int(self._core.episode_limit)

    @max_cycles.setter
    def max_cycles(self, value: int | None) -> None:
        self._core.max_episode_steps = _check_max_cycles(value)

    def get_env_info(self) -> dict:
        """EPyMARL's environment info: n_agents, obs_shape and n_actions (the largest agent's;
        vector_env pads every agent to them), state_shape, episode_limit; plus the per-agent
        sizes and the groups."""
        return {
            "n_agents": len(self.possible_agents),
            "obs_shape": int(self._core.obs_dim),
            "state_shape": int(self._core.state_dim),
            "n_actions": int(self._core.num_actions),
            "episode_limit": self.max_cycles,
            "agents": list(self.possible_agents),
            "obs_dims": list(self.obs_dims),
            "action_dims": list(self.action_dims),
            "groups": {g: list(a) for g, a in self.groups.items()},
        }

    @property
    def closed(self) -> bool:
        """True after close()."""
        return bool(self._core.closed)

    def _check_open(self, what: str) -> None:
        if self._core.closed:
            raise RuntimeError(f"{what}: the environment is closed")

    def _warn_invalid(self) -> None:
        if self.invalid_action == "warn" and self._b["invalid_action"].any():
            warnings.warn(_MASKED_WARNING, stacklevel=3)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class ParallelEnv(_Base, _ParallelBase):  # type: ignore[misc]
    """One environment of a scenario with PettingZoo's ParallelEnv API (an instance of
    pettingzoo.ParallelEnv when pettingzoo can be imported).

    Observations follow PettingZoo's masked-observation convention:
    obs[agent] == {"observation": float32 (D,), "action_mask": int8 (N,)}; with action_mask="info"
    obs[agent] is the float32 (D,) array and the mask is infos[agent]["action_mask"] (the other
    place PettingZoo's tools look for it), for code that expects array observations. Actions are integers
    (int, numpy integer); a float, bool or string is a ValueError. The action of an agent that does
    not act at this step (infos[agent]["acts"] False) is ignored. An acting agent's action outside
    [0, N) is a ValueError; a masked one (mask 0) is replaced by the agent's do-nothing action and
    flagged in infos[agent]["invalid_action"], with a warning (invalid_action="warn", the default),
    silently ("ignore"), or is a ValueError before anything moves ("raise").

    infos[agent]: "acts" (its action at the next step() is applied), "rewarded" (this step's
    reward is a real one: dhdrl's high level is rewarded only when its epoch closes),
    "invalid_action", and the scenario's step metrics.
    """

    metadata = {"render_modes": ["human", "ansi"], "is_parallelizable": True}

    def __init__(
        self,
        scenario: str,
        config: Any = None,
        set: Mapping[str, Any] | None = None,
        invalid_action: str = "warn",
        max_cycles: int | None = None,
        render_mode: str | None = None,
        action_mask: str = "observation",
        observation_shape: Any = None,
        scheme: str | None = None,
        channels: Any = None,
    ):
        if render_mode is not None:
            _checks.choice("render_mode", render_mode, tuple(self.metadata["render_modes"]))
        self.render_mode = render_mode
        self.action_mask = _checks.choice("action_mask", action_mask, ("observation", "info"))
        self._init_core(scenario, 1, 1, config, set, invalid_action, max_cycles, scheme, channels)
        self.metadata = dict(self.metadata, name=f"semra_{scenario}")
        self._obs_shapes = _observation_shapes(observation_shape, self.possible_agents, self.obs_dims)
        self._obs_spaces = {}
        self._act_spaces = {}
        for name, shape, n in zip(self.possible_agents, self._obs_shapes, self.action_dims):
            self._obs_spaces[name], self._act_spaces[name] = agent_spaces(shape, n)
            if action_mask == "info":
                self._obs_spaces[name] = self._obs_spaces[name]["observation"]
        self.state_space = Box(-np.inf, np.inf, shape=(self._core.state_dim,), dtype=np.float32)
        self._index = {a: i for i, a in enumerate(self.possible_agents)}
        self._actions = np.zeros((1, len(self.possible_agents)), dtype=np.int64)
        self.agents: list[str] = []

    @property
    def unwrapped(self) -> "ParallelEnv":
        """This environment (PettingZoo's convention for an environment without wrappers)."""
        return self

    @property
    def num_agents(self) -> int:
        """Agents of the running episode (0 before reset() and after the episode ended)."""
        return len(self.agents)

    @property
    def max_num_agents(self) -> int:
        """len(possible_agents)."""
        return len(self.possible_agents)

    @property
    def acting_agents(self) -> list[str]:
        """Agents whose action at the next step() is applied (dhdrl: the high level at epoch
        starts, the low level at slot steps; vderl: every server). Empty when the episode is over."""
        if not self.agents:
            return []
        acts = self._b["acts"][0]
        return [a for i, a in enumerate(self.possible_agents) if acts[i]]

    def observation_space(self, agent: str):
        """Dict(observation: Box float32 (D,), action_mask: Box int8 (N,)); the same object on every
        call."""
        return self._obs_spaces[self._agent(agent)]

    def action_space(self, agent: str):
        """Discrete(N); the same object on every call."""
        return self._act_spaces[self._agent(agent)]

    def reset(self, seed: int | None = None, options: dict | None = None):
        """Starts an episode; returns (observations, infos). With a seed, every random stream
        restarts from it (same seed, same episode); without, the environment's own streams continue
        (vderl: the next frame of the same world; dhdrl: a new deployment). options={"new_world":
        True}: the episode also gets a new world drawn from those streams (vderl: a new topology;
        dhdrl: what reset() does anyway)."""
        with self._guard:
            self._check_open("reset")
            s = _checks.seed(seed)
            new_world = _reset_options(options)
            self._core.reset(s, new_world)
            self.agents = list(self.possible_agents)
            out = self._observe(), self._infos()
        self._render_human()
        return out

    def step(self, actions: Mapping[str, Any]):
        """One step: actions {agent: int} -> (observations, rewards, terminations, truncations,
        infos), each a dict over possible_agents. Every agent that acts at this step (infos of
        the last step: "acts") needs an action; the others' are ignored. See the class docstring
        for what is checked."""
        with self._guard:
            self._check_open("step")
            if not self._core.has_reset:
                raise RuntimeError("step before reset(): call reset() first")
            if not self.agents:
                raise RuntimeError("step: the episode is over (call reset())")
            if not isinstance(actions, Mapping):
                raise ValueError(f"step: actions {_checks.shown(actions)}: expected a dict {{agent: action}}")
            for agent in actions:
                if agent not in self._index:
                    raise ValueError(
                        f"step: unknown agent {_checks.shown(agent)} (agents: {', '.join(self.possible_agents)})"
                    )
            acts = self._b["acts"][0]
            row = self._actions[0]
            for i, agent in enumerate(self.possible_agents):
                row[i] = self.noop_actions[i]
                if not acts[i]:
                    continue  # ignored by the environment at this step, whatever it is
                if agent not in actions:
                    raise ValueError(f"step: agent {agent}: no action given (it acts at this step)")
                a = actions[agent]
                v = _checks.as_int(a)
                if v is None:
                    raise ValueError(f"step: agent {agent}: action {_checks.shown(a)} is not an integer")
                if not 0 <= v <= _checks.INT64_MAX:
                    raise ValueError(
                        f"step: agent {agent}: action {v} is out of range [0, {self.action_dims[i]})"
                    )
                row[i] = v
            try:
                self._core.step(self._actions)
            except ValueError as e:
                raise ValueError(f"step: {e}") from None
            self._warn_invalid()
            b = self._b
            term = bool(b["terminations"][0])
            trunc = bool(b["truncations"][0])
            agents = self.possible_agents
            rewards = b["rewards"][0]
            out = (
                self._observe(),
                {a: float(rewards[i]) for i, a in enumerate(agents)},
                {a: term for a in agents},
                {a: trunc for a in agents},
                self._infos(),
            )
            if term or trunc:
                self.agents = []
        self._render_human()
        return out

    def state(self) -> np.ndarray:
        """Global state (float32, state_space.shape), for centralised critics and mixers."""
        with self._guard:
            self._check_open("state")
            if not self._core.has_reset:
                raise RuntimeError("state before reset(): call reset() first")
            return self._core.state()[0]

    def render(self) -> str | None:
        """render_mode "ansi": a text view of the topology and the allocation so far; "human": the
        same, printed (also after every reset() and step(), as PettingZoo's human mode draws itself);
        None: nothing (and a warning, as Gymnasium does)."""
        if self.render_mode is None:
            warnings.warn("semra: render() without a render_mode (pass render_mode='ansi' or "
                          "'human' to parallel_env)", stacklevel=2)
            return None
        with self._guard:
            self._check_open("render")
            text = self._core.render(0) if self._core.has_reset else "(not reset)\n"
        if self.render_mode == "human":
            print(text, end="")
            return None
        return text

    def close(self) -> None:
        """Frees the environment; any later call but close() raises RuntimeError."""
        with self._guard:
            self._core.close()
            self.agents = []

    def _render_human(self) -> None:
        # PettingZoo's and Gymnasium's convention: a "human" environment draws itself after every
        # reset() and step(), without the caller asking (their tutorials never call render()).
        if self.render_mode == "human":
            self.render()

    def _agent(self, agent: str) -> str:
        if agent not in self._index:
            raise ValueError(
                f"unknown agent {_checks.shown(agent)} (agents: {', '.join(self.possible_agents)})"
            )
        return agent

    def _observe(self) -> dict:
        obs, mask = self._b["obs"][0], self._b["mask"][0]
        shapes = self._obs_shapes
        if self.action_mask == "info":
            return {
                a: obs[i, : self.obs_dims[i]].reshape(shapes[i]).copy()
                for i, a in enumerate(self.possible_agents)
            }
        return {
            a: {
                "observation": obs[i, : self.obs_dims[i]].reshape(shapes[i]).copy(),
                "action_mask": mask[i, : self.action_dims[i]].copy(),
            }
            for i, a in enumerate(self.possible_agents)
        }

    def _infos(self) -> dict:
        b = self._b
        common = {k: float(v) for k, v in zip(self.info_names, b["infos"][0])}
        acts, rewarded, invalid = b["acts"][0], b["rewarded"][0], b["invalid_action"][0]
        infos = {
            a: {
                "acts": bool(acts[i]),
                "rewarded": bool(rewarded[i]),
                "invalid_action": bool(invalid[i]),
                **common,
            }
            for i, a in enumerate(self.possible_agents)
        }
        if self.action_mask == "info":
            mask = b["mask"][0]
            for i, a in enumerate(self.possible_agents):
                infos[a]["action_mask"] = mask[i, : self.action_dims[i]].copy()
        return infos

    def __repr__(self) -> str:
        return f"semra.parallel_env('{self.scenario}', agents={len(self.possible_agents)})"

    def __str__(self) -> str:
        return self.metadata["name"]


def parallel_env(
    scenario: str,
    config: Any = None,
    set: Mapping[str, Any] | None = None,
    invalid_action: str = "warn",
    max_cycles: int | None = None,
    render_mode: str | None = None,
    action_mask: str = "observation",
    observation_shape: Any = None,
    scheme: str | None = None,
    channels: Any = None,
) -> ParallelEnv:
    """A scenario as a PettingZoo ParallelEnv. `config`: a TOML file; `set`: {dotted.key: value}
    overrides, as the CLI's --config / --set. Bad keys or values raise ValueError with the CLI's
    message. `invalid_action`: what a masked action does ("warn", "raise", "ignore"; see
    ParallelEnv). `max_cycles`: truncate episodes after this many steps (None: the scenario's own
    episode). `render_mode`: None, "ansi" or "human". `action_mask`: "observation" (PettingZoo's
    masked-observation dicts) or "info" (array observations, the mask in infos).
    `observation_shape`: None (each agent's float32 (D,)) or a shape every agent's observation takes
    (numpy's reshape rules: its product is D, one entry may be -1), e.g. (1, -1, 1) for code written
    for (H, W, C) images. `scheme`: None (the environment of the scenario's proposed scheme) or a
    built-in scheme's name, the environment it acts in (dhdrl's ddrl, greedy and oracle: one agent
    per link choosing codeword, power and k every slot; dhdrl-oa / -or / -ns: their rewards and
    observations). `channels`: None (the scenario's channel model) or a numpy array replayed as
    channel.source = "trace" (docs/channels.md): dhdrl G float [slots, BSs, UTs, codewords] or H
    complex [slots, BSs, UTs, antennas], vderl G_rb float [frames, servers, users, RBs]; float64,
    float32, complex128 or complex64, any memory order; checked as a trace file is (ValueError
    naming `channels`); copied once into the trace that the environments share."""
    return ParallelEnv(scenario, config=config, set=set, invalid_action=invalid_action,
                       max_cycles=max_cycles, render_mode=render_mode, action_mask=action_mask,
                       observation_shape=observation_shape, scheme=scheme, channels=channels)


def env(scenario: str, **kwargs: Any):
    """The scenario as a PettingZoo AEC environment: pettingzoo.utils.parallel_to_aec of
    parallel_env(scenario, **kwargs) (needs pettingzoo)."""
    if not HAVE_PETTINGZOO:
        raise ImportError("semra.env needs pettingzoo (an AEC environment); semra.parallel_env works without it")
    from pettingzoo.utils.conversions import parallel_to_aec  # type: ignore

    return parallel_to_aec(parallel_env(scenario, **kwargs))


class VectorEnv(_Base, _VectorBase):  # type: ignore[misc]
    """num_envs environments of one scenario stepped together in C++ on `threads` threads, with
    Gymnasium's VectorEnv conventions for a batch of multi-agent environments (an instance of
    gymnasium.vector.VectorEnv when gymnasium can be imported).

    reset(seed) -> (obs, infos); step(actions int [E, A]) -> (obs, rewards float32 [E, A],
    terminations bool [E, A], truncations bool [E, A], infos). obs is {"observation": float32
    [E, A, D], "action_mask": int8 [E, A, N]}, every agent padded to the largest D and N (padding
    0, padded actions masked 0). infos: "acts", "rewarded", "invalid_action" bool [E, A] and the
    scenario's step metrics float64 [E], each with Gymnasium's "_name" mask. Environment e is
    seeded seed + e. Autoreset is Gymnasium's next-step mode (metadata["autoreset_mode"]). The
    arrays are the environment's own preallocated buffers (no copy; overwritten by the next call)
    unless copy=True. Actions follow parallel_env's rule (invalid_action).
    """

    metadata = {"autoreset_mode": _NEXT_STEP, "render_modes": ["ansi"]}

    def __init__(
        self,
        scenario: str,
        num_envs: int = 1,
        threads: int = 1,
        config: Any = None,
        set: Mapping[str, Any] | None = None,
        invalid_action: str = "warn",
        copy: bool = False,
        max_cycles: int | None = None,
        autoreset_new_world: bool = False,
        render_mode: str | None = None,
        scheme: str | None = None,
        channels: Any = None,
    ):
        if render_mode is not None:
            _checks.choice("render_mode", render_mode, tuple(self.metadata["render_modes"]))
        self.render_mode = render_mode
        E = _checks.integer("num_envs", num_envs, 1, 2**31 - 1)
        T = _checks.integer("threads", threads, 0, _core.available_cpus())
        self.copy = _checks.flag("copy", copy)
        new_world = _checks.flag("autoreset_new_world", autoreset_new_world)
        self._init_core(scenario, E, T, config, set, invalid_action, max_cycles, scheme, channels)
        self._core.autoreset_new_world = new_world
        self.num_envs: int = self._core.num_envs
        self.threads: int = self._core.threads
        self.agents = self.possible_agents
        A, D, N = len(self.possible_agents), self._core.obs_dim, self._core.num_actions
        self.obs_dim, self.num_actions = D, N
        nvec = np.asarray(self.action_dims, dtype=np.int64)
        self.single_observation_space = masked_observation((A, D), (A, N))
        self.single_action_space = MultiDiscrete(nvec)
        self.observation_space = masked_observation((E, A, D), (E, A, N))
        self.action_space = MultiDiscrete(np.tile(nvec, (E, 1)))
        b = self._b
        self._obs = {"observation": b["obs"], "action_mask": b["mask"]}
        # Terminations and truncations per agent: [E] buffers seen as [E, A] (stride 0, no copy).
        self._term = np.lib.stride_tricks.as_strided(b["terminations"], (E, A), (1, 0))
        self._trunc = np.lib.stride_tricks.as_strided(b["truncations"], (E, A), (1, 0))
        infos = {"acts": b["acts"], "rewarded": b["rewarded"], "invalid_action": b["invalid_action"]}
        for i, name in enumerate(self.info_names):
            infos[name] = b["infos"][:, i]
        every = np.ones(E, dtype=bool)  # Gymnasium's "_name" masks: every env has every key
        self._infos = {}
        for k, v in infos.items():
            self._infos[k] = v
            self._infos["_" + k] = every
        self._int64 = np.zeros((E, A), dtype=np.int64)

    @property
    def autoreset_new_world(self) -> bool:
        """Every autoreset draws a new world (vderl: a new topology) instead of the next episode in
        the same one."""
        return bool(self._core.autoreset_new_world)

    @autoreset_new_world.setter
    def autoreset_new_world(self, value: bool) -> None:
        self._core.autoreset_new_world = _checks.flag("autoreset_new_world", value)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        """Resets every environment: env e with seed + e, or, without a seed, each continuing its
        own streams (the first reset without a seed is seed 0). options={"new_world": True}: each
        episode also starts in a new world. Returns (obs, infos)."""
        with self._guard:
            self._check_open("reset")
            s = _checks.seed(seed, span=self.num_envs)
            new_world = _reset_options(options)
            self._core.reset(s, new_world)
            return self._out(self._obs), self._out(self._infos)

    def step(self, actions):
        """One step of every environment (the GIL is released while C++ steps them). actions: int
        [E, A] (padded agents' entries are ignored). Returns (obs, rewards, terminations,
        truncations, infos); see the class docstring."""
        with self._guard:  # closed, or before reset: the C++ step says so (RuntimeError)
            a = self._actions(actions)
            try:
                self._core.step(a)
            except ValueError as e:
                raise ValueError(f"step: {e}") from None
            self._warn_invalid()
            out = self._out
            return out(self._obs), out(self._b["rewards"]), out(self._term), out(self._trunc), out(self._infos)

    @property
    def acts(self) -> np.ndarray:
        """bool [E, A]: whether each agent's action at the next step() is applied (infos["acts"])."""
        return self._out(self._b["acts"])

    def state(self) -> np.ndarray:
        """float32 [E, S]: every environment's global state."""
        with self._guard:
            self._check_open("state")
            if not self._core.has_reset:
                raise RuntimeError("state before reset(): call reset() first")
            return self._core.state()

    def render(self) -> tuple[str, ...] | None:
        """render_mode "ansi": one text view per environment (a tuple, as Gymnasium's vector
        environments return their frames)."""
        if self.render_mode is None:
            warnings.warn("semra: render() without a render_mode (pass render_mode='ansi' to "
                          "vector_env)", stacklevel=2)
            return None
        with self._guard:
            self._check_open("render")
            if not self._core.has_reset:
                raise RuntimeError("render before reset(): call reset() first")
            return tuple(self._core.render(e) for e in range(self.num_envs))

    def close(self, **kwargs: Any) -> None:
        """Stops the threads and frees the environments; the arrays already returned stay valid.
        Any later call but close() raises RuntimeError."""
        with self._guard:
            self._core.close()

    @property
    def closed(self) -> bool:  # type: ignore[override]
        """True after close()."""
        return bool(self._core.closed)

    @closed.setter
    def closed(self, value: bool) -> None:  # gymnasium's VectorEnv.close() sets it
        pass

    def _actions(self, actions) -> np.ndarray:
        a = actions if isinstance(actions, np.ndarray) else np.asarray(actions)
        shape = self._int64.shape
        if a.shape != shape:
            raise ValueError(f"step: actions must have shape {shape}, got {a.shape}")
        if a.dtype == np.int64:
            return a if a.flags.c_contiguous else np.ascontiguousarray(a)
        if a.dtype.kind == "i" or (a.dtype.kind == "u" and a.dtype.itemsize < 8):
            return a.astype(np.int64)
        if a.dtype.kind == "u" or a.dtype == object:
            out = self._int64
            for idx, v in np.ndenumerate(a):
                iv = _checks.as_int(v)
                if iv is None:
                    raise ValueError(f"step: actions{list(idx)} = {_checks.shown(v)} is not an integer")
                if not -(2**63) <= iv <= _checks.INT64_MAX:
                    raise ValueError(f"step: actions{list(idx)} = {iv} is out of range (no action is that large)")
                out[idx] = iv
            return out.copy()
        raise ValueError(
            f"step: actions must be integers, got dtype {a.dtype}"
            + (" (cast whole numbers with .astype(np.int64))" if a.dtype.kind == "f" else "")
        )

    def _out(self, x):
        if not self.copy:
            return dict(x) if isinstance(x, dict) else x
        if isinstance(x, dict):
            return {k: v.copy() for k, v in x.items()}
        return x.copy()

    def __repr__(self) -> str:
        return f"semra.vector_env('{self.scenario}', num_envs={self.num_envs}, threads={self.threads})"


def vector_env(
    scenario: str,
    num_envs: int = 1,
    threads: int = 1,
    config: Any = None,
    set: Mapping[str, Any] | None = None,
    invalid_action: str = "warn",
    copy: bool = False,
    max_cycles: int | None = None,
    autoreset_new_world: bool = False,
    render_mode: str | None = None,
    scheme: str | None = None,
    channels: Any = None,
) -> VectorEnv:
    """num_envs environments of a scenario, stepped in C++ on `threads` threads (1 to the CPUs this
    process may use; 0: all of them). `scheme`, `channels`: as for parallel_env (one copy of the
    channels, shared by the num_envs environments). See VectorEnv."""
    return VectorEnv(scenario, num_envs=num_envs, threads=threads, config=config, set=set,
                     invalid_action=invalid_action, copy=copy, max_cycles=max_cycles,
                     autoreset_new_world=autoreset_new_world, render_mode=render_mode,
                     scheme=scheme, channels=channels)
