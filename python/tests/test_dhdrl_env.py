"""dhdrl's two timescales as agents: who acts when, when the high level is rewarded, what ends the
episode (docs/python.md "Agents and episodes")."""
from __future__ import annotations

import numpy as np
import pytest

import semra

T_H, SLOTS = 5, 23  # 23 slots: the last epoch is cut after 3 of its 5 slots
SET = {"train.slots": SLOTS, "hierarchy.epoch_slots": T_H}


def masked_random(env, obs, rng):
    return {a: int(rng.choice(np.flatnonzero(obs[a]["action_mask"]))) for a in env.agents}


def episode(env, seed, policy_seed=0):
    obs, infos = env.reset(seed=seed)
    rng = np.random.default_rng(policy_seed)
    steps = []
    while env.agents:
        acts = {a: infos[a]["acts"] for a in env.agents}
        obs, rewards, terms, truncs, infos = env.step(masked_random(env, obs, rng))
        steps.append((acts, rewards, terms, truncs, infos))
    return steps


def test_agents_and_spaces():
    env = semra.parallel_env("dhdrl", set=SET)
    cells = 7  # network.rings = 1
    assert env.possible_agents == [f"bs{i}_{lv}" for i in range(cells) for lv in ("high", "low")]
    # paper split: high = codeword x power level, low = k
    assert env.action_space("bs0_high").n == 8 * 5
    assert env.action_space("bs0_low").n == 20
    several = semra.parallel_env("dhdrl", set={**SET, "network.users_per_cell": 2})
    assert several.possible_agents[:4] == ["bs0_ut0_high", "bs0_ut0_low", "bs0_ut1_high", "bs0_ut1_low"]


def test_high_level_acts_at_epoch_starts_and_is_rewarded_when_the_epoch_closes():
    env = semra.parallel_env("dhdrl", set=SET)
    steps = episode(env, seed=3)
    highs = [a for a in env.possible_agents if a.endswith("_high")]
    lows = [a for a in env.possible_agents if a.endswith("_low")]
    epochs = -(-SLOTS // T_H)
    assert len(steps) == SLOTS + epochs  # one decision step per epoch, one step per slot
    decisions = [i for i, (acts, *_) in enumerate(steps) if acts["bs0_high"]]
    assert decisions == [e * (T_H + 1) for e in range(epochs)]
    for i, (acts, rewards, terms, truncs, infos) in enumerate(steps):
        decision = i in decisions
        assert all(acts[a] == decision for a in highs)
        assert all(acts[a] != decision for a in lows)
        assert infos["bs0_high"]["slot_step"] == (0.0 if decision else 1.0)
        slot = int(infos["bs0_high"]["slot"])
        # An epoch cut short by the end of the episode is not rewarded (its high-level transition
        # is incomplete; the C++ learners store none either).
        closes_epoch = not decision and slot % T_H == T_H - 1
        if decision:
            assert all(rewards[a] == 0.0 for a in env.possible_agents)
        else:
            assert any(rewards[a] != 0.0 for a in lows)
            assert all((rewards[a] != 0.0) == closes_epoch for a in highs), (i, slot)
        assert not any(terms.values())  # never terminated ...
        assert all(t == (i == len(steps) - 1) for t in truncs.values())  # ... truncated at the end
    assert int(steps[-1][4]["bs0_high"]["slot"]) == SLOTS - 1


def test_the_action_of_an_agent_that_does_not_act_is_ignored():
    a = semra.parallel_env("dhdrl", set=SET)
    b = semra.parallel_env("dhdrl", set=SET)
    oa, ia = a.reset(seed=4)
    b.reset(seed=4)
    rng = np.random.default_rng(2)
    for _ in range(2 * (T_H + 1)):
        acts = masked_random(a, oa, rng)
        other = dict(acts)
        for agent in a.agents:
            if not ia[agent]["acts"]:
                other[agent] = 10**6  # out of range: ignored, not an error, even with "raise"
        oa, ra, *_, ia = a.step(acts)
        ob, rb, *_ = b.step(other)
        assert ra == rb
        assert all(np.array_equal(oa[x]["observation"], ob[x]["observation"]) for x in oa)


def test_a_masked_action_of_an_acting_agent_raises():
    env = semra.parallel_env("dhdrl", set=SET)
    obs, infos = env.reset(seed=1)
    assert infos["bs2_high"]["acts"]
    acts = {a: int(np.flatnonzero(obs[a]["action_mask"])[0]) for a in env.agents}
    acts["bs2_high"] = env.action_space("bs2_high").n  # out of range
    with pytest.raises(ValueError, match="bs2_high"):
        env.step(acts)


def test_same_seed_same_episode_other_seed_other_episode():
    env = semra.parallel_env("dhdrl", set=SET)
    r1 = [s[1] for s in episode(env, seed=7)]
    r2 = [s[1] for s in episode(env, seed=7)]
    r3 = [s[1] for s in episode(env, seed=8)]
    assert r1 == r2 and r1 != r3
