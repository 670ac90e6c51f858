"""semra.vector_env: env e == parallel_env reset with seed + e (autoreset included), padding,
masks, thread-count independence, buffers without per-step allocation, Gymnasium's VectorEnv
conventions."""
from __future__ import annotations

import warnings

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
    o, _ = venv.reset(seed=seed)
    obs, mask = o["observation"], o["action_mask"]
    solo = [env.reset(seed=seed + e)[0] for e, env in enumerate(envs)]
    assert obs.dtype == np.float32 and mask.dtype == np.int8
    E_, A, D = obs.shape
    assert (E_, A) == (E, len(agents)) and mask.shape[:2] == (E, A)
    assert D == max(venv.obs_dims) and mask.shape[2] == max(venv.action_dims)
    rng = np.random.default_rng(0)
    autoresets = 0
    for t in range(steps):
        for e in range(E):
            for i, a in enumerate(agents):
                d, n = venv.obs_dims[i], venv.action_dims[i]
                np.testing.assert_array_equal(obs[e, i, :d], solo[e][a]["observation"])
                np.testing.assert_array_equal(mask[e, i, :n], solo[e][a]["action_mask"])
                assert not obs[e, i, d:].any() and not mask[e, i, n:].any()  # padding
        actions = random_actions(mask, rng)
        ended = [not env.agents for env in envs]
        o, rewards, terms, truncs, infos = venv.step(actions)
        obs, mask = o["observation"], o["action_mask"]
        assert terms.shape == truncs.shape == rewards.shape == (E, A)
        for e, env in enumerate(envs):
            if ended[e]:  # next-step autoreset: reset obs, rewards 0, not terminated
                solo[e] = env.reset()[0]
                autoresets += 1
                assert not rewards[e].any() and not terms[e].any() and not truncs[e].any()
                continue
            acts = {a: int(actions[e, i]) for a_i, a in enumerate(agents)
                    for i in [a_i] if a in env.acting_agents}
            ob, r, te, tr, inf = env.step(acts)
            solo[e] = ob
            assert [r[a] for a in agents] == rewards[e].tolist()
            assert (terms[e] == [te[a] for a in agents]).all()
            assert (truncs[e] == [tr[a] for a in agents]).all()
            for i, a in enumerate(agents):
                for k in ("acts", "rewarded", "invalid_action"):
                    assert infos[k][e, i] == inf[a][k]
                for k in venv.info_names:
                    assert infos[k][e] == inf[a][k] or (np.isnan(infos[k][e]) and np.isnan(inf[a][k]))
    if scenario == "vderl":
        assert autoresets == 2 * E  # 12 steps = frame (4) + reset + frame (4) + reset + 2


@pytest.mark.parametrize("scenario", ENV_SCENARIOS)
def test_results_do_not_depend_on_threads(scenario):
    runs = []
    # Up to the CPUs this process may use (more are refused); 1 and 2 differ in the partition.
    for threads in range(1, min(3, semra._core.available_cpus()) + 1):
        venv = semra.vector_env(scenario, num_envs=5, threads=threads, set=SMALL[scenario], copy=True)
        obs, _ = venv.reset(seed=1)
        rng = np.random.default_rng(4)
        trace = [obs["observation"]]
        for _ in range(10):
            obs, rewards, _, _, _ = venv.step(random_actions(obs["action_mask"], rng))
            trace += [obs["observation"], rewards]
        runs.append(trace)
    for other in runs[1:]:
        for x, y in zip(runs[0], other):
            np.testing.assert_array_equal(x, y)


