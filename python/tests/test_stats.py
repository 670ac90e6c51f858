"""semra.stats: the summary.json statistics from Python, by the same C++ code."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import semra
from semra import stats
from test_run import QUICK


def test_welch_matches_the_reference_value():
    # t = -2, dof = 8: two-sided p 0.080516 (scipy.stats.ttest_ind(..., equal_var=False) agrees).
    assert stats.welch_p([1, 2, 3, 4, 5], [3, 4, 5, 6, 7]) == pytest.approx(0.080516, abs=2e-5)
    assert stats.welch_p([1, 2, 3], [1, 2, 3]) == pytest.approx(1.0)
    assert stats.welch_p([2, 2], [2, 2]) == 1.0 and stats.welch_p([2, 2], [3, 3]) == 0.0


def test_mean_ci95_equals_summary_json(tmp_path):
    r = semra.run("vderl", schemes=["random"], seeds=3, steps=2, set=QUICK, threads=1,
                  out=tmp_path / "run")
    m = r["schemes"]["random"]["final_reward"]
    mean, half = stats.mean_ci95(m["per_seed"])
    assert len(m["per_seed"]) == 3 and half > 0
    assert mean == m["mean"] and half == m["ci95"]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: stats.welch_p([1.0], [1, 2]), "welch_p: a: 1 value(s); expected at least 2"),
        (lambda: stats.welch_p([1, 2], [1, float("nan")]), "welch_p: b: nan is not a finite"),
        (lambda: stats.mean_ci95([]), "mean_ci95: 0 value(s); expected at least 1"),
        (lambda: stats.mean_ci95(["x"]), "mean_ci95: expected a sequence of numbers"),
    ],
)
def test_bad_input_is_a_value_error_naming_it(call, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()


def test_repro_stats_script_compares_runs_with_these_statistics(tmp_path):
    # scripts/repro_stats.py (docs/reproduction.md) must print semra.stats' numbers.
    a = semra.run("vderl", schemes=["random"], seeds=3, steps=2, set=QUICK, threads=1, out=tmp_path / "a")
    b = semra.run("vderl", schemes=["random"], seeds=3, steps=2, set={**QUICK, "network.users": 9},
                  threads=1, out=tmp_path / "b")
    script = Path(__file__).resolve().parents[2] / "scripts" / "repro_stats.py"
    out = subprocess.run([sys.executable, str(script), "compare", f"{tmp_path / 'a'}:random",
                          f"{tmp_path / 'b'}:random", "--metric", "final_reward"],
                         capture_output=True, text=True, check=True).stdout
    xa = a["schemes"]["random"]["final_reward"]["per_seed"]
    xb = b["schemes"]["random"]["final_reward"]["per_seed"]
    p = float(re.search(r"Welch p = (\S+)", out).group(1))
    assert p == pytest.approx(stats.welch_p(xa, xb), rel=1e-2)
    assert f"{stats.mean_ci95(xa)[0]:.4f} +- {stats.mean_ci95(xa)[1]:.4f}" in out


def test_repro_stats_script_names_a_directory_that_is_not_a_run(tmp_path):
    script = Path(__file__).resolve().parents[2] / "scripts" / "repro_stats.py"
    r = subprocess.run([sys.executable, str(script), "summary", str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.strip() == f"repro_stats.py: {tmp_path}: no summary.json (not a finished semra run directory)"


def test_sums_that_overflow_are_averaged_exactly_and_spreads_beyond_float64_refused():
    # 1e308 + 1e308 overflows a plain sum; core/stats averages such values exactly instead.
    assert stats.mean_ci95([1e308, 1e308]) == (1e308, 0.0)
    assert stats.mean_ci95([1e308, 1e308, 1e308])[0] == pytest.approx(1e308, rel=1e-15)
    # A spread beyond float64 has no representable interval: a ValueError, not inf.
    with pytest.raises(ValueError, match="too large for float64 statistics"):
        stats.mean_ci95([1.7e308, -1.7e308])
