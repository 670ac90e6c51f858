"""Python values -> the CLI's `--set key=value` text (one resolution path: C++ resolve_config)."""
from __future__ import annotations

import math
import os
from typing import Any, Mapping

from ._checks import path, shown


def _text(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, (str, bytes)):
        try:  # numpy scalars and 0-d arrays
            return _text(key, value.item())
        except (ValueError, TypeError):
            pass
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_text(key, v) for v in value) + "]"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"set: {key} = {value!r}: expected a finite number")
        return repr(value)
    if isinstance(value, str):
        if "\0" in value or "\n" in value or "\r" in value:
            raise ValueError(f"set: {key} = {shown(value)}: a value cannot contain a NUL byte or "
                             "a line break")
        return value
    if isinstance(value, os.PathLike):
        return path(f"set: {key} =", value)
    raise ValueError(f"set: {key} = {shown(value)}: expected a number, a bool, a string or a list "
                     "of numbers")


def set_list(sets: Mapping[str, Any] | None) -> list[str]:
    """{dotted.key: value} -> ["dotted.key=value", ...] (the CLI's --set), checked for what would
    otherwise reach the C++ parser as something else: a key with '=' in it, a non-string key."""
    if sets is None:
        return []
    if not isinstance(sets, Mapping):
        raise ValueError(f"set {shown(sets)}: expected a dict of dotted.key -> value")
    out = []
    for k, v in sets.items():
        if not isinstance(k, str):
            raise ValueError(f"set: key {shown(k)}: expected a string such as 'network.servers'")
        if k.strip() == "":
            raise ValueError("set: an empty key: expected a dotted key such as 'network.servers'")
        if "=" in k:
            name = k.split("=", 1)[0].strip()
            raise ValueError(f"set: key {shown(k)} contains '=': write {{{name!r}: value}}")
        if any(c in k for c in "\0\n\r"):
            raise ValueError(f"set: key {shown(k)}: a key cannot contain a NUL byte or a line break")
        if v is None:
            raise ValueError(f"set: {k} = None: expected a value")
        out.append(f"{k}={_text(k, v)}")
    return out


def config_path(config: str | os.PathLike | None) -> str:
    return path("config", config)