def test_buffers_are_reused_views_and_copy_mode():
    venv = semra.vector_env("vderl", num_envs=2, set=SMALL["vderl"])
    obs, _ = venv.reset(seed=0)
    obs2, rewards, terms, truncs, infos = venv.step(np.zeros((2, 3), dtype=np.int64))
    # The same preallocated buffers, writable (torch.from_numpy takes them without a warning).
    assert np.shares_memory(obs2["observation"], obs["observation"])
    assert obs2["observation"].flags.writeable and rewards.flags.writeable
    assert rewards.dtype == np.float32 and terms.dtype == np.bool_ and truncs.dtype == np.bool_
    assert venv.state().shape == (2, semra.parallel_env("vderl", set=SMALL["vderl"]).state_space.shape[0])
    # What a caller writes into the mask buffer does not change which actions are allowed.
    mask = obs2["action_mask"]
    masked = np.argwhere(mask[0, 0] == 0)[0][0]
    mask[0, 0, :] = 1
    ign = venv.invalid_action
    with pytest.warns(UserWarning, match="masked action"):
        venv.step(np.array([[masked, 0, 0], [0, 0, 0]]))
    venv_c = semra.vector_env("vderl", num_envs=2, set=SMALL["vderl"], copy=True)
    o1, _ = venv_c.reset(seed=0)
    o2 = venv_c.step(np.zeros((2, 3), dtype=np.int64))[0]
    assert not np.shares_memory(o1["observation"], o2["observation"])
    assert not np.array_equal(o1["observation"], o2["observation"])
    assert ign == "warn"


def test_vector_masked_and_out_of_range_actions():
    venv = semra.vector_env("vderl", num_envs=2, set=SMALL["vderl"], invalid_action="raise")
    obs, _ = venv.reset(seed=3)
    mask = obs["action_mask"]
    before = obs["observation"].copy()
    actions = np.zeros((2, 3), dtype=np.int64)
    actions[1, 2] = int(np.flatnonzero(mask[1, 2] == 0)[0])
    with pytest.raises(ValueError, match=rf"^step: env 1, agent server_2: action {actions[1, 2]} is masked"):
        venv.step(actions)
    np.testing.assert_array_equal(obs["observation"], before)  # a rejected call changes nothing
    after = venv.step(np.zeros((2, 3), dtype=int))[0]["observation"]
    assert not np.array_equal(after, before)
    with pytest.raises(ValueError, match="shape"):
        venv.step(np.zeros((3, 3), dtype=np.int64))
    N = venv.action_dims[0]
    for bad, message in [
        (2**32, r"action 4294967296 is out of range \[0, %d\)" % N),  # not narrowed to 0
        (N, r"action %d is out of range" % N),
        (-1, r"action -1 is out of range"),
    ]:
        a = np.zeros((2, 3), dtype=np.int64)
        a[0, 1] = bad
        with pytest.raises(ValueError, match=r"env 0, agent server_1: " + message):
            venv.step(a)
    for bad, message in [
        (np.zeros((2, 3)), "must be integers, got dtype float64"),
        (np.zeros((2, 3), dtype=bool), "must be integers, got dtype bool"),
        (np.full((2, 3), "0"), "must be integers"),
        (np.array([[2**70, 0, 0], [0, 0, 0]], dtype=object), r"actions\[0, 0\] = 1180591620717411303424 is out of range"),
        (np.array([[2**64 - 1, 0, 0], [0, 0, 0]], dtype=np.uint64), "out of range"),
    ]:
        with pytest.raises(ValueError, match=message):
            venv.step(bad)
    venv.step(np.zeros((2, 3), dtype=np.uint8))  # any integer dtype whose values fit
    ign = semra.vector_env("vderl", num_envs=2, set=SMALL["vderl"], invalid_action="ignore")
    ign.reset(seed=3)
    _, _, _, _, infos = ign.step(actions)
    assert infos["invalid_action"][1, 2] and infos["invalid_action"].sum() == 1
    for bad in (0, -1, 2**31, 1.5, True):
        with pytest.raises(ValueError, match="num_envs"):
            semra.vector_env("vderl", num_envs=bad)


def test_torch_takes_the_buffers_without_a_warning():
    torch = pytest.importorskip("torch", reason="PyTorch not importable (apt install python3-torch)")
    venv = semra.vector_env("vderl", num_envs=2, set=SMALL["vderl"])
    obs, _ = venv.reset(seed=1)
    out = venv.step(np.zeros((2, 3), dtype=np.int64))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "The given NumPy array is not writable" would raise
        tensors = [torch.from_numpy(x) for x in (out[0]["observation"], out[0]["action_mask"], *out[1:4])]
    assert tensors[0].shape == (2, 3, venv.obs_dim) and tensors[3].shape == (2, 3)
