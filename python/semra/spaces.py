"""Observation and action spaces: gymnasium.spaces when gymnasium can be imported, otherwise small
stand-ins with the attributes semra's environments and PettingZoo's tests use (shape, dtype, n,
nvec, seed(), sample(mask=...), contains(), [key] for Dict)."""
from __future__ import annotations

from typing import Any

import numpy as np

try:  # pragma: no cover - depends on the environment
    from gymnasium.spaces import Box, Dict, Discrete, MultiDiscrete  # type: ignore

    HAVE_GYMNASIUM = True
except ImportError:
    HAVE_GYMNASIUM = False

    class _Space:
        def __init__(self, shape, dtype, seed=None):
            self.shape = shape
            self.dtype = np.dtype(dtype) if dtype is not None else None
            self._np_random = np.random.default_rng(seed)

        @property
        def np_random(self) -> np.random.Generator:
            return self._np_random

        def seed(self, seed: int | None = None):
            self._np_random = np.random.default_rng(seed)
            return [seed]

        def __contains__(self, x: Any) -> bool:
            return self.contains(x)

    class Discrete(_Space):  # type: ignore[no-redef]
        """Actions 0 .. n-1."""

        def __init__(self, n: int, seed=None, start: int = 0):
            super().__init__((), np.int64, seed)
            self.n = int(n)
            self.start = int(start)

        def sample(self, mask: np.ndarray | None = None) -> np.int64:
            if mask is not None:
                mask = np.asarray(mask)
                if mask.shape != (self.n,):
                    raise ValueError(f"mask: expected shape ({self.n},), got {mask.shape}")
                valid = np.flatnonzero(mask == 1)
                if valid.size == 0:
                    return np.int64(self.start)
                return np.int64(self.start + self._np_random.choice(valid))
            return np.int64(self.start + self._np_random.integers(self.n))

        def contains(self, x: Any) -> bool:
            if isinstance(x, (int, np.integer)) or (
                isinstance(x, np.ndarray) and x.shape == () and np.issubdtype(x.dtype, np.integer)
            ):
                return self.start <= int(x) < self.start + self.n
            return False

        def __repr__(self) -> str:
            return f"Discrete({self.n})"

    class Box(_Space):  # type: ignore[no-redef]
        """A box [low, high]^shape of `dtype`."""

        def __init__(self, low, high, shape=None, dtype=np.float32, seed=None):
            dtype = np.dtype(dtype)
            shape = tuple(shape) if shape is not None else np.shape(low)
            super().__init__(shape, dtype, seed)
            self.low = np.full(shape, low, dtype=dtype)
            self.high = np.full(shape, high, dtype=dtype)

        def sample(self, mask=None) -> np.ndarray:
            if np.issubdtype(self.dtype, np.integer):
                return self._np_random.integers(
                    self.low, self.high.astype(np.int64) + 1, size=self.shape
                ).astype(self.dtype)
            lo = np.where(np.isfinite(self.low), self.low, -1.0)
            hi = np.where(np.isfinite(self.high), self.high, 1.0)
            return self._np_random.uniform(lo, hi, size=self.shape).astype(self.dtype)

        def contains(self, x: Any) -> bool:
            x = np.asarray(x)
            return (
                x.shape == self.shape
                and np.can_cast(x.dtype, self.dtype)
                and bool(np.all(x >= self.low))
                and bool(np.all(x <= self.high))
            )

        def __repr__(self) -> str:
            return f"Box({self.shape}, {self.dtype})"

    class MultiDiscrete(_Space):  # type: ignore[no-redef]
        """Independent discrete actions: entry i in 0 .. nvec[i] - 1 (int64)."""

        def __init__(self, nvec, dtype=np.int64, seed=None, start=None):
            self.nvec = np.asarray(nvec, dtype=dtype)
            super().__init__(self.nvec.shape, dtype, seed)
            self.start = np.zeros_like(self.nvec) if start is None else np.asarray(start, dtype=dtype)

        def sample(self, mask=None) -> np.ndarray:
            if mask is not None:
                raise NotImplementedError("semra.spaces.MultiDiscrete.sample: masks need gymnasium")
            return (self.start + np.floor(self._np_random.random(self.shape) * self.nvec)).astype(self.dtype)

        def contains(self, x: Any) -> bool:
            x = np.asarray(x)
            return (
                x.shape == self.shape
                and np.issubdtype(x.dtype, np.integer)
                and bool(np.all(x >= self.start))
                and bool(np.all(x < self.start + self.nvec))
            )

        def __repr__(self) -> str:
            return f"MultiDiscrete({self.nvec})"

    class Dict(_Space):  # type: ignore[no-redef]
        """A dict of named spaces."""

        def __init__(self, spaces: dict, seed=None):
            super().__init__(None, None, seed)
            self.spaces = dict(spaces)

        def __getitem__(self, key: str):
            return self.spaces[key]

        def keys(self):
            return self.spaces.keys()

        def seed(self, seed: int | None = None):
            for i, s in enumerate(self.spaces.values()):
                s.seed(None if seed is None else seed + i)
            return [seed]

        def sample(self, mask=None) -> dict:
            return {k: s.sample() for k, s in self.spaces.items()}

        def contains(self, x: Any) -> bool:
            return (
                isinstance(x, dict)
                and x.keys() == self.spaces.keys()
                and all(s.contains(x[k]) for k, s in self.spaces.items())
            )

        def __repr__(self) -> str:
            return f"Dict({self.spaces})"


def masked_observation(shape_obs: tuple, shape_mask: tuple) -> "Dict":
    """Dict(observation: Box float32 shape_obs, action_mask: Box int8 shape_mask in {0, 1}):
    PettingZoo's masked-observation convention, for one agent or batched."""
    return Dict(
        {
            "observation": Box(-np.inf, np.inf, shape=shape_obs, dtype=np.float32),
            "action_mask": Box(0, 1, shape=shape_mask, dtype=np.int8),
        }
    )


def agent_spaces(obs_shape: tuple, num_actions: int):
    """The (observation, action) spaces of one agent: Dict(observation: Box float32 obs_shape,
    action_mask: Box int8 (N,) in {0, 1}) and Discrete(N)."""
    return masked_observation(tuple(obs_shape), (num_actions,)), Discrete(num_actions)
