#!/usr/bin/env python3
"""A short PyTorch VDN (Sunehag et al. 2018) on semra.vector_env("vderl"): one Q network shared by
the servers (with a one-hot server id), Q_tot = sum_v Q_v, trained on the team reward; acting is
epsilon-greedy over the action mask. Compares the greedy policy with a random one on the same
held-out frames.

Needs PyTorch: on Debian `apt install python3-torch` (or `pip install torch` in a venv). Run after
`make test`:

    PYTHONPATH=build/python /usr/bin/python3 examples/python/vdn_torch.py --seeds 1 2 3
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch import nn

import semra

# A smaller network than Table II's (V = 3, U = 15, Q = 6) so that the example trains quickly.
CONFIG = {"network.servers": 3, "network.users": 15, "network.rbs": 6,
          "network.max_users_per_server": 15}


def masked_random(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.argmax(np.where(mask == 1, rng.random(mask.shape), -1.0), axis=-1)


class QNet(nn.Module):
    def __init__(self, obs_dim: int, agents: int, actions: int, hidden: int = 64):
        super().__init__()
        self.agents = agents
        self.net = nn.Sequential(nn.Linear(obs_dim + agents, hidden), nn.ReLU(),
                                 nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, actions))

    def forward(self, obs: torch.Tensor) -> torch.Tensor:  # obs [B, A, D] -> Q [B, A, N]
        ids = torch.eye(self.agents).expand(obs.shape[0], -1, -1)
        return self.net(torch.cat([obs, ids], dim=-1))


def masked_max(q: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return q.masked_fill(mask == 0, -1e9).max(dim=-1)


def evaluate(policy, frames: int, seed: int, num_envs: int = 32) -> float:
    """Mean team return per frame (eq. 12 summed over servers) on held-out frames (seed offset)."""
    threads = min(2, semra._core.available_cpus())
    venv = semra.vector_env("vderl", num_envs=num_envs, threads=threads, set=CONFIG, copy=True)
    obs, _ = venv.reset(seed=seed)
    returns, running = [], np.zeros(num_envs)
    ended = np.zeros(num_envs, dtype=bool)
    while len(returns) < frames:
        obs, rewards, terms, truncs, _ = venv.step(policy(obs["observation"], obs["action_mask"]))
        running += np.where(ended, 0.0, rewards.sum(axis=1))
        ended = terms[:, 0] | truncs[:, 0]
        returns += running[ended].tolist()
        running[ended] = 0.0
    return float(np.mean(returns[:frames]))


def train(seed: int, steps: int, num_envs: int = 16, batch: int = 64, log=print):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    venv = semra.vector_env("vderl", num_envs=num_envs, threads=1, set=CONFIG, copy=True)
    E, A = venv.num_envs, len(venv.possible_agents)
    D, N = venv.obs_dim, venv.num_actions
    q, target = QNet(D, A, N), QNet(D, A, N)
    target.load_state_dict(q.state_dict())
    opt = torch.optim.Adam(q.parameters(), lr=5e-4)
    cap = 50_000
    buf = {"o": np.zeros((cap, A, D), np.float32), "m": np.zeros((cap, A, N), np.int8),
           "a": np.zeros((cap, A), np.int64), "r": np.zeros(cap, np.float32),
           "o2": np.zeros((cap, A, D), np.float32), "m2": np.zeros((cap, A, N), np.int8),
           "d": np.zeros(cap, np.float32)}
    size = ptr = 0
    o, _ = venv.reset(seed=seed * 1000)
    obs, mask = o["observation"], o["action_mask"]
    ended = np.zeros(E, dtype=bool)
    for t in range(steps):
        eps = max(0.05, 1.0 - t / (0.6 * steps))
        with torch.no_grad():
            qv = q(torch.from_numpy(obs))
            greedy = masked_max(qv, torch.from_numpy(mask)).indices.numpy()
        explore = rng.random((E, A)) < eps
        actions = np.where(explore, masked_random(mask, rng), greedy)
        o2, rewards, terms, truncs, _ = venv.step(actions)
        obs2, mask2 = o2["observation"], o2["action_mask"]
        for e in np.flatnonzero(~ended):  # autoreset steps are not transitions
            buf["o"][ptr], buf["m"][ptr], buf["a"][ptr] = obs[e], mask[e], actions[e]
            buf["r"][ptr], buf["o2"][ptr], buf["m2"][ptr] = rewards[e].sum(), obs2[e], mask2[e]
            buf["d"][ptr] = float(terms[e, 0] or truncs[e, 0])
            ptr, size = (ptr + 1) % cap, min(size + 1, cap)
        ended = terms[:, 0] | truncs[:, 0]
        obs, mask = obs2, mask2
        if size >= 500:
            idx = rng.integers(size, size=batch)
            o, m2 = torch.from_numpy(buf["o"][idx]), torch.from_numpy(buf["m2"][idx])
            a = torch.from_numpy(buf["a"][idx])
            q_tot = q(o).gather(-1, a.unsqueeze(-1)).squeeze(-1).sum(-1)  # VDN: sum over servers
            with torch.no_grad():
                nxt = masked_max(target(torch.from_numpy(buf["o2"][idx])), m2).values.sum(-1)
                y = torch.from_numpy(buf["r"][idx]) + 0.99 * (1 - torch.from_numpy(buf["d"][idx])) * nxt
            loss = nn.functional.smooth_l1_loss(q_tot, y)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(q.parameters(), 10.0)
            opt.step()
            if t % 200 == 0:
                target.load_state_dict(q.state_dict())
        if log and t % 1000 == 0:
            log(f"  seed {seed} step {t}: epsilon {eps:.2f}, replay {size}")

    def greedy_policy(o, m):
        with torch.no_grad():
            return masked_max(q(torch.from_numpy(o)), torch.from_numpy(m)).indices.numpy()

    return greedy_policy


def main(argv=None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    p.add_argument("--steps", type=int, default=1500, help="vector-env steps of training")
    p.add_argument("--eval-frames", type=int, default=256)
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    out = []
    for seed in a.seeds:
        t0 = time.perf_counter()
        policy = train(seed, a.steps)
        rng = np.random.default_rng(seed)
        eval_seed = 10_000 + seed  # frames never seen in training
        learned = evaluate(policy, a.eval_frames, eval_seed)
        random = evaluate(lambda o, m: masked_random(m, rng), a.eval_frames, eval_seed)
        out.append({"seed": seed, "vdn": learned, "random": random})
        print(f"seed {seed}: VDN {learned:.3f} vs random {random:.3f} team return per frame "
              f"({time.perf_counter() - t0:.0f} s)")
    margin = np.mean([r["vdn"] - r["random"] for r in out])
    print(f"mean over {len(out)} seeds: VDN - random = {margin:.3f}")
    return out


if __name__ == "__main__":
    main()
