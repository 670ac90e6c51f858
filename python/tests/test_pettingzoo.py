"""PettingZoo's own tests on both scenarios, when pettingzoo and gymnasium can be imported (neither
is a Debian package; docs/python.md "Tests" says how this was checked): parallel_api_test,
parallel_seed_test with the default invalid_action, api_test through parallel_to_aec, state_test
and render_test; and semra.parallel_env is a pettingzoo.ParallelEnv."""
from __future__ import annotations

import warnings

import pytest

import semra
from conftest import ENV_SCENARIOS, SMALL

pz = pytest.importorskip(
    "pettingzoo.test",
    reason="pettingzoo (and gymnasium) not importable: they are not Debian packages; "
    "pip install pettingzoo, or put their sources on PYTHONPATH (docs/python.md)",
)
import pettingzoo  # noqa: E402
from pettingzoo.utils.conversions import parallel_to_aec  # noqa: E402

# Short dhdrl episodes, so that PettingZoo's tests reach the end of several.
CONFIG = {"vderl": SMALL["vderl"], "dhdrl": {"train.slots": 12, "hierarchy.epoch_slots": 4}}


def make(scenario, **kw):
    return semra.parallel_env(scenario, set=CONFIG[scenario], **kw)


@pytest.mark.parametrize("scenario", ENV_SCENARIOS)
def test_is_a_pettingzoo_parallel_env(scenario):
    env = make(scenario)
    assert isinstance(env, pettingzoo.ParallelEnv)
    assert isinstance(semra.env(scenario, set=CONFIG[scenario]), pettingzoo.AECEnv)


@pytest.mark.parametrize("mask", ["observation", "info"])
@pytest.mark.parametrize("scenario", ENV_SCENARIOS)
def test_parallel_api(scenario, mask):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the test passes reset(options={"options": 1})
        pz.parallel_api_test(make(scenario, action_mask=mask), num_cycles=200)


@pytest.mark.parametrize("mask", ["observation", "info"])
@pytest.mark.parametrize("scenario", ENV_SCENARIOS)
def test_parallel_seed_with_the_default_invalid_action(scenario, mask):
    # The seed test samples actions without their masks: the default invalid_action ("warn")
    # replaces masked ones by the do-nothing action, identically in both environments.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pz.parallel_seed_test(lambda: make(scenario, action_mask=mask), num_cycles=100)


@pytest.mark.parametrize("scenario", ENV_SCENARIOS)
def test_aec_api_through_parallel_to_aec(scenario):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pz.api_test(parallel_to_aec(make(scenario)), num_cycles=100)


@pytest.mark.parametrize("scenario", ENV_SCENARIOS)
def test_state(scenario):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unmasked samples; Box(-inf, inf) state space
        pz.state_test(parallel_to_aec(make(scenario)), make(scenario), num_cycles=20)


@pytest.mark.parametrize("scenario", ENV_SCENARIOS)
def test_render(scenario):
    def env_fn(render_mode=None):
        return parallel_to_aec(make(scenario, render_mode=render_mode))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pz.render_test(env_fn, custom_tests={"ansi": lambda text: text.startswith(scenario)})
