"""What the bindings check (docs/python.md "What the bindings check"), beyond the one-line cases of
bad_inputs.txt: one caller at a time, threads and memory limits, a thread that cannot start, and
close() that really closes."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import semra
from conftest import SANITIZED, SMALL


def thread_count() -> int:
    with open("/proc/self/status") as f:
        return int(next(ln for ln in f if ln.startswith("Threads:")).split()[1])


def test_a_second_caller_is_refused_while_one_is_inside():
    venv = semra.vector_env("vderl", num_envs=2, set=SMALL["vderl"])
    venv.reset(seed=1)
    errors = []
    with venv._guard:  # as if another thread were inside step()
        t = threading.Thread(target=lambda: errors.append(pytest.raises(RuntimeError, venv.step,
                                                                          np.zeros((2, 3), dtype=np.int64))))
        t.start()
        t.join(10)
    assert not t.is_alive() and "another thread is inside this environment" in str(errors[0].value)
    venv.step(np.zeros((2, 3), dtype=np.int64))  # the environment is unharmed


def test_threads_hammering_one_vector_env_get_errors_not_crashes():
    # Several Python threads stepping one vector env (the GIL is released while C++ steps): each
    # call either goes through or raises RuntimeError; no crash, no deadlock, and the environment
    # steps on afterwards. (The refusal itself is checked deterministically above and in C++.)
    venv = semra.vector_env("dhdrl", num_envs=16, threads=1, set=SMALL["dhdrl"])
    venv.reset(seed=1)
    a = np.zeros((16, 14), dtype=np.int64)
    other = []

    def loop():
        for _ in range(100):
            try:
                venv.step(a)
            except RuntimeError as e:
                assert "another thread" in str(e)
            except Exception as e:  # noqa: BLE001
                other.append(e)

    ts = [threading.Thread(target=loop) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    assert not any(t.is_alive() for t in ts) and not other
    venv.step(a)


def test_threads_above_the_cpus_are_refused_and_zero_means_all():
    cpus = semra._core.available_cpus()
    with pytest.raises(ValueError, match=rf"^threads {cpus + 1}: expected an integer from 0 to {cpus}$"):
        semra.vector_env("vderl", num_envs=4, threads=cpus + 1, set=SMALL["vderl"])
    assert semra.vector_env("vderl", num_envs=64, threads=0, set=SMALL["vderl"]).threads == cpus


def test_memory_is_estimated_before_anything_is_built(monkeypatch):
    monkeypatch.setenv("SEMRA_MEMORY_AVAILABLE_MB", "50")
    with pytest.raises(ValueError, match=r"^num_envs 100000: the environments need about .* kB each, "
                                         r"measured on one\) and 52 MB is available: lower num_envs"):
        semra.vector_env("vderl", num_envs=100_000, set=SMALL["vderl"])
    semra.vector_env("vderl", num_envs=10, set=SMALL["vderl"])  # small ones still fit


def test_close_stops_the_threads_and_frees_the_environments():
    cpus = semra._core.available_cpus()
    if cpus < 2:
        pytest.skip("one CPU: a vector env starts no thread of its own")
    before = thread_count()
    venv = semra.vector_env("vderl", num_envs=4, threads=2, set=SMALL["vderl"])
    obs, _ = venv.reset(seed=1)
    assert thread_count() == before + 1  # the caller is worker 0
    seen = obs["observation"].copy()
    venv.close()
    assert thread_count() == before and venv.closed
    np.testing.assert_array_equal(obs["observation"], seen)  # the arrays stay valid
    with pytest.raises(RuntimeError, match="closed"):
        venv.step(np.zeros((4, 3), dtype=np.int64))
    with semra.vector_env("vderl", num_envs=2, threads=2, set=SMALL["vderl"]) as v:
        v.reset(seed=1)
    assert v.closed and thread_count() == before


def test_a_thread_that_cannot_start_is_a_value_error_not_a_hang():
    # Under an address-space limit just above what the process uses, the worker's stack cannot be
    # mapped: the constructor stops the threads it started and raises.
    if semra._core.available_cpus() < 2:
        pytest.skip("one CPU: no worker thread to start")
    if SANITIZED:
        pytest.skip("AddressSanitizer reserves terabytes of address space for its shadow memory: an "
                    "address-space limit just above the process's use is not one it can run under")
    code = textwrap.dedent(
        """
        import resource, semra
        semra.vector_env("vderl", num_envs=2, threads=1, set={small})  # load everything first
        with open("/proc/self/statm") as f:
            used = int(f.read().split()[0]) * resource.getpagesize()
        resource.setrlimit(resource.RLIMIT_AS, (used + (4 << 20), resource.RLIM_INFINITY))
        try:
            semra.vector_env("vderl", num_envs=2, threads=2, set={small})
        except ValueError as e:
            print("ValueError:", e)
        except MemoryError as e:
            print("MemoryError:", e)
        else:
            print("constructed")
        """
    ).format(small=repr(SMALL["vderl"]))
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, SEMRA_MEMORY_AVAILABLE_MB="100000"))
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("ValueError: could not start thread 2 of 2"), p.stdout + p.stderr
