#!/usr/bin/env python3
"""Independent PPO (de Witt et al. 2020; Schulman et al. 2017) on semra.vector_env("vderl"), written
for semra: every server runs the same actor-critic (parameters shared, a one-hot server id appended
to its observation), acts on its own observation, and is trained on its own reward (its term of eq.
(12), the per-RB rewards of docs/model-vderl.md 2.3; --reward team: the servers' sum). The action
mask is applied to the logits, advantages are GAE(lambda), and semra's next-step autoreset is
handled: the step after a frame ends resets that environment, and is not a transition.

Scored by semra.evaluate, the loop, metrics and statistics of `semra run`: the greedy policy (masked
argmax of the logits) trained for seed s acts in semra's experiment of seed s (its world s, its
final evaluation frames, which no training step saw); `--compare` puts the built-in schemes,
trained as `semra run` trains them, in the same run directory and summary.json.

Needs PyTorch: on Debian `apt install python3-torch` (or `pip install torch` in a venv). Run after
`make test`:

    PYTHONPATH=build/python /usr/bin/python3 examples/python/ippo_torch.py --seeds 3 --compare
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

import semra

# The configuration of vdn_torch.py (V = 3, U = 15, Q = 6), so that the example trains in minutes.
CONFIG = {"network.servers": 3, "network.users": 15, "network.rbs": 6,
          "network.max_users_per_server": 15}


class ActorCritic(nn.Module):
    """pi(a | o_v, v) and V(o_v, v), one network for every server v."""

    def __init__(self, obs_dim: int, agents: int, actions: int, hidden: int = 128):
        super().__init__()
        self.agents = agents
        self.body = nn.Sequential(nn.Linear(obs_dim + agents, hidden), nn.Tanh(),
                                  nn.Linear(hidden, hidden), nn.Tanh())
        self.pi = nn.Linear(hidden, actions)
        self.v = nn.Linear(hidden, 1)
        nn.init.orthogonal_(self.pi.weight, 0.01)
        nn.init.zeros_(self.pi.bias)

    def forward(self, obs: torch.Tensor, mask: torch.Tensor):
        """obs [B, A, D], mask [B, A, N] -> masked logits [B, A, N], values [B, A]."""
        ids = torch.eye(self.agents).expand(obs.shape[0], -1, -1)
        h = self.body(torch.cat([obs, ids], dim=-1))
        logits = self.pi(h).masked_fill(mask == 0, -1e9)  # masked actions get probability 0
        return logits, self.v(h).squeeze(-1)


def gae(rewards, values, next_values, ends, terms, valid, gamma: float, lam: float):
    """Advantages by GAE(lambda) over a rollout [T, E]: delta_t = r_t + gamma V(s_{t+1}) (1 -
    term_t) - V(s_t), summed back with gamma lambda within an episode (ends cut it). Steps that are
    not transitions (autoreset) get 0 and are excluded by `valid`."""
    T = rewards.shape[0]
    adv = torch.zeros_like(rewards)
    running = torch.zeros_like(rewards[0])
    for t in reversed(range(T)):
        delta = rewards[t] + gamma * next_values[t] * (1.0 - terms[t]) - values[t]
        running = delta + gamma * lam * (1.0 - ends[t]) * running
        running = running * valid[t]
        adv[t] = running
    return adv


def train(seed: int, updates: int, num_envs: int = 32, horizon: int = 28, epochs: int = 4,
          minibatches: int = 4, lr: float = 5e-4, gamma: float = 0.99, lam: float = 0.95,
          clip: float = 0.2, ent_coef: float = 0.01, vf_coef: float = 0.5, reward: str = "own",
          log=print):
    """Trains on num_envs environments, env e in the world of seed + e (env 0: the world the
    evaluation uses, as a built-in scheme's run of seed s trains and evaluates in world s)."""
    torch.manual_seed(seed)
    venv = semra.vector_env("vderl", num_envs=num_envs, threads=1, set=CONFIG, copy=True)
    E, A = venv.num_envs, len(venv.possible_agents)
    D, N = venv.obs_dim, venv.num_actions
    net = ActorCritic(D, A, N)
    opt = torch.optim.Adam(net.parameters(), lr=lr, eps=1e-5)
    obs, _ = venv.reset(seed=seed)
    o, m = torch.from_numpy(obs["observation"]), torch.from_numpy(obs["action_mask"])
    ended = torch.zeros(E)  # the previous step ended the episode: this step is an autoreset
    frames = np.zeros(E, dtype=np.int64)  # frames started per environment (for held-out frames)
    frames[:] = 1
    for u in range(updates):
        buf = {k: [] for k in ("o", "m", "a", "logp", "v", "r", "v2", "term", "end", "valid")}
        team_return = 0.0
        for _ in range(horizon):
            with torch.no_grad():
                logits, value = net(o, m)
                dist = torch.distributions.Categorical(logits=logits)
                action = dist.sample()
            nxt, rewards, terms, truncs, _ = venv.step(action.numpy())
            o2, m2 = torch.from_numpy(nxt["observation"]), torch.from_numpy(nxt["action_mask"])
            with torch.no_grad():
                _, value2 = net(o2, m2)  # V(s_{t+1}): the final observation when the frame ended
            r = torch.from_numpy(rewards)
            team_return += float(r.sum())
            team = r.sum(dim=1, keepdim=True).expand(E, A) if reward == "team" else r
            term = torch.from_numpy(terms[:, 0].astype(np.float32))
            end = torch.from_numpy((terms[:, 0] | truncs[:, 0]).astype(np.float32))
            for k, x in (("o", o), ("m", m), ("a", action), ("logp", dist.log_prob(action)),
                         ("v", value), ("r", team), ("v2", value2), ("term", term[:, None].expand(E, A)),
                         ("end", end[:, None].expand(E, A)), ("valid", (1.0 - ended)[:, None].expand(E, A))):
                buf[k].append(x)
            frames += (ended.numpy() > 0)
            ended = end
            o, m = o2, m2
        b = {k: torch.stack(v) for k, v in buf.items()}  # [T, E, A, ...]
        adv = gae(b["r"], b["v"], b["v2"], b["end"], b["term"], b["valid"], gamma, lam)
        ret = adv + b["v"]
        # Flatten (T, E) into samples; every server of a sample is updated together.
        flat = {k: v.reshape(horizon * E, *v.shape[2:]) for k, v in b.items()}
        f_adv, f_ret = adv.reshape(horizon * E, A), ret.reshape(horizon * E, A)
        keep = flat["valid"][:, 0] > 0
        idx_all = torch.nonzero(keep).squeeze(1)
        a_valid = f_adv[idx_all]
        f_adv[idx_all] = (a_valid - a_valid.mean()) / (a_valid.std() + 1e-8)
        for _ in range(epochs):
            perm = idx_all[torch.randperm(idx_all.numel())]
            for mb in perm.chunk(minibatches):
                logits, value = net(flat["o"][mb], flat["m"][mb])
                dist = torch.distributions.Categorical(logits=logits)
                logp = dist.log_prob(flat["a"][mb])
                ratio = torch.exp(logp - flat["logp"][mb])
                a_mb = f_adv[mb]
                pg = -torch.min(ratio * a_mb, torch.clamp(ratio, 1 - clip, 1 + clip) * a_mb).mean()
                vf = 0.5 * ((value - f_ret[mb]) ** 2).mean()
                loss = pg + vf_coef * vf - ent_coef * dist.entropy().mean()
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(net.parameters(), 0.5)
                opt.step()
        if log and (u + 1) % max(1, updates // 5) == 0:
            done = float((b["end"][:, :, 0] * b["valid"][:, :, 0]).sum())
            log(f"  seed {seed} update {u + 1}/{updates}: team return per frame while training "
                f"{team_return / max(done, 1.0):.3f}")
    return net, int(frames[0])


class TrainedPolicies:
    """The policy semra.evaluate scores: in the experiment of seed s (semra.evaluate calls seed(s)
    first) the network trained for seed s acts greedily (masked argmax of the logits)."""

    def __init__(self, nets: dict, agents: list[str], sample: bool = False):
        self.nets, self.agents, self.sample = nets, agents, sample
        self.net = None

    def seed(self, s: int) -> None:
        self.net = self.nets[s]
        torch.manual_seed(s)  # --sample: the draws of seed s

    def __call__(self, observations: dict) -> dict:
        o = torch.from_numpy(np.stack([observations[a]["observation"] for a in self.agents]))[None]
        m = torch.from_numpy(np.stack([observations[a]["action_mask"] for a in self.agents]))[None]
        with torch.no_grad():
            logits, _ = self.net(o, m)
        if self.sample:
            chosen = torch.distributions.Categorical(logits=logits[0]).sample()
        else:
            chosen = logits[0].argmax(dim=-1)
        return {a: int(x) for a, x in zip(self.agents, chosen)}


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=1, help="first seed")
    p.add_argument("--seeds", type=int, default=3, help="seeds seed, seed + 1, ...")
    p.add_argument("--updates", type=int, default=400, help="PPO updates (32 envs x 28 steps each)")
    p.add_argument("--eval-frames", type=int, default=256, help="training.final_eval_frames")
    p.add_argument("--reward", choices=["team", "own"], default="own",
                   help="train each server on the team reward or on its own (its eq. (12) term)")
    p.add_argument("--sample", action="store_true", help="evaluate the stochastic policy, not the greedy one")
    p.add_argument("--compare", action="store_true",
                   help="run the built-in schemes (trained as semra run trains them) in the same evaluation")
    p.add_argument("--schemes", nargs="+", default=["vderl", "vdn", "idqn", "qmix", "random"])
    p.add_argument("--out", default="results/ippo")
    p.add_argument("--nets", default=None,
                   help="directory of trained networks: seed s's is read from DIR/ippo-seed<s>.pt when "
                        "there, else trained and written there (train seeds in parallel processes)")
    p.add_argument("--train-only", action="store_true", help="train (and write to --nets), do not evaluate")
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    seeds = list(range(a.seed, a.seed + a.seeds))
    nets = {}
    agents = semra.parallel_env("vderl", set=CONFIG).possible_agents
    for seed in seeds:
        path = Path(a.nets) / f"ippo-seed{seed}.pt" if a.nets else None
        if path is not None and path.exists():
            venv = semra.vector_env("vderl", num_envs=1, set=CONFIG)
            nets[seed] = ActorCritic(venv.obs_dim, len(agents), venv.num_actions)
            nets[seed].load_state_dict(torch.load(path))
            print(f"seed {seed}: network read from {path}")
            continue
        t0 = time.perf_counter()
        nets[seed], _ = train(seed, a.updates, reward=a.reward)
        print(f"seed {seed}: trained in {time.perf_counter() - t0:.0f} s")
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            torch.save(nets[seed].state_dict(), path)
    if a.train_only:
        return {}
    # semra's own evaluation: the loop, metrics, statistics and outputs of `semra run`. Without
    # --compare one iteration suffices (the policy does not change); with it, the built-in schemes
    # train for their default iterations and the policy is evaluated at each of them too.
    t0 = time.perf_counter()
    summary = semra.evaluate(TrainedPolicies(nets, agents, a.sample), "vderl", seeds=a.seeds,
                             seed=a.seed, episodes=a.eval_frames, out=a.out, name="ippo-torch",
                             set=CONFIG, schemes=a.schemes if a.compare else [],
                             steps=None if a.compare else 1)
    print(f"semra.evaluate ({time.perf_counter() - t0:.0f} s), final_reward over seeds {seeds}, "
          f"outputs in {a.out}:")
    ippo = summary["schemes"]["ippo-torch"]["final_reward"]
    for s, v in summary["schemes"].items():
        r = v["final_reward"]
        line = f"  {s:8s} {r['mean']:8.3f} +- {r['ci95']:.3f}   per seed {['%.3f' % x for x in r['per_seed']]}"
        if s != "ippo-torch" and len(seeds) > 1:  # semra.stats: summary.json's own Welch test
            p_value = semra.stats.welch_p(ippo["per_seed"], r["per_seed"])
            line += f"   IPPO - {s} = {ippo['mean'] - r['mean']:+.3f} (Welch p = {p_value:.3g})"
        print(line)
    return summary


if __name__ == "__main__":
    main()
