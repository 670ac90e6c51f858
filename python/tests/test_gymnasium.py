"""semra.vector_env follows Gymnasium's VectorEnv conventions for a batch of multi-agent
environments (docs/python.md "Vector environment"): the five-way step, the action mask inside the
observations, single_/batched spaces, num_envs, infos with "_name" masks, the next-step autoreset
mode named in metadata, zero copies. With gymnasium importable it is a gymnasium.vector.VectorEnv
and its spaces are gymnasium's; without, the same checks run on semra.spaces."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import semra
from conftest import ENV_SCENARIOS, SMALL
from semra.spaces import HAVE_GYMNASIUM

E = 3


@pytest.mark.parametrize("scenario", ENV_SCENARIOS)
def test_vector_env_conventions(scenario):
    venv = semra.vector_env(scenario, num_envs=E, threads=1, set=SMALL[scenario], max_cycles=6)
    A, D, N = len(venv.possible_agents), max(venv.obs_dims), max(venv.action_dims)
    assert venv.num_envs == E
    assert venv.single_observation_space["observation"].shape == (A, D)
    assert venv.single_observation_space["action_mask"].shape == (A, N)
    assert venv.observation_space["observation"].shape == (E, A, D)
    assert venv.observation_space["action_mask"].shape == (E, A, N)
    assert list(venv.single_action_space.nvec) == venv.action_dims
    assert venv.action_space.shape == (E, A)
    assert str(venv.metadata["autoreset_mode"]).endswith(("NEXT_STEP", "NextStep"))

    obs, infos = venv.reset(seed=4)
    assert set(obs) == {"observation", "action_mask"}
    assert venv.observation_space.contains(obs)
    assert all(venv.single_observation_space.contains({k: v[e] for k, v in obs.items()}) for e in range(E))
    for key in ["acts", "rewarded", "invalid_action", *venv.info_names]:
        assert key in infos and infos["_" + key].shape == (E,) and infos["_" + key].all()
    assert infos["acts"].shape == (E, A) and infos[venv.info_names[0]].shape == (E,)

    venv.action_space.seed(1)
    ended = np.zeros(E, dtype=bool)
    steps = 0
    first = obs["observation"]
    for t in range(8):
        actions = venv.action_space.sample()  # unmasked: masked ones become the do-nothing action
        assert venv.action_space.contains(actions)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = venv.step(actions)
        assert len(out) == 5
        obs, rewards, terms, truncs, infos = out
        assert obs["observation"] is not None and np.shares_memory(obs["observation"], first)
        assert rewards.shape == terms.shape == truncs.shape == (E, A)
        assert rewards.dtype == np.float32 and terms.dtype == truncs.dtype == np.bool_
        assert (terms == terms[:, :1]).all() and (truncs == truncs[:, :1]).all()  # per env
        # next-step autoreset: the step after an ending one returns rewards 0, not ended
        assert not rewards[ended].any() and not terms[ended].any() and not truncs[ended].any()
        ended = terms[:, 0] | truncs[:, 0]
        steps += 1
    # max_cycles = 6 caps dhdrl's episode (truncation) and is above vderl's (a frame of 4 steps)
    assert venv.max_cycles == min(6, venv.get_env_info()["episode_limit"])
    if HAVE_GYMNASIUM:
        import gymnasium

        assert isinstance(venv, gymnasium.vector.VectorEnv)
        assert isinstance(venv.single_action_space, gymnasium.spaces.MultiDiscrete)
        assert venv.metadata["autoreset_mode"] == gymnasium.vector.AutoresetMode.NEXT_STEP
    venv.close()
    assert venv.closed


def test_episode_cap_truncates_and_counts_steps():
    env = semra.parallel_env("dhdrl", set={"train.slots": 10, "hierarchy.epoch_slots": 4})
    assert env.max_cycles == 10 + 3  # 10 slot steps and 3 decision steps (epochs of 4 slots)
    env.max_cycles = 5
    assert env.max_cycles == 5
    obs, infos = env.reset(seed=1)
    n = 0
    while env.agents:
        obs, r, terms, truncs, infos = env.step({a: 0 for a in env.acting_agents})
        n += 1
    assert n == 5 and all(truncs.values()) and not any(terms.values())
    env.max_cycles = None
    env.reset(seed=1)
    n = 0
    while env.agents:
        env.step({a: 0 for a in env.acting_agents})
        n += 1
    assert n == 13


@pytest.mark.parametrize("redraw", [0, 3, 6, -1])
def test_dhdrl_episode_limit_equals_the_steps_taken(redraw):
    # episode_steps() is computed in closed form (decision and redraw steps); count them.
    from semra import _core

    sets = ["train.slots=11", "hierarchy.epoch_slots=4", f"requirements.redraw_period_slots={redraw}"]
    v = _core.VectorEnv("dhdrl", "", sets, 1, 1, True)
    v.reset(1, False)
    n = 0
    b = v.buffers()
    while True:
        v.step(np.zeros((1, len(v.agents())), dtype=np.int64))
        n += 1
        if b["truncations"][0] or b["terminations"][0]:
            break
    assert n == v.episode_limit


def test_vderl_new_world_option():
    def topology(env):
        text = env.render()
        return [ln for ln in text.splitlines() if ln.startswith("server_")]

    env = semra.parallel_env("vderl", set=SMALL["vderl"], render_mode="ansi")
    env.reset(seed=5)
    t5 = topology(env)
    env.reset()
    assert topology(env) == t5  # reset(): the next frame in the same world
    env.reset(options={"new_world": True})
    t_new = topology(env)
    assert t_new != t5
    env.reset(seed=5)
    assert topology(env) == t5  # reset(seed) restores the seed's world
    env.reset(seed=5, options={"new_world": True})
    assert topology(env) == t_new  # deterministic: the first new world after seed 5

    venv = semra.vector_env("vderl", num_envs=2, set=SMALL["vderl"], autoreset_new_world=True,
                            render_mode="ansi")
    venv.reset(seed=5)
    before = [[ln for ln in t.splitlines() if ln.startswith("server_")] for t in venv.render()]
    for _ in range(5):  # a frame of 4 steps, then the autoreset step
        venv.step(np.zeros((2, 3), dtype=np.int64))
    after = [[ln for ln in t.splitlines() if ln.startswith("server_")] for t in venv.render()]
    assert before[0] == t5 and after[0] == t_new and after[1] != before[1]


def test_dhdrl_groups_and_reward_timing():
    T_H = 3
    env = semra.parallel_env("dhdrl", set={"train.slots": 7, "hierarchy.epoch_slots": T_H})
    info = env.get_env_info()
    assert env.groups == {"high": [f"bs{i}_high" for i in range(7)], "low": [f"bs{i}_low" for i in range(7)]}
    assert info["groups"] == env.groups and info["n_agents"] == 14
    assert info["obs_shape"] == max(info["obs_dims"]) and info["n_actions"] == 40
    assert info["episode_limit"] == 7 + 3
    obs, infos = env.reset(seed=2)
    assert env.acting_agents == env.groups["high"]
    slot = 0
    while env.agents:
        decision = env.acting_agents == env.groups["high"]
        obs, r, te, tr, infos = env.step({a: 0 for a in env.acting_agents})
        if decision:
            assert not any(i["rewarded"] for i in infos.values())
            continue
        closes = slot % T_H == T_H - 1
        assert all(infos[a]["rewarded"] for a in env.groups["low"])
        assert all(infos[a]["rewarded"] == closes for a in env.groups["high"])
        assert all((r[a] != 0.0) == closes for a in env.groups["high"])
        slot += 1


def test_human_mode_draws_itself_after_every_reset_and_step(capsys):
    # PettingZoo's convention (its CleanRL tutorial never calls render()): a "human" environment
    # prints its view after reset() and each step(); "ansi" and None print nothing by themselves.
    ansi = semra.parallel_env("vderl", set=SMALL["vderl"], render_mode="ansi")
    human = semra.parallel_env("vderl", set=SMALL["vderl"], render_mode="human")
    for env in (ansi, human):
        obs, _ = env.reset(seed=3)
    assert capsys.readouterr().out == ansi.render()  # only human's reset printed, ansi's view
    for env in (ansi, human):
        env.step({a: int(np.flatnonzero(obs[a]["action_mask"])[0]) for a in env.agents})
    assert capsys.readouterr().out == ansi.render()
    quiet = semra.parallel_env("vderl", set=SMALL["vderl"])
    quiet.reset(seed=3)
    assert capsys.readouterr().out == ""
