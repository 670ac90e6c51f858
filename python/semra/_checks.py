"""Checks of the arguments a user passes from Python, before they reach C++: each bad value is a
ValueError with one line naming the argument, the value and what was expected (docs/python.md
"What the bindings check"). C++ checks everything again; these only make the message Python's."""
from __future__ import annotations

import operator
import os
from typing import Any

import numpy as np

INT64_MAX = 2**63 - 1
UINT64_MAX = 2**64 - 1


def shown(value: Any, limit: int = 60) -> str:
    """repr(value), cut to `limit` characters (saying how long it was)."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"


def as_int(value: Any) -> int | None:
    """value as a Python int when it is an integer (int, numpy integer, 0-d integer array, anything
    with __index__), else None. bool is not an integer here: True as an action or a count is
    almost always a mistake."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, np.ndarray) and value.dtype == np.bool_:
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


def integer(name: str, value: Any, lo: int, hi: int) -> int:
    """value as an int in [lo, hi], or ValueError naming `name`."""
    v = as_int(value)
    if v is None or not lo <= v <= hi:
        raise ValueError(f"{name} {shown(value)}: expected an integer from {lo} to {hi}")
    return v


def seed(value: Any, span: int = 1) -> int | None:
    """A seed: None or an integer with value + span - 1 <= 2**64 - 1 (environment e of a vector env
    is seeded seed + e)."""
    if value is None:
        return None
    hi = UINT64_MAX - (span - 1)
    v = as_int(value)
    if v is None or not 0 <= v <= hi:
        extra = f" (environment e is seeded seed + e, e < {span})" if span > 1 else ""
        raise ValueError(f"seed {shown(value)}: expected an integer from 0 to {hi}{extra}")
    return v


def flag(name: str, value: Any) -> bool:
    """A bool argument: True/False (numpy bools too), nothing else."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise ValueError(f"{name} {shown(value)}: expected True or False")


def choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        valid = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} {shown(value)}: expected one of {valid}")
    return value


def path(name: str, value: Any, allow_none: bool = True) -> str:
    """A file-system path (str or os.PathLike) as str; "" for None when allowed."""
    if value is None and allow_none:
        return ""
    try:
        text = os.fspath(value)
    except TypeError:
        raise ValueError(f"{name} {shown(value)}: expected a path (str or os.PathLike)") from None
    if isinstance(text, bytes):
        try:
            text = os.fsdecode(text)
        except UnicodeDecodeError:
            raise ValueError(f"{name} {shown(value)}: not a decodable path") from None
    if "\0" in text:
        raise ValueError(f"{name} {shown(text)}: a path cannot contain a NUL byte")
    if text == "":
        raise ValueError(f"{name} '': expected a path")
    return text
