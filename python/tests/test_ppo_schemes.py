"""vderl's on-policy schemes (ippo, mappo) from Python through semra.run: the C++ runner, so the
same numbers as the CLI; a bad PPO setting is a ValueError naming its key."""
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
