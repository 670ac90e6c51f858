"""semra.run: `semra run` from Python (the same C++ plan and runner; the usual run directory)."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping, Sequence

from . import _checks, _core
from ._config import config_path, set_list

MAX_SEEDS = 100_000  # docs/limits.md, as the CLI's --seeds
MAX_THREADS = 1024  # docs/limits.md, as the CLI's --threads


def scheme_list(schemes: Sequence[str] | str | None) -> list[str] | None:
    """`schemes` of semra.run and semra.evaluate as a list of names ("a,b" splits; None stays None).
    Empty names are kept: the C++ plan refuses them with the CLI's message."""
    if schemes is None:
        return None
    if isinstance(schemes, str):
        return schemes.split(",")
    try:
        names = list(schemes)
    except TypeError:
        raise ValueError(f"schemes {_checks.shown(schemes)}: expected a list of scheme names") from None
    for s in names:
        if not isinstance(s, str):
            raise ValueError(f"schemes: {_checks.shown(s)} is not a scheme name (a string)")
    return names


def run_numbers(seed: int, seeds: int, steps: int | None, threads: int) -> tuple[int, int, int | None, int]:
    """(first seed, seed count, steps or None, threads) checked against the CLI's bounds
    (docs/limits.md): ValueError naming the argument."""
    first = _checks.integer("seed", seed, 0, _checks.INT64_MAX)
    count = _checks.integer("seeds", seeds, 1, MAX_SEEDS)
    if first > _checks.INT64_MAX - (count - 1):
        raise ValueError(f"seed {first} with seeds {count}: the last seed would overflow")
    n_steps = None if steps is None else _checks.integer("steps", steps, 1, _checks.INT64_MAX)
    return first, count, n_steps, _checks.integer("threads", threads, 0, MAX_THREADS)


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
    directory written is then in semra.run.last_out_dir. threads=0: all cores. save_models=True
    writes the trained networks to OUT/models/ (semra.load_network reads them). Bad input raises
    ValueError with the CLI's one-line message."""
    if not isinstance(scenario, str):
        raise ValueError(f"scenario {_checks.shown(scenario)}: expected a scenario name such as 'vderl'")
    schemes = scheme_list(schemes)
    first, count, n_steps, n_threads = run_numbers(seed, seeds, steps, threads)
    if out is not None and not isinstance(out, (str, os.PathLike)):
        raise ValueError(f"out {_checks.shown(out)}: expected a directory path or None")
    if out is not None and os.fspath(out) == "":
        raise ValueError("out='': expected a directory (out=None for results/" + scenario + "-<timestamp>)")
    out_text = "" if out is None else _checks.path("out", out)
    out_dir = _core.run(
        scenario,
        schemes,
        first,
        count,
        n_steps,
        set_list(set),
        config_path(config),
        n_threads,
        out_text,
        _checks.flag("quiet", quiet),
        _checks.flag("save_models", save_models),
    )
    run.last_out_dir = Path(out_dir)  # type: ignore[attr-defined]
    with open(Path(out_dir) / "summary.json", encoding="utf-8") as f:
        return json.load(f)
