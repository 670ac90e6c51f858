"""semra.run == `semra run` (summary.json, timing fields aside); load_results."""
from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

import semra

QUICK = {
    "training.frames_per_iteration": 2,
    "training.gradient_steps": 2,
    "training.eval_frames": 2,
    "training.final_eval_frames": 4,
    "training.learning_starts_frames": 2,
    "network.servers": 3,
    "network.users": 12,
    "network.rbs": 4,
    "semantic.images": 16,
}
TIMING = {"wall_seconds", "steps_per_second"}


def strip_timing(x):
    if isinstance(x, dict):
        return {k: strip_timing(v) for k, v in x.items() if k not in TIMING}
    if isinstance(x, list):
        return [strip_timing(v) for v in x]
    return x


def test_run_equals_cli_summary(tmp_path, cli):
    py = semra.run("vderl", schemes=["vdn", "random"], seeds=2, steps=3, set=QUICK, threads=2,
                   out=tmp_path / "py")
    args = [str(cli), "run", "vderl", "--scheme", "vdn,random", "--seeds", "2", "--steps", "3",
            "--threads", "1", "--quiet", "--out", str(tmp_path / "cli")]
    for k, v in QUICK.items():
        args += ["--set", f"{k}={v}"]
    subprocess.run(args, check=True, capture_output=True)
    with open(tmp_path / "cli" / "summary.json") as f:
        ref = json.load(f)
    assert strip_timing(py) == strip_timing(ref)
    assert (tmp_path / "py" / "metrics.csv").read_bytes() == (tmp_path / "cli" / "metrics.csv").read_bytes()
    assert (tmp_path / "py" / "config.toml").read_bytes() == (tmp_path / "cli" / "config.toml").read_bytes()

    res = semra.load_results(tmp_path / "py")
    assert strip_timing(res.summary) == strip_timing(ref)
    m = res.metrics
    assert set(m["scheme"]) == {"vdn", "random"}
    assert m["step"].dtype == np.int64 and m["seed"].dtype == np.int64 and len(m["step"]) == 2 * 2 * 3
    assert m["total_reward"].dtype == np.float64
    assert sorted(set(m["seed"].tolist())) == [1, 2] and sorted(set(m["step"].tolist())) == [0, 1, 2]
    assert "total_reward" in m and np.isfinite(m["total_reward"]).all()
    try:
        import pandas  # noqa: F401
    except ImportError:
        pass
    else:
        assert len(res.to_pandas()) == len(m["step"])


def test_run_bad_input_raises_cli_message(tmp_path):
    with pytest.raises(ValueError, match=r"^steps 0: expected an integer from 1 to 9223372036854775807$"):
        semra.run("vderl", steps=0, out=tmp_path / "a")
    with pytest.raises(ValueError, match=r"^seed 1180591620717411303424: expected an integer from 0"):
        semra.run("vderl", seed=2**70, steps=1, out=tmp_path / "a")  # not a pybind11 TypeError
    with pytest.raises(ValueError, match="unknown scheme 'nope' for scenario 'vderl'"):
        semra.run("vderl", schemes=["nope"], steps=1, set=QUICK, out=tmp_path / "b")
    with pytest.raises(ValueError, match="network.userz"):
        semra.run("vderl", set={"network.userz": 1}, out=tmp_path / "c")
    with pytest.raises(ValueError, match="summary.json"):
        semra.load_results(tmp_path)
