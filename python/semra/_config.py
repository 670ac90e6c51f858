"""Python values -> the CLI's `--set key=value` text (one resolution path: C++ resolve_config)."""
from __future__ import annotations

import os
from typing import Any, Mapping


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _text(value.item())
    return str(value)


def set_list(sets: Mapping[str, Any] | None) -> list[str]:
    if sets is None:
        return []
    if not isinstance(sets, Mapping):
        raise ValueError("set: expected a dict of dotted.key -> value")
    return [f"{k}={_text(v)}" for k, v in sets.items()]


def config_path(config: str | os.PathLike | None) -> str:
    return "" if config is None else os.fspath(config)
