"""PettingZoo's own API and seed tests, when pettingzoo and gymnasium can be imported (neither is
a Debian package: see docs/python.md for how this was checked)."""
from __future__ import annotations

import pytest

import semra
from conftest import ENV_SCENARIOS, SMALL

pz = pytest.importorskip(
    "pettingzoo.test", reason="pettingzoo (and gymnasium) not importable: pip install pettingzoo"
)


@pytest.mark.parametrize("scenario", ENV_SCENARIOS)
def test_pettingzoo_parallel_api(scenario):
    pz.parallel_api_test(semra.parallel_env(scenario, set=SMALL[scenario]), num_cycles=200)


@pytest.mark.parametrize("scenario", ENV_SCENARIOS)
def test_pettingzoo_seed(scenario):
    pz.parallel_seed_test(
        lambda: semra.parallel_env(scenario, set=SMALL[scenario], invalid_action="ignore"),
        num_cycles=100,
    )
