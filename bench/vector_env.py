#!/usr/bin/env python3
"""The vector-env loop from Python (semra.vector_env.step with fixed random action arrays, masked
ones ignored) against the same loop in C++ (semra._core.bench_cpp_loop: bench/vector_env.cpp's
loop on the same VectorEnv), interleaved A/B in one process; medians of --reps repetitions.

    PYTHONPATH=build/python nice /usr/bin/python3 bench/vector_env.py [--seconds 1 --reps 5]

Reports env steps/s for both scenarios at num_envs 1, 64, 256 (threads 1 and 2), the binding's
cost (1 - Python / C++ throughput; target <= 20% at num_envs = 64) and the speed-up of threads=2
over threads=1 at num_envs >= 64 (target >= 1.7x).

--cpu-time: the binding's cost alone, from the process's CPU time per vector step at threads=1
(the Python loop's extra work is CPU time; wall-clock rates on a shared, loaded machine swing by
tens of percent between repetitions, CPU time by a few):

    PYTHONPATH=build/python /usr/bin/python3 bench/vector_env.py --cpu-time --reps 5"""
from __future__ import annotations

import argparse
import statistics
import time

import semra
from semra import _core

K = 16


def measure(fn, seconds: float) -> float:
    """Steps/s of fn(n) (runs n vector steps): calibrated to about `seconds`."""
    n = 1
    while True:
        t0 = time.perf_counter()
        fn(n)
        dt = time.perf_counter() - t0
        if dt > seconds / 4 or n > 1 << 24:
            break
        n *= 4
    n = max(1, int(n * seconds / max(dt, 1e-9)))
    t0 = time.perf_counter()
    fn(n)
    return n / (time.perf_counter() - t0)


def bench_cpu(scenario: str, num_envs: int, reps: int, steps: int = 300):
    """Medians of CPU seconds per vector step, C++ loop and Python loop, interleaved."""
    venv = semra.vector_env(scenario, num_envs=num_envs, threads=1, invalid_action="ignore")
    actions = _core.bench_actions(venv._core, K)
    venv.reset(seed=1)
    rows = [actions[k] for k in range(K)]

    def py_loop(n):
        step = venv.step
        for t in range(n):
            step(rows[t % K])

    py_loop(50)
    _core.bench_cpp_loop(venv._core, actions, 50)
    cpp, py = [], []
    for _ in range(reps):
        t = time.process_time()
        _core.bench_cpp_loop(venv._core, actions, steps)
        cpp.append((time.process_time() - t) / steps)
        t = time.process_time()
        py_loop(steps)
        py.append((time.process_time() - t) / steps)
    return statistics.median(cpp), statistics.median(py)


def bench(scenario: str, num_envs: int, threads: int, seconds: float, reps: int):
    venv = semra.vector_env(scenario, num_envs=num_envs, threads=threads, invalid_action="ignore")
    actions = _core.bench_actions(venv._core, K)
    venv.reset(seed=1)
    rows = [actions[k] for k in range(K)]

    def py_loop(n):
        step = venv.step
        for t in range(n):
            step(rows[t % K])

    def cpp_loop(n):
        _core.bench_cpp_loop(venv._core, actions, n)

    py, cpp = [], []
    for _ in range(reps):  # interleaved A/B
        cpp.append(measure(cpp_loop, seconds) * num_envs)
        py.append(measure(py_loop, seconds) * num_envs)
    return statistics.median(cpp), statistics.median(py)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=1.0)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--scenarios", nargs="+", default=["vderl", "dhdrl"])
    p.add_argument("--envs", type=int, nargs="+", default=[1, 64, 256])
    p.add_argument("--cpu-time", action="store_true", help="the binding's cost from CPU time, threads=1")
    a = p.parse_args()
    if a.cpu_time:
        print(f"semra {semra.__version__}; CPU time per vector step (threads=1), medians of {a.reps} "
              "interleaved reps of 300 steps")
        print(f"{'scenario':8} {'envs':>5} {'C++ loop us':>12} {'Python us':>12} {'binding cost':>12}")
        for scenario in a.scenarios:
            for envs in a.envs:
                cpp, py = bench_cpu(scenario, envs, a.reps)
                print(f"{scenario:8} {envs:5d} {cpp * 1e6:12.1f} {py * 1e6:12.1f} {1 - cpp / py:11.1%}",
                      flush=True)
        return
    print(f"semra {semra.__version__}; env steps/s, medians of {a.reps} interleaved reps of ~{a.seconds} s")
    print(f"{'scenario':8} {'envs':>5} {'thr':>3} {'C++ loop':>12} {'Python':>12} {'binding cost':>12}")
    results = {}
    for scenario in a.scenarios:
        try:
            semra.vector_env(scenario, num_envs=1)
        except ValueError as e:
            print(f"{scenario}: skipped ({e})")
            continue
        for envs in a.envs:
            for threads in ([1, 2] if envs >= 64 else [1]):
                cpp, py = bench(scenario, envs, threads, a.seconds, a.reps)
                results[(scenario, envs, threads)] = (cpp, py)
                print(f"{scenario:8} {envs:5d} {threads:3d} {cpp:12,.0f} {py:12,.0f} {1 - py / cpp:11.1%}",
                      flush=True)
    for (scenario, envs, threads), (cpp, py) in results.items():
        if threads == 2:
            c1, p1 = results[(scenario, envs, 1)]
            print(f"{scenario} num_envs={envs}: threads=2 / threads=1 = {cpp / c1:.2f}x (C++ loop), "
                  f"{py / p1:.2f}x (Python)")


if __name__ == "__main__":
    main()
