"""Reading what semra wrote: a run directory (docs/outputs.md)."""
from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np

from . import _checks

# Columns that hold integers by definition (docs/outputs.md "metrics.csv"); every other numeric
# column is float64, even when a run's values happen to be whole numbers.
INTEGER_COLUMNS = ("seed", "step")


class Results:
    """A run directory: .summary (summary.json as a dict), .metrics (metrics.csv as a dict of
    numpy columns: `seed` and `step` int64, other numbers float64, `scheme` and other text str),
    .config (config.toml text). Anything missing or unreadable is a ValueError naming the file."""

    def __init__(self, run_dir: str | os.PathLike):
        self.path = Path(_checks.path("load_results: run_dir", run_dir, allow_none=False))
        if not self.path.is_dir():
            raise ValueError(f"{self.path}: no such directory (expected a semra run directory)")
        summary = self.path / "summary.json"
        if not summary.is_file():
            raise ValueError(f"{self.path}: no summary.json (not a finished semra run directory)")
        try:
            self.summary: dict = json.loads(_read_text(summary))
        except json.JSONDecodeError as e:
            raise ValueError(f"{summary}: not valid JSON ({e.msg} at line {e.lineno}, column "
                             f"{e.colno})") from None
        if not isinstance(self.summary, dict):
            raise ValueError(f"{summary}: expected a JSON object, got {type(self.summary).__name__}")
        self.metrics: dict[str, np.ndarray] = _read_csv(self.path / "metrics.csv")
        cfg = self.path / "config.toml"
        self.config: str = _read_text(cfg) if cfg.is_file() else ""

    def to_pandas(self):
        """metrics.csv as a pandas DataFrame (needs pandas)."""
        try:
            import pandas as pd
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError("Results.to_pandas needs pandas (apt install python3-pandas)") from e
        return pd.DataFrame(self.metrics)

    def __repr__(self) -> str:
        return f"semra.Results('{self.path}', columns={list(self.metrics)})"


def _read_text(path: Path) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except UnicodeDecodeError as e:
        raise ValueError(f"{path}: not UTF-8 text (byte 0x{e.object[e.start]:02x} at offset "
                         f"{e.start})") from None
    except OSError as e:
        raise ValueError(f"{path}: cannot read it ({e.strerror})") from None


def _read_csv(path: Path) -> dict[str, np.ndarray]:
    if not path.is_file():
        raise ValueError(f"{path.parent}: no metrics.csv (not a finished semra run directory)")
    rows = list(csv.reader(_read_text(path).splitlines()))
    if not rows or not rows[0]:
        raise ValueError(f"{path}: empty (expected a header line and one row per step)")
    header, body = rows[0], rows[1:]
    if len(set(header)) != len(header):
        raise ValueError(f"{path}: a column name appears twice in the header")
    for n, r in enumerate(body, start=2):
        if len(r) != len(header):
            raise ValueError(f"{path}: line {n} has {len(r)} fields; the header has {len(header)}")
    cols: dict[str, np.ndarray] = {}
    for j, name in enumerate(header):
        values = [r[j] for r in body]
        if name in INTEGER_COLUMNS:
            try:
                cols[name] = np.array([int(v) for v in values], dtype=np.int64)
            except (ValueError, OverflowError):
                bad = next(i for i, v in enumerate(values) if not _is_int(v))
                raise ValueError(f"{path}: line {bad + 2}: {name} {_checks.shown(values[bad])} "
                                 "is not an integer") from None
            continue
        try:
            cols[name] = np.array([float(v) for v in values], dtype=np.float64)
        except ValueError:
            cols[name] = np.array(values, dtype=str)
    return cols


def _is_int(v: str) -> bool:
    try:
        return -(2**63) <= int(v) <= _checks.INT64_MAX
    except ValueError:
        return False


def load_results(run_dir: str | os.PathLike) -> Results:
    """A finished run directory of `semra run / figure / sweep` or semra.run()."""
    return Results(run_dir)
