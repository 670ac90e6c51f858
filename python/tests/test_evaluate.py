"""semra.evaluate: a Python policy scored by the scenario's own C++ loop, metrics, statistics and
outputs. A built-in heuristic called as a Python policy gives exactly `semra run`'s metrics.csv rows
and summary scalars; what the policy does wrong is an exception, never a crash."""
from __future__ import annotations

import csv
import json
import shutil
import subprocess

import numpy as np
import pytest

import semra

QUICK = {
    "training.eval_frames": 3,
    "training.final_eval_frames": 5,
    "network.servers": 3,
    "network.users": 12,
    "network.rbs": 4,
    "semantic.images": 16,
}
DHDRL = {"train.slots": 60, "output.record_every_slots": 5}
TIMING = {"wall_seconds", "steps_per_second"}


def rows(path, scheme):
    """metrics.csv rows of one scheme, without the scheme column."""
    with open(path / "metrics.csv", newline="") as f:
        out = [{k: v for k, v in r.items() if k != "scheme"} for r in csv.DictReader(f) if r["scheme"] == scheme]
    assert out, f"no rows of {scheme} in {path}"
    return out


def scalars(summary, scheme):
    return {k: v for k, v in summary["schemes"][scheme].items() if k not in TIMING}


def test_vderl_random_as_a_python_policy_equals_semra_run(tmp_path, cli):
    args = [str(cli), "run", "vderl", "--scheme", "random", "--seeds", "3", "--steps", "4",
            "--threads", "1", "--quiet", "--out", str(tmp_path / "cli")]
    for k, v in QUICK.items():
        args += ["--set", f"{k}={v}"]
    subprocess.run(args, check=True, capture_output=True)
    ref = json.loads((tmp_path / "cli" / "summary.json").read_text())

    policy = semra.heuristic_policy("vderl", "random", set=QUICK)
    calls = []
    seeded = policy.seed
    policy.seed = lambda s: (calls.append(s), seeded(s))  # type: ignore[method-assign]
    got = semra.evaluate(policy, "vderl", seeds=3, steps=4, set=QUICK, out=tmp_path / "py",
                         name="py-random", threads=1)
    assert calls == [1, 2, 3]  # seed(s) before each experiment, in plan order at one thread
    assert rows(tmp_path / "py", "py-random") == rows(tmp_path / "cli", "random")
    assert scalars(got, "py-random") == scalars(ref, "random")
    fr = got["schemes"]["py-random"]["final_reward"]
    assert len(fr["per_seed"]) == 3 and fr["ci95"] > 0  # the CLI's statistics, with CIs
    # The same resolved configuration; its header names the run's schemes.
    py_cfg = (tmp_path / "py" / "config.toml").read_text().replace("# schemes: py-random\n", "")
    assert py_cfg == (tmp_path / "cli" / "config.toml").read_text().replace("# schemes: random\n", "")
    assert semra.evaluate.last_out_dir == tmp_path / "py"


def test_vderl_episodes_set_the_final_evaluation_frames(tmp_path):
    small = {k: v for k, v in QUICK.items() if k != "training.final_eval_frames"}
    a = semra.evaluate(semra.heuristic_policy("vderl", "random", set=QUICK), "vderl", steps=1,
                       set=small, episodes=7, out=tmp_path / "a")
    with pytest.raises(ValueError, match="both given"):
        semra.evaluate(lambda o: {}, "vderl", set=QUICK, episodes=7)
    b = semra.run("vderl", schemes=["random"], steps=1, set={**QUICK, "training.final_eval_frames": 7},
                  out=tmp_path / "b")
    assert scalars(a, "policy") == scalars(b, "random")


def test_dhdrl_random_as_a_python_policy_equals_semra_run(tmp_path):
    ref = semra.run("dhdrl", schemes=["random"], seeds=2, set=DHDRL, out=tmp_path / "run", threads=1)
    got = semra.evaluate(semra.heuristic_policy("dhdrl", "random", set=DHDRL), "dhdrl", seeds=2,
                         set=DHDRL, out=tmp_path / "py", name="py-random", threads=1)
    assert rows(tmp_path / "py", "py-random") == rows(tmp_path / "run", "random")
    assert scalars(got, "py-random") == scalars(ref, "random")
    assert len(rows(tmp_path / "py", "py-random")) == 2 * 60 // 5


