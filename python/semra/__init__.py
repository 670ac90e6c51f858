"""semra from Python: both scenarios as PettingZoo parallel environments, a batched vector
environment with Gymnasium's conventions, experiments (the CLI's `semra run`), a Python policy
scored by semra's own metrics and statistics (semra.evaluate), and networks of semra's NN engine
(read, run, write). docs/python.md."""
from __future__ import annotations

from . import _core, stats
from .evaluation import HeuristicPolicy, evaluate, heuristic_policy
from .environments import ParallelEnv, VectorEnv, env, parallel_env, vector_env
from .network import Network, load_network, save_network
from .results import Results, load_results
from .run import run

__version__: str = _core.__version__

__all__ = [
    "__version__",
    "scenarios",
    "parallel_env",
    "vector_env",
    "env",
    "run",
    "evaluate",
    "heuristic_policy",
    "HeuristicPolicy",
    "load_results",
    "load_network",
    "save_network",
    "Network",
    "ParallelEnv",
    "VectorEnv",
    "Results",
    "stats",
]


def scenarios() -> list[str]:
    """Names of the scenarios, as `semra list` shows them: ["dhdrl", "vderl"]."""
    return list(_core.scenarios())
