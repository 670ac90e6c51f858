"""semra.vector_env: env e == parallel_env reset with seed + e (autoreset included), padding,
masks, thread-count independence, buffers without per-step allocation."""
from __future__ import annotations

import numpy as np
import pytest

import semra
from conftest import ENV_SCENARIOS, SMALL


def random_actions(mask, rng):
    E, A, N = mask.shape
    out = np.zeros((E, A), dtype=np.int64)
    for e in range(E):
        for a in range(A):
            valid = np.flatnonzero(mask[e, a])
            out[e, a] = rng.choice(valid) if valid.size else 0
    return out


@pytest.mark.parametrize("scenario", ENV_SCENARIOS)
def test_vector_equals_independent_envs_with_autoreset(scenario):
    E, seed, steps = 3, 11, 12
    venv = semra.vector_env(scenario, num_envs=E, threads=2, set=SMALL[scenario])
    envs = [semra.parallel_env(scenario, set=SMALL[scenario]) for _ in range(E)]
    agents = venv.possible_agents
    assert agents == envs[0].possible_agents
    obs, mask = venv.reset(seed=seed)
    solo = [env.reset(seed=seed + e)[0] for e, env in enumerate(envs)]
    assert obs.dtype == np.float32 and mask.dtype == np.int8
    E_, A, D = obs.shape
    assert (E_, A) == (E, len(agents)) and mask.shape[:2] == (E, A)
    assert D == max(venv.obs_dims) and mask.shape[2] == max(venv.num_actions)
    rng = np.random.default_rng(0)
    autoresets = 0
    for t in range(steps):
        for e in range(E):
            for i, a in enumerate(agents):
                d, n = venv.obs_dims[i], venv.num_actions[i]
                np.testing.assert_array_equal(obs[e, i, :d], solo[e][a]["observation"])
                np.testing.assert_array_equal(mask[e, i, :n], solo[e][a]["action_mask"])
                assert not obs[e, i, d:].any() and not mask[e, i, n:].any()  # padding
        actions = random_actions(mask, rng)
        ended = [not env.agents for env in envs]
        obs, mask, rewards, terms, truncs = venv.step(actions)
        for e, env in enumerate(envs):
            if ended[e]:  # next-step autoreset: reset obs, rewards 0, not terminated
                solo[e] = env.reset()[0]
                autoresets += 1
                assert not rewards[e].any() and not terms[e] and not truncs[e]
                continue
            acts = {a: int(actions[e, i]) for i, a in enumerate(agents) if env._core.acts(i)}
            o, r, te, tr, _ = env.step(acts)
            solo[e] = o
            assert [r[a] for a in agents] == rewards[e].tolist()
            assert terms[e] == any(te.values()) and truncs[e] == any(tr.values())
    if scenario == "vderl":
        assert autoresets == 2 * E  # 12 steps = frame (4) + reset + frame (4) + reset + 2


@pytest.mark.parametrize("scenario", ENV_SCENARIOS)
def test_results_do_not_depend_on_threads(scenario):
    runs = []
    for threads in (1, 2, 3):
        venv = semra.vector_env(scenario, num_envs=5, threads=threads, set=SMALL[scenario], copy=True)
        obs, mask = venv.reset(seed=1)
        rng = np.random.default_rng(4)
        trace = [obs]
        for _ in range(10):
            obs, mask, rewards, _, _ = venv.step(random_actions(mask, rng))
            trace += [obs, rewards]
        runs.append(trace)
    for other in runs[1:]:
        for x, y in zip(runs[0], other):
            np.testing.assert_array_equal(x, y)


def test_buffers_are_reused_views_and_copy_mode():
    venv = semra.vector_env("vderl", num_envs=2, set=SMALL["vderl"])
    obs, mask = venv.reset(seed=0)
    obs2, mask2, rewards, terms, truncs = venv.step(np.zeros((2, 3), dtype=np.int64))
    assert obs2 is obs or np.shares_memory(obs2, obs)  # the same preallocated buffer
    assert not obs.flags.writeable
    assert rewards.dtype == np.float32 and terms.dtype == np.bool_ and truncs.dtype == np.bool_
    assert venv.state().shape == (2, semra.parallel_env("vderl", set=SMALL["vderl"]).state_space.shape[0])
    venv_c = semra.vector_env("vderl", num_envs=2, set=SMALL["vderl"], copy=True)
    o1, _ = venv_c.reset(seed=0)
    o2 = venv_c.step(np.zeros((2, 3), dtype=np.int64))[0]
    assert not np.shares_memory(o1, o2) and not np.array_equal(o1, o2)


def test_vector_masked_actions():
    venv = semra.vector_env("vderl", num_envs=2, set=SMALL["vderl"])
    obs, mask = venv.reset(seed=3)
    before = obs.copy()
    actions = np.zeros((2, 3), dtype=np.int64)
    actions[1, 2] = int(np.flatnonzero(mask[1, 2] == 0)[0])
    with pytest.raises(ValueError, match="env 1, agent server_2"):
        venv.step(actions)
    np.testing.assert_array_equal(venv.step(np.zeros((2, 3), dtype=int))[0][0, :, :4], obs[0, :, :4])
    with pytest.raises(ValueError, match="shape"):
        venv.step(np.zeros((3, 3), dtype=np.int64))
    ign = semra.vector_env("vderl", num_envs=2, set=SMALL["vderl"], invalid_action="ignore")
    _, mask = ign.reset(seed=3)
    ign.step(actions)
    assert ign.invalid_action[1, 2] and ign.invalid_action.sum() == 1
    assert before.shape == obs.shape
    for bad in (0, -1):
        with pytest.raises(ValueError, match="num_envs"):
            semra.vector_env("vderl", num_envs=bad)
