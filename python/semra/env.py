"""semra.parallel_env (PettingZoo ParallelEnv semantics) and semra.vector_env (E environments in
C++, numpy buffers, next-step autoreset). The model is the C++ scenario's MultiAgentEnv; this file
only adds Python's conventions. docs/python.md."""
from __future__ import annotations

import os
from typing import Any, Mapping

import numpy as np

from . import _core
from ._config import config_path, set_list
from .spaces import Box, agent_spaces

_INVALID_MODES = ("raise", "ignore")


def _check_mode(invalid_action: str) -> None:
    if invalid_action not in _INVALID_MODES:
        raise ValueError(f"invalid_action '{invalid_action}': expected 'raise' or 'ignore'")


def _check_seed(seed: Any) -> int | None:
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed {seed!r}: expected an integer >= 0")
    return int(seed)


class ParallelEnv:
    """One environment of a scenario with PettingZoo's ParallelEnv API.

    Observations follow PettingZoo's masked-observation convention:
    obs[agent] == {"observation": float32 (D,), "action_mask": int8 (N,)}. An action whose mask
    entry is 0 raises ValueError (invalid_action="raise") or is replaced by the scenario's
    do-nothing action and flagged in infos[agent]["invalid_action"] (invalid_action="ignore").
    infos[agent]["acts"] says whether the agent's action at the next step() is applied (dhdrl's
    high level acts only at epoch starts); the other info keys are the scenario's step metrics.
    """

    metadata = {"render_modes": [], "is_parallelizable": True}
    render_mode = None

    def __init__(
        self,
        scenario: str,
        config: str | os.PathLike | None = None,
        set: Mapping[str, Any] | None = None,
        invalid_action: str = "raise",
    ):
        _check_mode(invalid_action)
        self._core = _core.Env(scenario, config_path(config), set_list(set))
        self.scenario = scenario
        self.metadata = dict(self.metadata, name=f"semra_{scenario}")
        self.invalid_action = invalid_action
        specs = self._core.agents()
        self.possible_agents: list[str] = [s[0] for s in specs]
        self._noop = [s[3] for s in specs]
        self._num_actions = [s[2] for s in specs]
        self._obs_spaces = {}
        self._act_spaces = {}
        for name, d, n, _ in specs:
            self._obs_spaces[name], self._act_spaces[name] = agent_spaces(d, n)
        self.state_space = Box(-np.inf, np.inf, shape=(self._core.state_dim(),), dtype=np.float32)
        self._info_names = list(self._core.info_names())
        self._masks: list[np.ndarray] = []
        self._closed = False
        self.agents: list[str] = []

    @property
    def unwrapped(self) -> "ParallelEnv":
        return self

    @property
    def num_agents(self) -> int:
        return len(self.agents)

    @property
    def max_num_agents(self) -> int:
        return len(self.possible_agents)

    def observation_space(self, agent: str):
        return self._obs_spaces[agent]

    def action_space(self, agent: str):
        return self._act_spaces[agent]

    def reset(self, seed: int | None = None, options: dict | None = None):
        """Starts an episode. With a seed, every random stream restarts from it (same seed, same
        episode); without, the environment's own streams continue (vderl: the next frame)."""
        self._check_open()
        self._core.reset(_check_seed(seed))
        self.agents = list(self.possible_agents)
        return self._observe(), self._infos([False] * len(self.possible_agents))

    def step(self, actions: Mapping[str, Any]):
        self._check_open()
        if not self.agents:
            raise RuntimeError("step: the episode is over (call reset())")
        for agent in actions:
            if agent not in self._obs_spaces:
                raise ValueError(f"step: unknown agent '{agent}' (valid: {', '.join(self.possible_agents)})")
        n = len(self.possible_agents)
        applied = np.empty(n, dtype=np.int32)
        invalid = [False] * n
        for i, agent in enumerate(self.possible_agents):
            if not self._core.acts(i):
                applied[i] = self._noop[i]  # ignored by the environment at this step
                continue
            a = actions.get(agent)
            ok = a is not None
            if ok:
                try:
                    a = int(a)
                except (TypeError, ValueError):
                    raise ValueError(f"step: agent {agent}: action {a!r} is not an integer") from None
                ok = 0 <= a < self._num_actions[i] and self._masks[i][a] != 0
            if not ok:
                if self.invalid_action == "raise":
                    if a is None:
                        raise ValueError(f"step: agent {agent}: no action given")
                    raise ValueError(f"step: agent {agent}: action {a} is masked (action_mask is 0)")
                invalid[i] = True
                a = self._noop[i]
            applied[i] = a
        rewards = self._core.step(applied)
        term = bool(self._core.terminated())
        trunc = bool(self._core.truncated())
        obs = self._observe()
        infos = self._infos(invalid)
        agents = self.possible_agents
        out = (
            obs,
            {a: float(rewards[i]) for i, a in enumerate(agents)},
            {a: term for a in agents},
            {a: trunc for a in agents},
            infos,
        )
        if term or trunc:
            self.agents = []
        return out

    def state(self) -> np.ndarray:
        """Global state (float32, state_space.shape), for centralised critics and mixers."""
        self._check_open()
        return self._core.state()

    def render(self):
        return None

    def close(self) -> None:
        self._closed = True
        self.agents = []

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the environment is closed")

    def _observe(self) -> dict:
        self._masks = [self._core.action_mask(i) for i in range(len(self.possible_agents))]
        return {
            a: {"observation": self._core.observe(i), "action_mask": self._masks[i]}
            for i, a in enumerate(self.possible_agents)
        }

    def _infos(self, invalid: list[bool]) -> dict:
        values = self._core.info()
        common = {k: float(v) for k, v in zip(self._info_names, values)}
        return {
            a: {"acts": bool(self._core.acts(i)), "invalid_action": invalid[i], **common}
            for i, a in enumerate(self.possible_agents)
        }

    def __repr__(self) -> str:
        return f"semra.parallel_env('{self.scenario}', agents={len(self.possible_agents)})"


