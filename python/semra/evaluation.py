"""semra.evaluate and semra.heuristic_policy: a policy written in Python scored by the scenario's own
C++ experiment loop, metrics, statistics and outputs, in one run directory with the built-in schemes
(docs/python.md "Scoring your own policy")."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from . import _checks, _core
from ._config import config_path, set_list
from .run import run_numbers, scheme_list

Observations = Mapping[str, Mapping[str, np.ndarray]]
Policy = Callable[[Observations], Mapping[str, Any]]


class _Adapter:
    """Between the C++ loop and the user's policy: builds PettingZoo's observation dict of the
    acting agents, calls the policy and checks its answer (one ValueError line naming the agent and
    what was expected)."""

    def __init__(self, policy: Policy, name: str):
        self.policy = policy
        self.name = name
        self.steps = 0

    def begin(self, seed: int) -> None:
        hook = getattr(self.policy, "seed", None)
        if callable(hook):
            hook(seed)

    def act(self, agents, obs: np.ndarray, masks: np.ndarray, acts: np.ndarray) -> np.ndarray:
        observations = {}
        for i, (agent, obs_dim, n, _noop, _group) in enumerate(agents):
            if acts[i]:
                observations[agent] = {"observation": obs[i, :obs_dim], "action_mask": masks[i, :n]}
        answer = self.policy(observations)
        if not isinstance(answer, Mapping):
            raise ValueError(f"policy {self.name!r} returned {_checks.shown(answer)}: expected a dict "
                             f"{{agent: action}} over the acting agents {list(observations)}")
        for agent in answer:
            if not any(agent == a[0] for a in agents):
                names = ", ".join(a[0] for a in agents)
                raise ValueError(f"policy {self.name!r}: unknown agent {_checks.shown(agent)} "
                                 f"(agents: {names})")
        out = np.empty(len(agents), dtype=np.int64)
        for i, (agent, _obs_dim, n, noop, _group) in enumerate(agents):
            out[i] = noop
            if not acts[i]:
                continue  # the environment ignores it at this step, as parallel_env's step does
            if agent not in answer:
                raise ValueError(f"policy {self.name!r}: no action for agent {agent} (it acts at "
                                 "this step)")
            a = answer[agent]
            v = _checks.as_int(a)
            if v is None:
                raise ValueError(f"policy {self.name!r}: agent {agent}: action {_checks.shown(a)} "
                                 f"is not an integer (expected an int in [0, {n}))")
            if not 0 <= v < n:
                raise ValueError(f"policy {self.name!r}: agent {agent}: action {v} is out of range "
                                 f"[0, {n})")
            if not masks[i, v]:
                raise ValueError(f"policy {self.name!r}: agent {agent}: action {v} is masked "
                                 "(action_mask[action] == 0)")
            out[i] = v
        self.steps += 1
        return out


def evaluate(
    policy: Policy,
    scenario: str,
    config: str | os.PathLike | None = None,
    seeds: int = 1,
    episodes: int | None = None,
    out: str | os.PathLike | None = None,
    *,
    name: str = "policy",
    schemes: Sequence[str] | str | None = (),
    set: Mapping[str, Any] | None = None,
    seed: int = 1,
    steps: int | None = None,
    threads: int = 0,
    quiet: bool = True,
) -> dict:
    """Scores `policy` as `semra run` scores a scheme and returns summary.json's content.

    policy(observations) -> actions: `observations` is a dict over the agents that act at this
    step, each {"observation": float32 (D,), "action_mask": int8 (N,)} (semra.parallel_env's
    observations); it returns {agent: int action} for each of them (a masked, out-of-range or
    non-integer action is a ValueError; an exception raised by the policy stops the run and is
    raised again here). If the policy has a `seed(s)` method it is called before each experiment
    with the experiment's seed s (seeds `seed` .. `seed + seeds - 1`; the world of vderl's seed s).

    The scenario's own C++ loop runs it, on the environment of semra.parallel_env: vderl evaluates
    it at each of training.iterations (`steps`) on training.eval_frames frames, then on
    training.final_eval_frames fresh frames (`episodes` sets this: the summary scalars); dhdrl runs
    train.slots slots (`steps`; `episodes` is not used). `schemes` adds built-in schemes to the same
    run (trained as `semra run` trains them), so that summary.json compares `name` with each. OUT
    then holds the CLI's outputs (config.toml, metrics.csv, summary.json, results.mat, the figure);
    out=None: results/<scenario>-<timestamp>, also in semra.evaluate.last_out_dir. Bad input
    raises ValueError."""
    if not callable(policy):
        raise ValueError(f"policy {_checks.shown(policy)}: expected a callable observations -> actions")
    if not isinstance(scenario, str):
        raise ValueError(f"scenario {_checks.shown(scenario)}: expected a scenario name such as 'vderl'")
    if not isinstance(name, str) or not name or any(c in name for c in "\0\n\r,/"):
        raise ValueError(f"name {_checks.shown(name)}: expected a non-empty scheme label without "
                         "',', '/' or line breaks")
    builtins = scheme_list(schemes) or []
    first, count, n_steps, n_threads = run_numbers(seed, seeds, steps, threads)
    sets = set_list(set)
    if episodes is not None:
        if scenario != "vderl":
            raise ValueError(f"episodes {_checks.shown(episodes)}: only vderl has evaluation episodes "
                             "(frames); dhdrl's run is one episode of train.slots slots (steps=)")
        n = _checks.integer("episodes", episodes, 1, 2**31 - 1)
        if any(x.startswith("training.final_eval_frames=") for x in sets):
            raise ValueError("episodes and set['training.final_eval_frames'] both given: give one")
        sets.append(f"training.final_eval_frames={n}")
    if out is not None and not isinstance(out, (str, os.PathLike)):
        raise ValueError(f"out {_checks.shown(out)}: expected a directory path or None")
    out_text = "" if out is None else _checks.path("out", out)
    adapter = _Adapter(policy, name)
    # A heuristic that reads its environment (dhdrl's greedy) is attached to each experiment's.
    heuristic = policy._core if isinstance(policy, HeuristicPolicy) else None
    out_dir = _core.evaluate(scenario, name, adapter.begin, adapter.act, heuristic, builtins, first, count,
                             n_steps, sets, config_path(config), n_threads, out_text,
                             _checks.flag("quiet", quiet))
    evaluate.last_out_dir = Path(out_dir)  # type: ignore[attr-defined]
    with open(Path(out_dir) / "summary.json", encoding="utf-8") as f:
        return json.load(f)


class HeuristicPolicy:
    """A built-in heuristic as a policy: `policy(observations) -> {agent: action}` over the acting
    agents (semra.parallel_env's observations), making exactly the decisions its scheme makes in
    `semra run` (`seed(s)` restarts it as the scheme's experiment of seed s starts; semra.evaluate
    calls it). Made by semra.heuristic_policy."""

    def __init__(self, scenario: str, scheme: str, config: str | os.PathLike | None = None,
                 set: Mapping[str, Any] | None = None, env: Any = None):
        if not isinstance(scenario, str):
            raise ValueError(f"scenario {_checks.shown(scenario)}: expected 'dhdrl' or 'vderl'")
        if not isinstance(scheme, str):
            raise ValueError(f"scheme {_checks.shown(scheme)}: expected a scheme name such as 'random'")
        self.scenario, self.scheme = scenario, scheme
        self._core = _core.Heuristic(scenario, scheme, config_path(config), set_list(set))
        #: The built-in scheme whose environment the policy acts in ("" for random: any).
        self.environment: str = self._core.environment
        if env is not None:
            from .environments import ParallelEnv

            if not isinstance(env, ParallelEnv):
                raise ValueError(f"env {_checks.shown(env)}: expected a semra.parallel_env")
            if env.scenario != scenario:
                raise ValueError(f"env: a {env.scenario} environment; this policy is {scenario}'s")
            self._core.bind(env._core)

    def seed(self, seed: int) -> None:
        """Restarts the heuristic from `seed` (its random stream, greedy-local's codewords)."""
        self._core.seed(_checks.seed(seed))

    def __call__(self, observations: Observations) -> dict[str, int]:
        """{agent: {"observation", "action_mask"}} of the acting agents -> {agent: action}."""
        if not isinstance(observations, Mapping):
            raise ValueError(f"{self!r}: observations {_checks.shown(observations)}: expected a dict "
                             "{agent: {'observation': ..., 'action_mask': ...}}")
        acting = list(observations)
        for agent in acting:
            if not isinstance(agent, str):
                raise ValueError(f"{self!r}: agent {_checks.shown(agent)}: expected an agent name")
        rows = []
        if not self.environment:  # random decides from the masks; the others from their env
            for agent in acting:
                o = observations[agent]
                mask = o.get("action_mask") if isinstance(o, Mapping) else None
                if mask is None:
                    raise ValueError(f"{self!r}: agent {agent}: expected {{'observation': ..., "
                                     "'action_mask': ...}} (semra.parallel_env's observations)")
                rows.append(np.asarray(mask, dtype=np.int8).ravel())
        width = max((len(r) for r in rows), default=0)
        masks = np.zeros((len(rows), width), dtype=np.int8)
        for i, r in enumerate(rows):
            masks[i, :len(r)] = r
        actions = self._core.act(acting, masks)
        return {a: int(v) for a, v in zip(acting, actions)}

    def __repr__(self) -> str:
        return f"semra.heuristic_policy({self.scenario!r}, {self.scheme!r})"


def heuristic_policy(scenario: str, scheme: str, config: str | os.PathLike | None = None,
                     set: Mapping[str, Any] | None = None, env: Any = None) -> HeuristicPolicy:
    """A built-in heuristic of `scenario` as a policy, for semra.parallel_env loops and
    semra.evaluate, making the decisions its scheme makes in `semra run`. config / set: as for
    semra.parallel_env (the same configuration as the environment it acts in).

    `random` (both scenarios) decides from the acting agents' masks. dhdrl's `greedy`,
    `greedy-local` and `oracle` read what no agent observes (every codeword's gain, the
    interference) and act in the single-layer layout: outside semra.evaluate (which attaches them
    to each experiment's environment) give `env=semra.parallel_env("dhdrl", scheme=scheme)`, the
    environment they act in. Learning schemes raise ValueError saying so."""
    return HeuristicPolicy(scenario, scheme, config, set, env)
