"""load_network: a --save-models network in torch.nn.Linear layout; its numpy forward pass picks
the same greedy actions as the C++ network on 100 observations."""
from __future__ import annotations

import numpy as np
import pytest

import semra
from semra import _core
from test_run import QUICK


def numpy_greedy(layers, obs, mask):
    x = obs
    for i, (w, b) in enumerate(layers):
        x = x @ w.T + b
        if i < len(layers) - 1:
            x = np.maximum(x, 0.0)
    q = np.where(mask == 1, x, -np.inf)
    return np.argmax(q, axis=1)


def test_saved_network_matches_cpp_greedy(tmp_path):
    semra.run("vderl", schemes=["vdn"], seeds=1, steps=3, set=QUICK, threads=1,
              out=tmp_path / "run", save_models=True)
    path = tmp_path / "run" / "models" / "vdn-seed1" / "q0.semrann"
    layers = semra.load_network(path)
    env = semra.parallel_env("vderl", set=QUICK)
    D, N = env.observation_space("server_0")["observation"].shape[0], env.action_space("server_0").n
    assert layers[0][0].shape[1] == D and layers[-1][0].shape[0] == N
    for w, b in layers:
        assert w.dtype == np.float32 and b.shape == (w.shape[0],)
    obs_rows, mask_rows = [], []
    obs, _ = env.reset(seed=1)
    rng = np.random.default_rng(0)
    while len(obs_rows) < 100:
        if not env.agents:
            obs, _ = env.reset()
        for a in env.agents:
            obs_rows.append(obs[a]["observation"])
            mask_rows.append(obs[a]["action_mask"])
        acts = {a: int(rng.choice(np.flatnonzero(obs[a]["action_mask"]))) for a in env.agents}
        obs = env.step(acts)[0]
    O, M = np.stack(obs_rows[:100]), np.stack(mask_rows[:100])
    cpp = _core.greedy_actions(str(path), O, M)
    np.testing.assert_array_equal(numpy_greedy(layers, O, M), cpp)
    assert len(set(cpp.tolist())) > 1  # not a constant policy: the comparison means something


def test_bad_network_file(tmp_path):
    bad = tmp_path / "x.semrann"
    bad.write_bytes(b"SEMRANN1" + b"\x00" * 7)
    with pytest.raises(ValueError, match="x.semrann"):
        semra.load_network(bad)
    with pytest.raises(ValueError, match="missing.semrann"):
        semra.load_network(tmp_path / "missing.semrann")
