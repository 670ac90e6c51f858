"""Shared fixtures of the Python tests (run by `make test`: PYTHONPATH=build/python)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import semra

# make check runs these tests with the module built under ASan + UBSan and the runtimes preloaded.
SANITIZED = os.environ.get("SEMRA_SANITIZED") == "1"

# Small configurations, so that the whole suite runs in well under a minute.
SMALL = {
    "vderl": {"network.servers": 3, "network.users": 12, "network.rbs": 4, "semantic.images": 16},
    "dhdrl": {"train.slots": 50},
}


def env_scenarios() -> list[str]:
    """Scenarios whose C++ side has a multi-agent environment in this build."""
    out = []
    for s in semra.scenarios():
        try:
            semra.parallel_env(s, set=SMALL.get(s))
        except ValueError as e:
            if "no multi-agent environment" in str(e):
                continue
            raise
        out.append(s)
    return out


ENV_SCENARIOS = env_scenarios()


@pytest.fixture(scope="session")
def cli() -> Path:
    """The CLI built next to the package (build/semra), or $SEMRA_CLI."""
    if "SEMRA_CLI" in os.environ:
        return Path(os.environ["SEMRA_CLI"])
    path = Path(semra.__file__).resolve().parents[2] / "semra"
    if not path.exists():
        pytest.skip(f"the semra CLI is not at {path} (set SEMRA_CLI)")
    return path
