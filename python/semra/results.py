"""Reading what semra wrote: a run directory (docs/outputs.md) and a --save-models network."""
from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np

from . import _core


class Results:
    """A run directory: .summary (summary.json as a dict), .metrics (metrics.csv as a dict of
    numpy columns: numbers as float64, `scheme` as str), .config (config.toml text)."""

    def __init__(self, run_dir: str | os.PathLike):
        self.path = Path(run_dir)
        summary = self.path / "summary.json"
        if not summary.is_file():
            raise ValueError(f"{self.path}: no summary.json (not a finished semra run directory)")
        with open(summary, encoding="utf-8") as f:
            self.summary: dict = json.load(f)
        self.metrics: dict[str, np.ndarray] = _read_csv(self.path / "metrics.csv")
        cfg = self.path / "config.toml"
        self.config: str = cfg.read_text(encoding="utf-8") if cfg.is_file() else ""

    def to_pandas(self):
        """metrics.csv as a pandas DataFrame (needs pandas)."""
        try:
            import pandas as pd
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError("Results.to_pandas needs pandas (apt install python3-pandas)") from e
        return pd.DataFrame(self.metrics)

    def __repr__(self) -> str:
        return f"semra.Results('{self.path}', columns={list(self.metrics)})"


def _read_csv(path: Path) -> dict[str, np.ndarray]:
    if not path.is_file():
        return {}
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows:
        return {}
    header, body = rows[0], rows[1:]
    cols: dict[str, np.ndarray] = {}
    for j, name in enumerate(header):
        values = [r[j] for r in body]
        try:
            cols[name] = np.array([float(v) for v in values], dtype=np.float64)
        except ValueError:
            cols[name] = np.array(values, dtype=str)
    return cols


def load_results(run_dir: str | os.PathLike) -> Results:
    """A finished run directory of `semra run / figure / sweep` or semra.run()."""
    return Results(run_dir)


def load_network(path: str | os.PathLike) -> list[tuple[np.ndarray, np.ndarray]]:
    """A network written by --save-models (*.semrann) as [(W, b), ...], one pair per layer in
    torch.nn.Linear's layout: W float32 [out, in], b float32 [out]. Hidden layers use ReLU and the
    output is linear (docs/nn.md). Parsed and checked (magic, version, shapes, checksum) by the
    C++ loader; a bad file raises ValueError naming it."""
    return [(w, b) for w, b in _core.load_network(os.fspath(path))]
