"""The examples in examples/python run (the VDN one in a short version, when torch imports)."""
from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "python"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_random_rollout():
    out = load("random_rollout").main(["--episodes", "2", "--num-envs", "8", "--steps", "40"])
    assert len(out["episode_returns"]) == 2
    assert math.isfinite(out["vector_mean_return"])


def test_vdn_torch_short():
    pytest.importorskip("torch", reason="PyTorch not importable (apt install python3-torch)")
    out = load("vdn_torch").main(["--seeds", "1", "--steps", "150", "--eval-frames", "16"])
    assert len(out) == 1 and math.isfinite(out[0]["vdn"]) and math.isfinite(out[0]["random"])


def test_ippo_torch_short():
    pytest.importorskip("torch", reason="PyTorch not importable (apt install python3-torch)")
    out = load("ippo_torch").main(["--seeds", "1", "--updates", "2", "--eval-frames", "8"])
    assert len(out) == 1 and math.isfinite(out[0]["ippo"]) and math.isfinite(out[0]["random (same frames)"])
