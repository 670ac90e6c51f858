"""channels=array (docs/channels.md): a numpy array replays exactly as the same trace read from a
file (channel.source = "trace"), in any memory order and either float width that holds it exactly;
bad arrays raise ValueError naming `channels`."""
from __future__ import annotations

import numpy as np
import pytest

import semra

DHDRL = {"train.slots": 50}
VDERL = {"network.servers": 3, "network.users": 12, "network.rbs": 4, "semantic.images": 16}


def dhdrl_gains(slots=6, seed=0):
    # 7 cells (network.rings = 1), one UT per cell, 8 codewords; exactly representable in float32
    rng = np.random.default_rng(seed)
    return (rng.integers(1, 2**20, size=(slots, 7, 7, 8)) * 2.0**-40).astype(np.float64)


def vderl_gains(frames=3, seed=1):
    rng = np.random.default_rng(seed)
    return (rng.integers(1, 2**20, size=(frames, 3, 12, 4)) * 2.0**-30).astype(np.float64)


def rollout(env, steps, seed=3):
    obs, _ = env.reset(seed=seed)
    rng = np.random.default_rng(5)
    out = []
    for _ in range(steps):
        acts = {a: int(rng.choice(np.flatnonzero(obs[a]["action_mask"]))) for a in env.agents}
        obs, rewards, terms, truncs, _ = env.step(acts)
        out.append(({a: obs[a]["observation"].copy() for a in obs}, dict(rewards)))
        if any(terms.values()) or any(truncs.values()):
            obs, _ = env.reset()
    return out


def same(a, b):
    assert len(a) == len(b)
    for (oa, ra), (ob, rb) in zip(a, b):
        assert ra == rb
        assert all(np.array_equal(oa[k], ob[k]) for k in oa)


@pytest.mark.parametrize("scenario,gains,small,steps", [
    ("dhdrl", dhdrl_gains, DHDRL, 30),
    ("vderl", vderl_gains, VDERL, 12),
])
def test_array_replays_as_the_same_trace_read_from_a_file(tmp_path, scenario, gains, small, steps):
    g = gains()
    path = tmp_path / "trace.npz"
    np.savez(path, **{("G" if scenario == "dhdrl" else "G_rb"): g})
    from_file = semra.parallel_env(
        scenario, set={**small, "channel.source": "trace", "channel.trace": str(path)})
    reference = rollout(from_file, steps)
    for variant in (g, np.asfortranarray(g), g.astype(np.float32)):
        same(rollout(semra.parallel_env(scenario, set=small, channels=variant), steps), reference)
    # The channels matter: other gains, other rewards.
    other = rollout(semra.parallel_env(scenario, set=small, channels=gains(seed=9)), steps)
    assert [r for _, r in other] != [r for _, r in reference]


def test_vector_env_shares_one_trace_and_equals_parallel_env():
    g = dhdrl_gains()
    venv = semra.vector_env("dhdrl", num_envs=2, threads=1, set=DHDRL, channels=g)
    o, _ = venv.reset(seed=3)
    for e in range(2):  # env e is seeded 3 + e
        solo, _ = semra.parallel_env("dhdrl", set=DHDRL, channels=g).reset(seed=3 + e)
        for i, a in enumerate(venv.possible_agents):
            d = venv.obs_dims[i]
            np.testing.assert_array_equal(o["observation"][e, i, :d], solo[a]["observation"])


def test_complex_h_is_taken_for_dhdrl():
    rng = np.random.default_rng(2)
    h = rng.normal(size=(4, 7, 7, 8)) + 1j * rng.normal(size=(4, 7, 7, 8))
    env = semra.parallel_env("dhdrl", set=DHDRL, channels=h * 1e-5)
    assert len(rollout(env, 5)) == 5


@pytest.mark.parametrize("channels,match", [
    ([[1.0]], "channels: list, expected a numpy array"),
    (np.ones((4, 7, 7, 8), dtype=np.int32), "channels: dtype 'int32', expected float64, float32"),
    (np.ones((4, 7, 6, 8)), r"channels, variable 'G': shape \[4, 7, 6, 8\], expected"),
    (np.ones((7, 7, 8)), r"channels, variable 'G': shape \[7, 7, 8\]"),
    (np.where(np.arange(4 * 7 * 7 * 8).reshape(4, 7, 7, 8) == 9, np.nan, 1.0),
     r"element \[0, 0, 1, 1\] \(0-based\) is NaN"),
    (-np.ones((4, 7, 7, 8)), "negative gain"),
    (np.ones((0, 7, 7, 8)), "holds no slot"),
])
def test_bad_arrays_raise_value_error_naming_channels(channels, match):
    with pytest.raises(ValueError, match=match):
        semra.parallel_env("dhdrl", set=DHDRL, channels=channels)


def test_channels_and_a_trace_file_together_are_refused(tmp_path):
    with pytest.raises(ValueError, match="channels: given together with channel.trace"):
        semra.parallel_env("dhdrl", set={**DHDRL, "channel.trace": str(tmp_path / "x.npz")},
                           channels=dhdrl_gains())
    with pytest.raises(ValueError, match=r"channels, variable 'G_rb': shape \[3, 7, 7, 8\]"):
        semra.vector_env("vderl", set=VDERL, channels=dhdrl_gains(3))
