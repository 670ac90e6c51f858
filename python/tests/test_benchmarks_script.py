"""scripts/benchmarks.py (docs/benchmarks.md): one row of tiny runs gives a well-formed table whose
numbers are summary.json's and semra.stats', with the command of every run, and a rerun resumes."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from semra import stats

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "benchmarks.py"
# A small world and short iterations (the row itself sets network.users = 10).
TINY = ["training.frames_per_iteration=2", "training.gradient_steps=2", "training.eval_frames=2",
        "training.final_eval_frames=4", "training.learning_starts_frames=2", "network.servers=3",
        "network.rbs=4", "semantic.images=16", "ppo.envs=2"]


def script(cli, out, *args):
    cmd = [sys.executable, str(SCRIPT), "--semra", str(cli), "--out", str(out), *args]
    return subprocess.run(cmd, capture_output=True, text=True)


def test_one_row_gives_a_table_with_ci_p_and_commands_and_resumes(cli, tmp_path):
    args = ["--only", "vderl:10", "--steps", "2", "--seeds", "2", "--schemes", "vderl,mappo,random"]
    for kv in TINY:
        args += ["--set", kv]
    r = script(cli, tmp_path, *args)
    assert r.returncode == 0, r.stderr
    row = json.loads((tmp_path / "vderl-10" / "row.json").read_text())
    table = (tmp_path / "vderl-10" / "table.md").read_text()
    assert row["row"] == "vderl:10" and row["proposed"] == "vderl"
    by_scheme = {e["scheme"]: e for e in row["equal_steps"]}
    assert sorted(by_scheme) == ["mappo", "random", "vderl"]
    proposed = by_scheme["vderl"]["final_reward"]["per_seed"]
    for name, e in by_scheme.items():
        assert e["status"] == "done" and e["steps"] == 2
        summary = json.loads((tmp_path / "vderl-10" / "steps" / name / "summary.json").read_text())
        assert summary["seeds"] == [1, 2]
        for metric in ("final_reward", "avg_latency_ms"):
            v = e[metric]
            assert v["per_seed"] == summary["schemes"][name][metric]["per_seed"] and len(v["per_seed"]) == 2
            mean, ci95 = stats.mean_ci95(v["per_seed"])
            assert v["mean"] == pytest.approx(mean, rel=1e-12) and v["ci95"] == pytest.approx(ci95, rel=1e-9)
            assert v["ci95"] > 0  # two seeds of a random policy differ
        # The table's line of this scheme: its steps, mean +- CI of both metrics, Welch p vs vderl.
        line = next(l for l in table.splitlines() if l.startswith(f"| {name}"))
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[1] == "2"
        m = re.fullmatch(r"(\S+) \+- (\S+)", cells[2])
        assert m and float(m.group(1)) == pytest.approx(e["final_reward"]["mean"], rel=1e-3)
        assert float(m.group(2)) == pytest.approx(e["final_reward"]["ci95"], rel=2e-2)
        if name == "vderl":
            assert cells[4] == "-"
        else:
            p = stats.welch_p(e["final_reward"]["per_seed"], proposed)
            assert float(cells[4]) == pytest.approx(p, rel=6e-2, abs=1e-12)
        # The command that regenerates it, as the docs show it, is in the table and was printed.
        command = (f"semra run vderl --scheme {name} --seeds 2 --steps 2 --threads 1 --quiet "
                   f"--set network.users=10 --set {' --set '.join(TINY)} --out OUT/vderl-10/steps/{name}")
        assert e["command"] == command
        assert command in table and command in r.stdout
    # Equal wall time: a budget set by the fastest learner, every learner in the second table.
    assert row["wall_budget"]["set_by"] in ("vderl", "mappo") and row["wall_budget"]["cpu_seconds_per_seed"] > 0
    for name in ("vderl", "mappo"):  # each run the script made records its CPU time
        rec = json.loads((tmp_path / "vderl-10" / "steps" / f"{name}.cpu.json").read_text())
        assert rec["user_seconds"] > 0 and rec["seeds"] == 2 and rec["steps"] == 2
    assert sorted(e["scheme"] for e in row["equal_wall"]) == ["mappo", "vderl"]
    assert all(e["status"] == "done" and e["steps"] >= 1 for e in row["equal_wall"])
    assert "Equal wall time (" in table
    if shutil.which("gnuplot"):  # without gnuplot semra skips figures with a warning (docs/outputs.md)
        assert (tmp_path / "vderl-10" / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # A rerun finds every run finished: it runs nothing and writes the same numbers.
    again = script(cli, tmp_path, *args)
    assert again.returncode == 0, again.stderr
    assert "[run]" not in again.stdout and "[done]" in again.stdout
    rerun = json.loads((tmp_path / "vderl-10" / "row.json").read_text())
    assert [e.get("final_reward") for e in rerun["equal_steps"]] == [e.get("final_reward") for e in row["equal_steps"]]


def test_bad_arguments_are_one_line_and_exit_2(cli, tmp_path):
    r = script(cli, tmp_path, "--only", "vderl:11")
    assert r.returncode == 2
    assert r.stderr.strip() == ("benchmarks.py: --only: unknown row vderl:11 "
                                "(expected vderl:50, vderl:10, vderl:30, dhdrl:7, dhdrl:19)")
    r = script(cli, tmp_path, "--only", "vderl:10", "--schemes", "nope")
    assert r.returncode == 2 and "--schemes: nope not a scheme of vderl" in r.stderr
    r = script(cli, SCRIPT.parents[1] / "results" / "bench", "--only", "vderl:10")
    assert r.returncode == 2 and "is inside the repository" in r.stderr
    assert not list(tmp_path.iterdir())  # nothing was written


def test_a_run_without_a_cpu_record_is_timed_by_a_one_seed_calibration_run(cli, tmp_path):
    # A run made outside the script (here: its CPU record removed) gets its CPU time per seed from
    # one seed of the same command, once; the equal-time budget is then computed as for the others.
    args = ["--only", "vderl:10", "--steps", "2", "--seeds", "2", "--schemes", "mappo,ippo"]
    for kv in TINY:
        args += ["--set", kv]
    assert script(cli, tmp_path, *args).returncode == 0
    (tmp_path / "vderl-10" / "steps" / "ippo.cpu.json").unlink()
    r = script(cli, tmp_path, *args)
    assert r.returncode == 0, r.stderr
    assert "--scheme ippo --seeds 1 --steps 2" in r.stdout and "OUT/vderl-10/calib/ippo" in r.stdout
    calib = json.loads((tmp_path / "vderl-10" / "calib" / "ippo" / "summary.json").read_text())
    assert calib["seeds"] == [1] and calib["steps"] == 2
    rec = json.loads((tmp_path / "vderl-10" / "calib" / "ippo.cpu.json").read_text())
    row = json.loads((tmp_path / "vderl-10" / "row.json").read_text())
    ippo = next(e for e in row["equal_steps"] if e["scheme"] == "ippo")
    assert ippo["cpu_seconds_per_seed"] == rec["user_seconds"] > 0
    assert row["wall_budget"] is not None
    # A third run finds the calibration stored: nothing runs.
    again = script(cli, tmp_path, *args)
    assert again.returncode == 0 and "[run]" not in again.stdout