@pytest.mark.parametrize("scheme", ["greedy", "greedy-local", "oracle"])
def test_dhdrl_heuristics_reading_their_environment_equal_semra_run(tmp_path, scheme):
    # They read every codeword's gain and the interference, which no agent observes: semra.evaluate
    # attaches them to each experiment's environment (the single layer), where they decide with
    # their scheme's own code.
    ref = semra.run("dhdrl", schemes=[scheme], seeds=2, set=DHDRL, out=tmp_path / "run", threads=1)
    policy = semra.heuristic_policy("dhdrl", scheme, set=DHDRL)
    assert policy.environment == scheme
    got = semra.evaluate(policy, "dhdrl", seeds=2, set=DHDRL, out=tmp_path / "py", name="py",
                         threads=2)
    assert rows(tmp_path / "py", "py") == rows(tmp_path / "run", scheme)
    assert scalars(got, "py") == scalars(ref, scheme)


def test_dhdrl_greedy_acts_in_a_parallel_env_of_its_scheme(tmp_path):
    small = {**DHDRL, "train.slots": 20}
    env = semra.parallel_env("dhdrl", set=small, scheme="greedy")
    assert list(env.groups) == ["single"]  # one agent per link: codeword, power and k every slot
    with pytest.raises(ValueError, match="reads channel gains no agent observes.*scheme='greedy'"):
        semra.heuristic_policy("dhdrl", "greedy", set=small)({})
    with pytest.raises(ValueError, match="not the environment dhdrl's greedy acts in"):
        semra.heuristic_policy("dhdrl", "greedy", set=small, env=semra.parallel_env("dhdrl", set=small))
    with pytest.raises(ValueError, match="expected a semra.parallel_env"):
        semra.heuristic_policy("dhdrl", "greedy", set=small, env="env")
    policy = semra.heuristic_policy("dhdrl", "greedy", set=small, env=env)
    obs, _ = env.reset(seed=1)
    policy.seed(1)
    qoe = []
    while env.agents:
        actions = policy(obs)
        assert set(actions) == set(obs)
        for a, v in actions.items():
            assert obs[a]["action_mask"][v] == 1
        obs, _, _, _, infos = env.step(actions)
        if obs:
            qoe.append(next(iter(infos.values()))["qoe"])
    # The same decisions as `semra run --scheme greedy` for seed 1: its per-slot QoE, averaged as
    # metrics.csv averages it (5 slots a row).
    semra.run("dhdrl", schemes=["greedy"], seeds=1, set=small, out=tmp_path / "g", threads=1)
    want = [float(r["qoe"]) for r in rows(tmp_path / "g", "greedy")]
    got = [float(np.mean(qoe[i:i + 5])) for i in range(0, 20, 5)]
    assert len(qoe) == 20 and np.allclose(got, want, rtol=1e-12, atol=0)


def test_a_policy_sits_in_one_table_with_built_in_schemes(tmp_path):
    seen = set()

    def first_valid(observations):
        seen.update(observations)
        return {a: int(np.flatnonzero(o["action_mask"])[0]) for a, o in observations.items()}

    s = semra.evaluate(first_valid, "vderl", seeds=2, steps=2, set=QUICK, schemes=["random"],
                       out=tmp_path / "t", name="first")
    assert seen == {"server_0", "server_1", "server_2"}
    assert set(s["schemes"]) == {"first", "random"}
    cmp = s["comparisons"]["first vs random"]
    assert cmp["metric"] == "avg_latency_ms" and 0 <= cmp["p_value"] <= 1
    res = semra.load_results(tmp_path / "t")
    assert set(res.metrics["scheme"]) == {"first", "random"}
    assert s["schemes"]["first"]["final_reward"]["mean"] != s["schemes"]["random"]["final_reward"]["mean"]
    if shutil.which("gnuplot"):
        assert list((tmp_path / "t").glob("figure.*")), "no figure written"