def parallel_env(
    scenario: str,
    config: str | os.PathLike | None = None,
    set: Mapping[str, Any] | None = None,
    invalid_action: str = "raise",
) -> ParallelEnv:
    """A scenario as a PettingZoo ParallelEnv. `config`: a TOML file; `set`: {dotted.key: value}
    overrides, as the CLI's --config / --set. Bad keys or values raise ValueError with the CLI's
    message."""
    return ParallelEnv(scenario, config=config, set=set, invalid_action=invalid_action)


class VectorEnv:
    """num_envs environments of one scenario stepped together in C++ on `threads` threads.

    Arrays are padded to the largest agent's D and N (padding 0, padded actions masked 0):
    reset() -> obs float32 [E, A, D], mask int8 [E, A, N];
    step(actions int [E, A]) -> obs, mask, rewards float32 [E, A], terminations bool [E],
    truncations bool [E]. Environment e is seeded seed + e. Autoreset is Gymnasium's next-step
    mode. The arrays are the environment's own preallocated buffers (read-only views, overwritten
    by the next call) unless copy=True.
    """

    def __init__(
        self,
        scenario: str,
        num_envs: int = 1,
        threads: int = 1,
        config: str | os.PathLike | None = None,
        set: Mapping[str, Any] | None = None,
        invalid_action: str = "raise",
        copy: bool = False,
    ):
        _check_mode(invalid_action)
        for name, v in (("num_envs", num_envs), ("threads", threads)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise ValueError(f"{name} {v!r}: expected an integer >= 1")
        self._core = _core.VectorEnv(
            scenario, config_path(config), set_list(set), int(num_envs), int(threads),
            invalid_action == "ignore",
        )
        self.scenario = scenario
        self.num_envs = self._core.num_envs
        self.threads = self._core.threads
        self.copy = copy
        specs = self._core.agents()
        self.possible_agents: list[str] = [s[0] for s in specs]
        self.agents = self.possible_agents
        self.obs_dims = [s[1] for s in specs]
        self.num_actions = [s[2] for s in specs]
        self.noop_actions = [s[3] for s in specs]
        self.info_names = list(self._core.info_names())
        b = self._core.buffers()
        for arr in b.values():
            arr.flags.writeable = False
        self._b = b
        E, A = self.num_envs, len(self.possible_agents)
        D, N = self._core.obs_dim, self._core.num_actions
        self.observation_space = Box(-np.inf, np.inf, shape=(E, A, D), dtype=np.float32)
        self.action_mask_space = Box(0, 1, shape=(E, A, N), dtype=np.int8)
        self.action_space = Box(0, N - 1, shape=(E, A), dtype=np.int64)
        self._actions = np.zeros((E, A), dtype=np.int32)

    def reset(self, seed: int | None = None, options: dict | None = None):
        """Resets every environment: env e with seed + e, or, without a seed, each continuing its
        own streams. Returns (obs, mask)."""
        self._core.reset(_check_seed(seed))
        return self._out(self._b["obs"]), self._out(self._b["mask"])

    def step(self, actions):
        """One step of every environment (the GIL is released while C++ steps them). A masked
        action of an acting agent raises ValueError before any environment moves
        (invalid_action="raise") or becomes the do-nothing action (see `invalid_action`)."""
        a = np.asarray(actions)
        if a.shape != self._actions.shape:
            raise ValueError(f"step: actions must have shape {self._actions.shape}, got {a.shape}")
        if not np.issubdtype(a.dtype, np.integer):
            raise ValueError(f"step: actions must be integers, got {a.dtype}")
        self._core.step(a if a.dtype == np.int32 and a.flags.c_contiguous else a.astype(np.int32))
        b = self._b
        return tuple(
            self._out(b[k]) for k in ("obs", "mask", "rewards", "terminations", "truncations")
        )

    @property
    def acts(self) -> np.ndarray:
        """bool [E, A]: whether each agent's action at the next step() is applied."""
        return self._out(self._b["acts"])

    @property
    def invalid_action(self) -> np.ndarray:
        """bool [E, A]: actions replaced by the do-nothing action at the last step()."""
        return self._out(self._b["invalid_action"])

    @property
    def infos(self) -> dict:
        """The scenario's step metrics of the last step: name -> float64 [E]."""
        v = self._b["infos"]
        return {n: v[:, i].copy() for i, n in enumerate(self.info_names)}

    def state(self) -> np.ndarray:
        """float32 [E, S]: every environment's global state."""
        return self._core.state()

    def close(self) -> None:
        pass

    def _out(self, arr: np.ndarray) -> np.ndarray:
        return arr.copy() if self.copy else arr

    def __repr__(self) -> str:
        return f"semra.vector_env('{self.scenario}', num_envs={self.num_envs}, threads={self.threads})"


def vector_env(
    scenario: str,
    num_envs: int = 1,
    threads: int = 1,
    config: str | os.PathLike | None = None,
    set: Mapping[str, Any] | None = None,
    invalid_action: str = "raise",
    copy: bool = False,
) -> VectorEnv:
    """num_envs environments of a scenario, stepped in C++ on `threads` threads (see VectorEnv)."""
    return VectorEnv(scenario, num_envs=num_envs, threads=threads, config=config, set=set,
                     invalid_action=invalid_action, copy=copy)
