"""semra.parallel_env against PettingZoo's ParallelEnv rules, seeding, masks and bad input."""
from __future__ import annotations

import subprocess
import warnings

import numpy as np
import pytest

import semra
from conftest import ENV_SCENARIOS, SMALL


def test_version_and_scenarios(cli):
    assert semra.scenarios() == ["dhdrl", "vderl"]
    out = subprocess.run([str(cli), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.split()[:2] == ["semra", semra.__version__]  # "semra 0.1.0 (kernels: ...)"


def test_vderl_has_an_environment():
    assert "vderl" in ENV_SCENARIOS


def masked_random(env, obs, rng):
    return {
        a: int(rng.choice(np.flatnonzero(obs[a]["action_mask"])))
        for a in env.agents
    }


@pytest.mark.parametrize("scenario", ENV_SCENARIOS)
def test_parallel_api_rules(scenario):
    env = semra.parallel_env(scenario, set=SMALL[scenario])
    assert env.unwrapped is env
    assert env.agents == []
    obs, infos = env.reset(seed=1)
    assert env.agents == env.possible_agents and len(env.agents) > 0
    assert set(obs) == set(infos) == set(env.agents)
    rng = np.random.default_rng(0)
    steps = 0
    while env.agents:
        for a in env.agents:
            space = env.observation_space(a)
            assert space is env.observation_space(a)
            assert env.action_space(a) is env.action_space(a)
            o = obs[a]
            assert set(o) == {"observation", "action_mask"}
            assert o["observation"].dtype == np.float32
            assert o["observation"].shape == space["observation"].shape
            assert o["action_mask"].dtype == np.int8
            assert o["action_mask"].shape == space["action_mask"].shape == (env.action_space(a).n,)
            assert set(np.unique(o["action_mask"])) <= {0, 1}
            assert o["action_mask"].any()
            assert space.contains(o)
            assert isinstance(infos[a]["acts"], bool)
            sampled = env.action_space(a).sample(mask=o["action_mask"])
            assert o["action_mask"][sampled] == 1
        state = env.state()
        assert state.dtype == np.float32 and state.shape == env.state_space.shape
        actions = masked_random(env, obs, rng)
        obs, rewards, terms, truncs, infos = env.step(actions)
        steps += 1
        for d in (obs, rewards, terms, truncs, infos):
            assert set(d) == set(env.possible_agents)
        assert all(isinstance(r, float) for r in rewards.values())
        if any(terms.values()) or any(truncs.values()):
            assert env.agents == []
        else:
            assert env.agents == env.possible_agents
        assert steps < 100_000
    with pytest.raises(RuntimeError):
        env.step({})
    obs, _ = env.reset()  # the next episode: every agent back
    assert env.agents == env.possible_agents
    env.close()
    assert env.agents == []


def test_vderl_episode_is_one_frame():
    env = semra.parallel_env("vderl", set=SMALL["vderl"])
    obs, _ = env.reset(seed=3)
    assert env.possible_agents == ["server_0", "server_1", "server_2"]
    rng = np.random.default_rng(1)
    total = 0.0
    for q in range(4):
        assert env.agents
        obs, rewards, terms, truncs, infos = env.step(masked_random(env, obs, rng))
        total += sum(rewards.values())
        assert all(t == (q == 3) for t in terms.values())
        assert not any(truncs.values())
    assert env.agents == []
    info = infos["server_0"]
    assert info["users"] == 12 and info["served"] > 0
    assert info["total_reward"] == pytest.approx(total, rel=1e-4, abs=1e-6)


def rollout(env, seed, steps, policy_seed=0, reset_seed=True):
    obs, _ = env.reset(seed=seed) if reset_seed else env.reset()
    rng = np.random.default_rng(policy_seed)
    trace = []
    for _ in range(steps):
        if not env.agents:
            obs, _ = env.reset()
        acts = masked_random(env, obs, rng)
        obs, rewards, *_ = env.step(acts)
        trace.append((acts, {a: obs[a]["observation"].copy() for a in obs}, rewards))
    return trace


def same(t1, t2):
    return len(t1) == len(t2) and all(
        a1 == a2 and r1 == r2 and all(np.array_equal(o1[k], o2[k]) for k in o1)
        for (a1, o1, r1), (a2, o2, r2) in zip(t1, t2)
    )


@pytest.mark.parametrize("scenario", ENV_SCENARIOS)
def test_seeding_and_determinism(scenario):
    e1 = semra.parallel_env(scenario, set=SMALL[scenario])
    e2 = semra.parallel_env(scenario, set=SMALL[scenario])
    assert same(rollout(e1, 5, 20), rollout(e2, 5, 20))
    assert same(rollout(e1, 5, 20), rollout(e1, 5, 20))  # reset(seed) restarts every stream
    assert not same(rollout(e1, 5, 20), rollout(e1, 6, 20))
    # reset() without a seed continues the streams: a new episode, not a repeat
    e1.reset(seed=5)
    first = e1.reset(seed=5)[0]
    rng = np.random.default_rng(0)
    obs = first
    while e1.agents:
        obs = e1.step(masked_random(e1, obs, rng))[0]
    nxt = e1.reset()[0]
    assert any(not np.array_equal(first[a]["observation"], nxt[a]["observation"]) for a in first)


def cli_error(cli, *args):
    p = subprocess.run([str(cli), *args], capture_output=True, text=True)
    assert p.returncode == 2
    line = p.stderr.strip()
    assert line.startswith("semra: error: ")
    return line[len("semra: error: "):]


def test_bad_keys_and_values_raise_the_cli_message(cli):
    for key, value in [("network.userz", 3), ("network.users", -4), ("network.users", "many")]:
        with pytest.raises(ValueError) as e:
            semra.parallel_env("vderl", set={key: value})
        assert str(e.value) == cli_error(cli, "run", "vderl", "--set", f"{key}={value}")
        with pytest.raises(ValueError) as e:
            semra.vector_env("vderl", num_envs=2, set={key: value})
        assert str(e.value) == cli_error(cli, "run", "vderl", "--set", f"{key}={value}")
    with pytest.raises(ValueError) as e:
        semra.parallel_env("nope")
    assert str(e.value) == cli_error(cli, "run", "nope")
    with pytest.raises(ValueError, match="invalid_action"):
        semra.parallel_env("vderl", invalid_action="skip")
    with pytest.raises(ValueError, match="seed"):
        semra.parallel_env("vderl", set=SMALL["vderl"]).reset(seed=-1)


def test_config_file(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[network]\nservers = 2\nusers = 8\nrbs = 3\n[semantic]\nimages = 8\n")
    env = semra.parallel_env("vderl", config=path, set={"network.servers": 4})
    assert len(env.possible_agents) == 4  # --set over the file
    with pytest.raises(ValueError, match="missing.toml"):
        semra.parallel_env("vderl", config=tmp_path / "missing.toml")


def a_masked_action(obs, agent):
    return int(np.flatnonzero(obs[agent]["action_mask"] == 0)[0])


def test_masked_action_raises_warns_or_is_ignored():
    env = semra.parallel_env("vderl", set=SMALL["vderl"], invalid_action="raise")
    obs, _ = env.reset(seed=2)
    acts = {a: 0 for a in env.agents}
    acts["server_1"] = a_masked_action(obs, "server_1")
    with pytest.raises(ValueError, match=rf"^step: agent server_1: action {acts['server_1']} is masked"):
        env.step(acts)
    with pytest.raises(ValueError, match="unknown agent"):
        env.step({"server_9": 0})
    with pytest.raises(ValueError, match="server_1: no action given"):
        env.step({"server_0": 0})
    # Nothing moved: a valid step still works and the episode still has its 4 steps.
    for _ in range(4):
        env.step({a: 0 for a in env.possible_agents})
    assert env.agents == []

    for mode in ("warn", "ignore"):
        bad = semra.parallel_env("vderl", set=SMALL["vderl"], invalid_action=mode)
        ref = semra.parallel_env("vderl", set=SMALL["vderl"])
        obs, _ = bad.reset(seed=2)
        ref.reset(seed=2)
        acts = {a: 0 for a in bad.agents}
        acts["server_1"] = a_masked_action(obs, "server_1")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            o1, r1, _, _, i1 = bad.step(acts)
        assert len(caught) == (1 if mode == "warn" else 0)
        if caught:
            assert "masked action was replaced" in str(caught[0].message)
        o2, r2, _, _, i2 = ref.step({a: 0 for a in bad.agents})  # the do-nothing action instead
        assert i1["server_1"]["invalid_action"] and not i1["server_0"]["invalid_action"]
        assert not i2["server_1"]["invalid_action"]
        assert r1 == r2
        assert all(np.array_equal(o1[a]["observation"], o2[a]["observation"]) for a in o1)


@pytest.mark.parametrize("mode", ["warn", "raise", "ignore"])
def test_out_of_range_and_non_integer_actions_are_errors_in_every_mode(mode):
    env = semra.parallel_env("vderl", set=SMALL["vderl"], invalid_action=mode)
    env.reset(seed=2)
    N = env.action_space("server_0").n
    for a, message in [
        (N, rf"agent server_0: action {N} is out of range \[0, {N}\)"),
        (-1, r"agent server_0: action -1 is out of range"),
        (2**32, r"action 4294967296 is out of range"),  # not narrowed to action 0
        (2**70, r"action 1180591620717411303424 is out of range"),
        (0.7, r"agent server_0: action 0.7 is not an integer"),
        (1.0, r"action 1.0 is not an integer"),
        ("0", r"action '0' is not an integer"),
        (True, r"action True is not an integer"),
        (np.bool_(False), r"is not an integer"),
        (None, r"action None is not an integer"),
    ]:
        with pytest.raises(ValueError, match=message):
            env.step({"server_0": a, "server_1": 0, "server_2": 0})
    # numpy integers and 0-d integer arrays are integers
    env.step({"server_0": np.int64(0), "server_1": np.uint8(0), "server_2": np.array(0)})


def test_misuse_is_an_exception_never_a_crash():
    env = semra.parallel_env("vderl", set=SMALL["vderl"])
    with pytest.raises(RuntimeError, match="state before reset"):
        env.state()
    with pytest.raises(RuntimeError, match="step before reset"):
        env.step({a: 0 for a in env.possible_agents})
    with pytest.raises(ValueError, match="expected a dict"):
        env.reset(seed=1) and env.step([0, 0, 0])
    assert env.state().shape == env.state_space.shape
    env.close()
    env.close()  # twice is fine
    assert env.closed
    for call in (lambda: env.reset(seed=1), lambda: env.state(), lambda: env.step({})):
        with pytest.raises(RuntimeError, match="closed"):
            call()


@pytest.mark.parametrize("seed", [-1, 2**64, 1.5, "1", True])
def test_bad_seeds(seed):
    env = semra.parallel_env("vderl", set=SMALL["vderl"])
    with pytest.raises(ValueError, match=r"^seed .*: expected an integer from 0 to 18446744073709551615$"):
        env.reset(seed=seed)
    env.reset(seed=2**64 - 1)  # the largest seed works


def test_reset_options():
    env = semra.parallel_env("vderl", set=SMALL["vderl"])
    with pytest.warns(UserWarning, match="reset option.*'colour' ignored"):
        env.reset(seed=1, options={"colour": 1})
    with pytest.raises(ValueError, match="options"):
        env.reset(seed=1, options=[1])
    with pytest.raises(ValueError, match="new_world"):
        env.reset(seed=1, options={"new_world": "yes"})


def test_action_mask_in_infos_gives_array_observations():
    env = semra.parallel_env("vderl", set=SMALL["vderl"], action_mask="info")
    ref = semra.parallel_env("vderl", set=SMALL["vderl"])
    obs, infos = env.reset(seed=3)
    o2, i2 = ref.reset(seed=3)
    for a in env.possible_agents:
        assert isinstance(obs[a], np.ndarray) and env.observation_space(a).contains(obs[a])
        np.testing.assert_array_equal(obs[a], o2[a]["observation"])
        np.testing.assert_array_equal(infos[a]["action_mask"], o2[a]["action_mask"])
    batch = np.stack([obs[a] for a in obs])  # what array-observation code does
    assert batch.shape == (3, env.observation_space("server_0").shape[0])
    with pytest.raises(ValueError, match="action_mask 'obs': expected one of 'observation', 'info'"):
        semra.parallel_env("vderl", set=SMALL["vderl"], action_mask="obs")


def test_observation_shape_serves_code_written_for_images():
    # PettingZoo's CleanRL tutorial (written for (H, W, C) frames) batches and transposes obs[a]
    # and stores it in a buffer of (stack_size, *frame_size); its own lines, without torch:
    env = semra.parallel_env("vderl", set=SMALL["vderl"], action_mask="info",
                             observation_shape=(1, -1, 1))
    ref = semra.parallel_env("vderl", set=SMALL["vderl"])
    d = ref.observation_space("server_0")["observation"].shape[0]
    assert env.observation_space("server_0").shape == (1, d, 1)
    obs, _ = env.reset(seed=2)
    o2, _ = ref.reset(seed=2)
    for a in env.possible_agents:
        assert obs[a].shape == (1, d, 1) and env.observation_space(a).contains(obs[a])
        np.testing.assert_array_equal(obs[a].ravel(), o2[a]["observation"])
    stack_size, frame_size = 1, env.observation_space(env.possible_agents[0]).shape[:2]
    max_cycles, num_agents = 4, len(env.possible_agents)
    rb_obs = np.zeros((max_cycles, num_agents, stack_size, *frame_size), dtype=np.float32)
    batch = np.stack([obs[a] for a in obs], axis=0).transpose(0, -1, 1, 2)
    rb_obs[0] = batch
    np.testing.assert_array_equal(rb_obs[0, :, 0, 0, :], np.stack([o2[a]["observation"] for a in o2]))
    # the observation is a copy: the next step does not change it
    before = obs["server_0"].copy()
    env.step({a: 0 for a in env.agents})
    np.testing.assert_array_equal(obs["server_0"], before)
    # masked-observation dicts take the shape too
    masked = semra.parallel_env("vderl", set=SMALL["vderl"], observation_shape=(d,))
    assert masked.observation_space("server_0")["observation"].shape == (d,)


@pytest.mark.parametrize("shape, message", [
    ((2, -1), "agent server_0's observation has"),
    ((0, -1), "expected a tuple of positive integers"),
    (("1", -1), "expected a tuple of positive integers"),
    ((), "expected a tuple of positive integers"),
    (5, "expected a tuple of positive integers"),
    ((-1, -1), "cannot take that shape"),
])
def test_bad_observation_shape_is_a_value_error(shape, message):
    env = semra.parallel_env("vderl", set=SMALL["vderl"])
    d = env.observation_space("server_0")["observation"].shape[0]
    if shape == (2, -1) and d % 2 == 0:
        shape = (d + 1, -1)
    with pytest.raises(ValueError, match=f"observation_shape .*{message}"):
        semra.parallel_env("vderl", set=SMALL["vderl"], observation_shape=shape)


def test_pettingzoos_cleanrl_tutorial_runs_with_only_the_env_and_input_layer_changed(tmp_path):
    # scripts/cleanrl_tutorial.py applies exactly those changes to PettingZoo's own file and runs it
    # (docs/python.md). It needs the tutorial's file and torch, which CI does not have.
    import os
    import sys
    from pathlib import Path

    tutorial = os.environ.get("SEMRA_CLEANRL_TUTORIAL")
    if not tutorial or not Path(tutorial).is_file():
        pytest.skip("SEMRA_CLEANRL_TUTORIAL does not name PettingZoo's tutorials/CleanRL/cleanrl.py")
    pytest.importorskip("torch", reason="the tutorial needs torch")
    script = Path(__file__).resolve().parents[2] / "scripts" / "cleanrl_tutorial.py"
    out = subprocess.run([sys.executable, str(script), tutorial, "--episodes", "2"],
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.count("Episodic Return:") == 2, out.stdout[-2000:]
