"""Networks: load_network in torch.nn.Linear layout, whose numpy forward pass picks the same greedy
actions as the C++ network; Network.forward is that C++ forward pass; save_network is the exact
inverse of load_network (same bytes), and a saved network runs in the CLI (eval.load) exactly like
the one --save-models wrote."""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

import semra
from test_run import QUICK

DHDRL = {"network.rings": 1, "hierarchy.epoch_slots": 5, "learning.batch_size": 8,
         "learning.hidden": [16], "learning.learning_starts_slots": 10}


def numpy_forward(layers, obs):
    x = obs
    for i, (w, b) in enumerate(layers):
        x = x @ w.T + b
        if i < len(layers) - 1:
            x = np.maximum(x, 0.0)
    return x


def test_saved_network_matches_cpp_greedy_and_forward(tmp_path):
    semra.run("vderl", schemes=["vdn"], seeds=1, steps=3, set=QUICK, threads=1,
              out=tmp_path / "run", save_models=True)
    path = tmp_path / "run" / "models" / "vdn-seed1" / "q0.semrann"
    layers = semra.load_network(path)
    net = semra.Network.load(path)
    assert net.hidden == "relu" and net.output == "identity"
    env = semra.parallel_env("vderl", set=QUICK)
    D, N = env.observation_space("server_0")["observation"].shape[0], env.action_space("server_0").n
    assert layers[0][0].shape[1] == D and layers[-1][0].shape[0] == N and net.sizes[0] == D
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
    q_np = numpy_forward(layers, O)
    q_cpp = net.forward(O)
    np.testing.assert_allclose(q_cpp, q_np, rtol=1e-4, atol=1e-5)
    cpp = net.greedy(O, M)
    np.testing.assert_array_equal(np.argmax(np.where(M == 1, q_np, -np.inf), axis=1), cpp)
    assert len(set(cpp.tolist())) > 1  # not a constant policy: the comparison means something
    assert net.greedy(O[0], M[0]) == cpp[0] and net.forward(O[0]).shape == (N,)


def test_save_network_round_trips_exactly_and_runs_in_the_cli(tmp_path, cli):
    sets = [f"{k}={v if not isinstance(v, list) else ','.join(map(str, v))}" for k, v in DHDRL.items()]
    a = tmp_path / "a"
    semra.run("dhdrl", schemes=["dhdrl"], seeds=1, steps=30, set=DHDRL, threads=1, out=a,
              save_models=True)
    saved = sorted((a / "models" / "dhdrl-seed1").glob("*.semrann"))
    assert len(saved) == 14  # high_0..6, low_0..6
    copy = tmp_path / "copy" / "dhdrl-seed1"
    copy.mkdir(parents=True)
    for f in saved:
        layers = semra.load_network(f)
        semra.save_network(layers, copy / f.name)
        assert (copy / f.name).read_bytes() == f.read_bytes()  # the same file, byte for byte
        again = semra.load_network(copy / f.name)
        assert all(np.array_equal(x, y) for (w1, b1), (w2, b2) in zip(layers, again)
                   for x, y in ((w1, w2), (b1, b2)))

    def evaluate(load: Path, out: Path):
        args = [str(cli), "run", "dhdrl", "--scheme", "dhdrl", "--steps", "20", "--threads", "1",
                "--quiet", "--out", str(out), "--set", f"eval.load={load}",
                "--set", "train.enabled=false"]
        for s in sets:
            args += ["--set", s]
        subprocess.run(args, check=True, capture_output=True)
        return (out / "metrics.csv").read_bytes()

    assert evaluate(tmp_path / "copy", tmp_path / "e2") == evaluate(a / "models", tmp_path / "e1")


def test_a_torch_network_runs_in_the_cli(tmp_path, cli):
    torch = pytest.importorskip("torch", reason="PyTorch not importable (apt install python3-torch)")
    env = semra.parallel_env("dhdrl", set=DHDRL)
    d = tmp_path / "torch" / "dhdrl-seed1"
    d.mkdir(parents=True)
    torch.manual_seed(0)
    for agent in env.possible_agents:
        level, i = agent.split("_")[1], agent[2:].split("_")[0]
        D = env.observation_space(agent)["observation"].shape[0]
        N = env.action_space(agent).n
        net = torch.nn.Sequential(torch.nn.Linear(D, 16), torch.nn.ReLU(), torch.nn.Linear(16, N))
        semra.save_network([(m.weight, m.bias) for m in net if isinstance(m, torch.nn.Linear)],
                           d / f"{level}_{i}.semrann")
        x = torch.randn(5, D)
        np.testing.assert_allclose(semra.Network.load(d / f"{level}_{i}.semrann").forward(x.numpy()),
                                   net(x).detach().numpy(), rtol=1e-4, atol=1e-5)
    args = [str(cli), "run", "dhdrl", "--scheme", "dhdrl", "--steps", "10", "--quiet", "--out",
            str(tmp_path / "out"), "--set", f"eval.load={tmp_path / 'torch'}", "--set",
            "train.enabled=false", "--set", "network.rings=1", "--set", "hierarchy.epoch_slots=5",
            "--set", "learning.hidden=16"]
    subprocess.run(args, check=True, capture_output=True)
    assert (tmp_path / "out" / "summary.json").is_file()


def test_bad_network_file(tmp_path):
    bad = tmp_path / "x.semrann"
    bad.write_bytes(b"SEMRANN1" + b"\x00" * 7)
    with pytest.raises(ValueError, match="x.semrann"):
        semra.load_network(bad)
    with pytest.raises(ValueError, match=r"missing.semrann': no such file \(networks are written by"):
        semra.load_network(tmp_path / "missing.semrann")
    # A failed save leaves an existing file as it was and no temporary file behind.
    good = tmp_path / "good.semrann"
    semra.save_network([(np.ones((2, 3), np.float32), np.zeros(2, np.float32))], good)
    before = good.read_bytes()
    with pytest.raises(ValueError, match="non-finite"):
        semra.save_network([(np.full((2, 3), np.inf), np.zeros(2))], good)
    assert good.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.semrann", "x.semrann"]
