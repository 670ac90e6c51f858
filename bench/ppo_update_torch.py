#!/usr/bin/env python3
"""Times one PPO update written in PyTorch and driven from Python, on one thread, at the vderl
sizes: the same update as bench/ppo_update.cpp's BM_PpoUpdate (rl/ppo.hpp), for the ratio in
docs/nn.md. Not part of the tests (CI does not install torch): `apt-get install python3-torch`.

What is timed, per update (CleanRL's ppo.py structure, the MAPPO authors' losses):
  bootstrap V(s_T); GAE(gamma 0.99, lambda 0.95) over T steps of E = 16 environments on
  denormalised values; the value normaliser's update and the normalised targets; advantages
  normalised per actor; then `epochs` x `minibatches` steps, each of which, for each of the 5
  actors (288-64-64-41, ReLU): gather the minibatch, forward, masked log-softmax, ratio, clipped
  surrogate and entropy, backward, clip_grad_norm_(10), Adam(5e-4, eps 1e-5); and for the critic
  on the state (258-64-64-1): forward, clipped Huber(10) value loss, backward, clipping, Adam.
The rollout (synthetic observations, half of the actions masked, old log-probabilities and values
from the initial networks) is built once, outside the timing.

  /usr/bin/python3 bench/ppo_update_torch.py            # all four configurations
  /usr/bin/python3 bench/ppo_update_torch.py --config 1,1,32 --repeats 50
"""
import argparse
import statistics
import sys
import time

try:
    import torch
except ImportError:
    sys.exit("ppo_update_torch.py: PyTorch is not installed (apt-get install python3-torch)")

E, A, D, N, S = 16, 5, 288, 41, 258
GAMMA, LAMBDA, CLIP, VALUE_CLIP, ENT, VCOEF, MAX_NORM, HUBER = 0.99, 0.95, 0.2, 0.2, 0.01, 1.0, 10.0, 10.0


def mlp(sizes, out_gain):
    layers = []
    for i in range(len(sizes) - 1):
        lin = torch.nn.Linear(sizes[i], sizes[i + 1])
        last = i == len(sizes) - 2
        torch.nn.init.orthogonal_(lin.weight, out_gain if last else 2 ** 0.5)
        torch.nn.init.zeros_(lin.bias)
        layers.append(lin)
        if not last:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


class ValueNorm:
    """The MAPPO authors' ValueNorm (beta 0.99999, debiased), one update per rollout."""

    def __init__(self, beta=0.99999):
        self.beta, self.mean, self.mean_sq, self.debias = beta, 0.0, 0.0, 0.0

    def update(self, x):
        self.mean = self.beta * self.mean + (1 - self.beta) * x.mean().item()
        self.mean_sq = self.beta * self.mean_sq + (1 - self.beta) * (x * x).mean().item()
        self.debias = self.beta * self.debias + (1 - self.beta)

    def stats(self):
        d = max(self.debias, 1e-5)
        m = self.mean / d
        var = max(self.mean_sq / d - m * m, 1e-2)
        return m, var ** 0.5


