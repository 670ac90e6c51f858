#!/usr/bin/env python3
"""A random (masked) policy on both semra interfaces: a few episodes of parallel_env (PettingZoo's
ParallelEnv API) and a batched rollout of vector_env. Run after `make test`:

    PYTHONPATH=build/python /usr/bin/python3 examples/python/random_rollout.py [--scenario vderl]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import semra


def masked_random(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One random allowed action per row of a [..., N] 0/1 mask (Gumbel-max over the allowed)."""
    noise = rng.random(mask.shape)
    return np.argmax(np.where(mask == 1, noise, -1.0), axis=-1)


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenario", default="vderl", choices=semra.scenarios())
    p.add_argument("--episodes", type=int, default=5)
    p.add_argument("--num-envs", type=int, default=64)
    p.add_argument("--steps", type=int, default=200, help="vector-env steps")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args(argv)
    rng = np.random.default_rng(a.seed)

    env = semra.parallel_env(a.scenario)
    print(f"{a.scenario}: agents {env.possible_agents}")
    returns = []
    obs, infos = env.reset(seed=a.seed)
    for _ in range(a.episodes):
        total, steps = 0.0, 0
        while env.agents:
            actions = {ag: int(masked_random(obs[ag]["action_mask"], rng)) for ag in env.agents}
            obs, rewards, terms, truncs, infos = env.step(actions)
            total += sum(rewards.values())
            steps += 1
        returns.append(total)
        print(f"  episode: {steps} steps, team return {total:.3f}")
        obs, infos = env.reset()
    env.close()

    threads = min(a.threads, semra._core.available_cpus())
    venv = semra.vector_env(a.scenario, num_envs=a.num_envs, threads=threads)
    obs, infos = venv.reset(seed=a.seed)
    ended = np.zeros(a.num_envs, dtype=bool)
    t0 = time.perf_counter()
    episode_returns, running = [], np.zeros(a.num_envs)
    for _ in range(a.steps):
        obs, rewards, terms, truncs, infos = venv.step(masked_random(obs["action_mask"], rng))
        running += np.where(ended, 0.0, rewards.sum(axis=1))  # autoreset steps carry no reward
        ended = terms[:, 0] | truncs[:, 0]  # the same for every agent of an environment
        episode_returns += running[ended].tolist()
        running[ended] = 0.0
    dt = time.perf_counter() - t0
    rate = a.steps * a.num_envs / dt
    print(f"vector_env: {a.num_envs} envs x {a.steps} steps in {dt:.2f} s ({rate:,.0f} env steps/s, "
          f"random policy included); {len(episode_returns)} episodes, mean team return "
          f"{np.mean(episode_returns):.3f}")
    return {"episode_returns": returns, "vector_mean_return": float(np.mean(episode_returns))}


if __name__ == "__main__":
    main()
