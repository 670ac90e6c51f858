"""The on-policy schemes (vderl: ippo, mappo; dhdrl: ippo, mappo, ippo-flat, mappo-flat) from
Python through semra.run: the C++ runner, so the same numbers as the CLI; a bad PPO setting is a ValueError naming its key."""
import pytest

import semra

SMALL = {
    "network.servers": 3,
    "network.users": 20,
    "training.frames_per_iteration": 4,
    "training.eval_frames": 2,
    "training.final_eval_frames": 3,
    "ppo.envs": 2,
    "ppo.epochs": 2,
}


def test_ippo_and_mappo_run_from_python(tmp_path):
    summary = semra.run("vderl", "ippo,mappo", steps=2, set=SMALL, threads=1, out=tmp_path / "a")
    assert set(summary["schemes"]) == {"ippo", "mappo"}
    again = semra.run("vderl", "ippo,mappo", steps=2, set=SMALL, threads=2, out=tmp_path / "b")
    for s in ("ippo", "mappo"):  # bit-identical at any thread count
        assert summary["schemes"][s]["final_reward"] == again["schemes"][s]["final_reward"]
    assert (tmp_path / "a" / "metrics.csv").read_bytes() == (tmp_path / "b" / "metrics.csv").read_bytes()


def test_bad_ppo_setting_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match=r"ppo\.envs"):
        semra.run("vderl", "mappo", steps=1, set={**SMALL, "ppo.envs": 3}, out=tmp_path / "c")


DHDRL_SMALL = {"ppo.rollout_slots": 20, "ppo.high_rollout_epochs": 2, "ppo.epochs": 2}


def test_dhdrl_on_policy_schemes_run_from_python(tmp_path):
    schemes = "ippo,mappo,ippo-flat,mappo-flat"
    summary = semra.run("dhdrl", schemes, steps=100, set=DHDRL_SMALL, threads=1, out=tmp_path / "a")
    assert set(summary["schemes"]) == set(schemes.split(","))
    again = semra.run("dhdrl", schemes, steps=100, set=DHDRL_SMALL, threads=2, out=tmp_path / "b")
    for s in schemes.split(","):  # bit-identical at any thread count
        q = summary["schemes"][s]["final_qoe"]["per_seed"]
        assert len(q) == 1 and 0.0 < q[0] <= 1.0
        assert q == again["schemes"][s]["final_qoe"]["per_seed"]
    assert (tmp_path / "a" / "metrics.csv").read_bytes() == (tmp_path / "b" / "metrics.csv").read_bytes()
    with pytest.raises(ValueError, match=r"ppo\.num_minibatches"):  # 7 links x 20 slots: no divisor
        semra.run("dhdrl", "mappo-flat", steps=10, set={**DHDRL_SMALL, "ppo.num_minibatches": 3},
                  out=tmp_path / "c")
