"""semra from Python: both scenarios as PettingZoo-style parallel environments, a batched vector
environment, experiments (the CLI's `semra run`) and trained networks. docs/python.md."""
from __future__ import annotations

from . import _core, stats
from .env import ParallelEnv, VectorEnv, parallel_env, vector_env
from .results import Results, load_network, load_results
from .run import run

__version__: str = _core.__version__

__all__ = [
    "__version__",
    "scenarios",
    "parallel_env",
    "vector_env",
    "run",
    "load_results",
    "load_network",
    "ParallelEnv",
    "VectorEnv",
    "Results",
    "stats",
]


def scenarios() -> list[str]:
    """Names of the scenarios, as `semra list` shows them: ["dhdrl", "vderl"]."""
    return list(_core.scenarios())
