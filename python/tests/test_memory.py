"""No memory growth: resident set size after a warm-up and after 10^5 more environment steps
(vector_env: 2,000 calls of 50 environments) differs by less than 2 MB, so a leak of more than ~20
bytes per environment step fails; parallel_env (a dict per agent per step) over 2 x 10^4 steps:
more than ~100 bytes per step fails."""
from __future__ import annotations

import os

import numpy as np
import pytest

import semra
from conftest import SANITIZED, SMALL

pytestmark = pytest.mark.skipif(
    SANITIZED, reason="under AddressSanitizer freed memory is held in its quarantine, so the resident "
    "set grows without a leak (leaks are LeakSanitizer's job in the C++ tests of make check)")

TOLERANCE_BYTES = 2 * 1024 * 1024


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_parallel_env_no_growth():
    env = semra.parallel_env("vderl", set=SMALL["vderl"])
    noop = {a: 0 for a in env.possible_agents}

    def steps(n):
        env.reset(seed=1)
        for _ in range(n):
            if not env.agents:
                env.reset()
            obs, r, te, tr, infos = env.step(noop)
            env.state()

    steps(5_000)
    before = rss_bytes()
    steps(20_000)
    assert rss_bytes() - before < TOLERANCE_BYTES


def test_vector_env_no_growth():
    venv = semra.vector_env("vderl", num_envs=50, threads=1, set=SMALL["vderl"])
    actions = np.zeros((50, 3), dtype=np.int32)
    venv.reset(seed=1)
    for _ in range(200):
        venv.step(actions)
    before = rss_bytes()
    for _ in range(2_000):  # 10^5 environment steps
        venv.step(actions)
    assert rss_bytes() - before < TOLERANCE_BYTES