def test_dhdrl_policy_sees_the_acting_agents_of_each_step(tmp_path):
    groups = []

    def noop_like(observations):
        groups.append(sorted({a.rsplit("_", 1)[1] for a in observations}))
        return {a: 0 for a in observations}

    semra.evaluate(noop_like, "dhdrl", set={**DHDRL, "train.slots": 12}, out=tmp_path / "d")
    assert ["high"] in groups and ["low"] in groups and ["high", "low"] not in groups
    assert [] not in groups  # steps where nobody acts do not call the policy


class PolicyBroke(Exception):
    pass


def test_an_exception_in_the_policy_is_raised_by_evaluate(tmp_path):
    n = {"calls": 0}

    def broken(observations):
        n["calls"] += 1
        if n["calls"] == 5:
            raise PolicyBroke("step 5")
        return {a: int(np.flatnonzero(o["action_mask"])[0]) for a, o in observations.items()}

    with pytest.raises(PolicyBroke, match="step 5"):
        semra.evaluate(broken, "vderl", seeds=2, steps=2, set=QUICK, schemes=["random"],
                       out=tmp_path / "x", threads=2)
    assert n["calls"] == 5  # the run stopped at the exception
    # ... and the module still works afterwards.
    semra.evaluate(semra.heuristic_policy("vderl", "random", set=QUICK), "vderl", steps=1,
                   set=QUICK, out=tmp_path / "y")


@pytest.mark.parametrize("answer, message", [
    (lambda obs: [0, 0, 0], r"returned \[0, 0, 0\]: expected a dict \{agent: action\}"),
    (lambda obs: {"server_0": 0}, r"no action for agent server_1"),
    (lambda obs: {a: 0.0 for a in obs}, r"action 0\.0 is not an integer \(expected an int in \[0, "),
    (lambda obs: {a: 10**6 for a in obs}, r"action 1000000 is out of range \[0, "),
    (lambda obs: {a: int(np.flatnonzero(o["action_mask"] == 0)[0]) for a, o in obs.items()},
     r"is masked"),
    (lambda obs: {**{a: 0 for a in obs}, "server_9": 0}, r"unknown agent 'server_9'"),
])
def test_bad_answers_of_the_policy_are_value_errors(tmp_path, answer, message):
    with pytest.raises(ValueError, match=message):
        semra.evaluate(answer, "vderl", steps=1, set=QUICK, out=tmp_path / "b")


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="expected a callable"):
        semra.evaluate(3, "vderl")
    with pytest.raises(ValueError, match="built-in scheme of vderl has this name"):
        semra.evaluate(lambda o: {}, "vderl", name="random", set=QUICK, out=tmp_path / "n")
    with pytest.raises(ValueError, match="only vderl has evaluation episodes"):
        semra.evaluate(lambda o: {}, "dhdrl", episodes=3)
    with pytest.raises(ValueError, match="unknown scheme 'nope'"):
        semra.evaluate(lambda o: {}, "vderl", schemes=["nope"], set=QUICK, out=tmp_path / "s")
    with pytest.raises(ValueError, match="seeds 0"):
        semra.evaluate(lambda o: {}, "vderl", seeds=0)


def test_heuristic_policies():
    with pytest.raises(ValueError, match="'vdn' learns: it is not a heuristic.*heuristics: random"):
        semra.heuristic_policy("vderl", "vdn")
    with pytest.raises(ValueError, match="'ddrl' learns.*random, greedy, greedy-local, oracle"):
        semra.heuristic_policy("dhdrl", "ddrl", set=DHDRL)
    with pytest.raises(ValueError, match="unknown dhdrl scheme 'gredy'"):
        semra.heuristic_policy("dhdrl", "gredy")
    # In a parallel_env loop: masked random actions, the same for the same seed.
    env = semra.parallel_env("vderl", set=QUICK)
    policy = semra.heuristic_policy("vderl", "random", set=QUICK)
    runs = []
    for _ in range(2):
        obs, _ = env.reset(seed=3)
        policy.seed(3)
        taken = []
        while env.agents:
            actions = policy(obs)
            for a, v in actions.items():
                assert obs[a]["action_mask"][v] == 1
            taken.append(actions)
            obs, *_ = env.step(actions)
        runs.append(taken)
    assert runs[0] == runs[1] and len(runs[0]) > 1