class Ppo:
    def __init__(self, T):
        torch.manual_seed(1)
        self.T = T
        self.actors = [mlp([D, 64, 64, N], 0.01) for _ in range(A)]
        self.critic = mlp([S, 64, 64, 1], 1.0)
        self.actor_opts = [torch.optim.Adam(a.parameters(), lr=5e-4, eps=1e-5) for a in self.actors]
        self.critic_opt = torch.optim.Adam(self.critic.parameters(), lr=5e-4, eps=1e-5)
        self.norm = ValueNorm()
        g = torch.Generator().manual_seed(2)
        TE = T * E
        self.obs = torch.rand(A, TE, D, generator=g) * 2 - 1  # per agent, rows t E + e
        self.states = torch.rand(TE, S, generator=g) * 2 - 1
        self.last_states = torch.rand(E, S, generator=g) * 2 - 1
        self.masks = torch.rand(A, TE, N, generator=g) < 0.5
        self.masks[:, :, 0] = True
        self.rewards = torch.rand(T, E, generator=g) * A  # team reward
        self.dones = torch.zeros(T, E)
        with torch.no_grad():
            self.actions = torch.empty(A, TE, dtype=torch.long)
            self.old_logp = torch.empty(A, TE)
            for a in range(A):
                logits = self.actors[a](self.obs[a]).masked_fill(~self.masks[a], -1e8)
                dist = torch.distributions.Categorical(logits=logits)
                self.actions[a] = dist.sample()
                self.old_logp[a] = dist.log_prob(self.actions[a])
            self.old_values = self.critic(self.states).squeeze(-1)

    def update(self, epochs, minibatches):
        T, TE = self.T, self.T * E
        # Bootstrap, GAE on denormalised values, value normalisation.
        with torch.no_grad():
            m, sd = self.norm.stats()
            last = self.critic(self.last_states).squeeze(-1) * sd + m
            values = (self.old_values * sd + m).view(T, E)
            adv = torch.zeros(T, E)
            lastgaelam = torch.zeros(E)
            for t in reversed(range(T)):
                nxt = last if t == T - 1 else values[t + 1]
                nonterminal = 1.0 - self.dones[t]
                delta = self.rewards[t] + GAMMA * nxt * nonterminal - values[t]
                lastgaelam = delta + GAMMA * LAMBDA * nonterminal * lastgaelam
                adv[t] = lastgaelam
            returns = (adv + values).view(TE)
            self.norm.update(returns)
            m, sd = self.norm.stats()
            targets = (returns - m) / sd
            adv = adv.view(TE)
            adv = (adv - adv.mean()) / (adv.std(unbiased=False) + 1e-5)  # the same for every actor
        mb = TE // minibatches
        for _ in range(epochs):
            perm_a = torch.randperm(TE)
            perm_c = torch.randperm(TE)
            for k in range(minibatches):
                idx = perm_a[k * mb:(k + 1) * mb]
                for a in range(A):
                    logits = self.actors[a](self.obs[a][idx]).masked_fill(~self.masks[a][idx], -1e8)
                    logp_all = torch.log_softmax(logits, dim=-1)
                    logp = logp_all.gather(1, self.actions[a][idx].unsqueeze(1)).squeeze(1)
                    ratio = torch.exp(logp - self.old_logp[a][idx])
                    surr = torch.min(ratio * adv[idx], torch.clamp(ratio, 1 - CLIP, 1 + CLIP) * adv[idx])
                    entropy = -(logp_all.exp() * logp_all).sum(-1)
                    loss = -(surr + ENT * entropy).mean()
                    self.actor_opts[a].zero_grad()
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(self.actors[a].parameters(), MAX_NORM)
                    self.actor_opts[a].step()
                cidx = perm_c[k * mb:(k + 1) * mb]
                v = self.critic(self.states[cidx]).squeeze(-1)
                v_old = self.old_values[cidx]
                v_clip = v_old + torch.clamp(v - v_old, -VALUE_CLIP, VALUE_CLIP)
                huber = torch.nn.functional.huber_loss
                vl = torch.max(huber(v, targets[cidx], reduction="none", delta=HUBER),
                               huber(v_clip, targets[cidx], reduction="none", delta=HUBER))
                vloss = VCOEF * vl.mean()
                self.critic_opt.zero_grad()
                vloss.backward()
                torch.nn.utils.clip_grad_norm_(self.critic.parameters(), MAX_NORM)
                self.critic_opt.step()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--config", action="append",
                   help="epochs,minibatches,T (default: 1,1,32 15,1,32 5,4,128 1,8,32)")
    p.add_argument("--repeats", type=int, default=30, help="timed updates per configuration")
    args = p.parse_args()
    torch.set_num_threads(1)
    configs = args.config or ["1,1,32", "15,1,32", "5,4,128", "1,8,32"]
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    for cfg in configs:
        try:
            epochs, minibatches, T = (int(x) for x in cfg.split(","))
            if min(epochs, minibatches, T) < 1 or (T * E) % minibatches:
                raise ValueError
        except ValueError:
            sys.exit(f"ppo_update_torch.py: --config {cfg!r}: expected epochs,minibatches,T "
                     f"(positive integers, minibatches dividing T x {E})")
        ppo = Ppo(T)
        ppo.update(epochs, minibatches)  # warm-up
        wall, cpu = [], []
        for _ in range(args.repeats):
            w0, c0 = time.perf_counter(), time.process_time()
            ppo.update(epochs, minibatches)
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
        w, c = statistics.median(wall), statistics.median(cpu)
        print(f"PpoUpdate/{epochs}/{minibatches}/{T}: median wall {w * 1e3:.2f} ms, cpu {c * 1e3:.2f} ms "
              f"per update ({c * 1e3 / (epochs * minibatches):.2f} ms cpu per minibatch step of "
              f"{T * E // minibatches}); {args.repeats} updates")


if __name__ == "__main__":
    main()
