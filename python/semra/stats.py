"""The statistics semra's summary.json reports, for comparing runs from Python: the mean over seeds
with the half-width of its 95% Student-t interval, and Welch's two-sided t-test. Computed by the
same C++ code as summary.json (src/semra/core/stats.cpp), so a number here equals the CLI's."""
from __future__ import annotations

import math
from collections.abc import Iterable

from . import _core


def _values(name: str, x: Iterable[float], at_least: int) -> list[float]:
    try:
        v = [float(e) for e in x]
    except (TypeError, ValueError) as e:
        raise ValueError(f"{name}: expected a sequence of numbers ({e})") from None
    if len(v) < at_least:
        raise ValueError(f"{name}: {len(v)} value(s); expected at least {at_least}")
    bad = [e for e in v if not math.isfinite(e)]
    if bad:
        raise ValueError(f"{name}: {bad[0]} is not a finite number")
    return v


def mean_ci95(x: Iterable[float]) -> tuple[float, float]:
    """(mean, half-width of the 95% Student-t confidence interval of the mean). One value gives
    a half-width of 0, as in summary.json; ValueError for no value, a non-finite one, or values
    whose sums overflow float64."""
    v = _values("mean_ci95", x, 1)
    mean, half = _core.mean(v), _core.ci95(v)
    _finite("mean_ci95", v, mean, half)
    return mean, half


def welch_p(a: Iterable[float], b: Iterable[float]) -> float:
    """Two-sided p-value of Welch's unequal-variance t-test for mean(a) != mean(b). When neither
    sample varies (a deterministic scheme), 1 for equal means and 0 otherwise, as in summary.json;
    ValueError for fewer than 2 values."""
    va, vb = _values("welch_p: a", a, 2), _values("welch_p: b", b, 2)
    p = _core.welch_p_value(va, vb)
    _finite("welch_p", va + vb, p)
    return p


def _finite(name: str, values: list[float], *results: float) -> None:
    """Finite inputs whose mean or spread is beyond float64 (1.7e308 and -1.7e308): say so, not inf
    or nan. (Sums that merely overflow, as 1e308 + 1e308, are averaged exactly by core/stats.)"""
    if not all(math.isfinite(r) for r in results):
        big = max(values, key=abs)
        raise ValueError(f"{name}: the values are too large for float64 statistics (the largest is "
                         f"{big:.3g}; the mean or the spread exceeds 1.8e308)")
