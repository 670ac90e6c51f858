"""semra.run: `semra run` from Python (the same C++ plan and runner; the usual run directory)."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping, Sequence

from . import _core
from ._config import config_path, set_list


def run(
    scenario: str,
    schemes: Sequence[str] | str | None = None,
    seeds: int = 1,
    steps: int | None = None,
    set: Mapping[str, Any] | None = None,
    threads: int = 0,
    out: str | os.PathLike | None = None,
    seed: int = 1,
    config: str | os.PathLike | None = None,
    save_models: bool = False,
    quiet: bool = True,
) -> dict:
    """Runs `semra run SCENARIO --scheme ... --seeds SEEDS --steps STEPS --set ... --threads
    THREADS --out OUT` in this process (the CLI's own C++ plan and runner) and returns
    summary.json's content. out=None: the CLI's default, results/<scenario>-<timestamp>; the
    directory written is then in semra.run.last_out_dir. threads=0: all cores. Bad input raises
    ValueError with the CLI's one-line message."""
    if isinstance(schemes, str):
        schemes = schemes.split(",")  # empty names are kept: the C++ plan refuses them
    if out is not None and os.fspath(out) == "":
        raise ValueError("out='': expected a directory (out=None for results/" + scenario + "-<timestamp>)")
    out_dir = _core.run(
        scenario,
        None if schemes is None else [str(s) for s in schemes],
        int(seed),
        int(seeds),
        None if steps is None else int(steps),
        set_list(set),
        config_path(config),
        int(threads),
        "" if out is None else os.fspath(out),
        bool(quiet),
        bool(save_models),
    )
    run.last_out_dir = Path(out_dir)  # type: ignore[attr-defined]
    with open(Path(out_dir) / "summary.json", encoding="utf-8") as f:
        return json.load(f)
