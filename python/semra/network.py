"""Networks of semra's NN engine from Python: read a `.semrann` file (--save-models), run its
forward pass, write one (from numpy or PyTorch weights) that `semra run --set eval.load=...`
loads. Parsing, the forward pass and writing are the C++ engine's (src/semra/nn/mlp.hpp; format
in docs/nn.md)."""
from __future__ import annotations

import os
from typing import Any, Sequence

import numpy as np

from . import _checks, _core

ACTIVATIONS = ("relu", "tanh", "identity")


class Network:
    """A multi-layer perceptron: y = act(... relu(x W_0^T + b_0) ...) with `hidden` between layers
    and `output` after the last (the learners' Q networks: relu / identity).

    Network(layers, hidden="relu", output="identity") from [(W [out, in], b [out]), ...] in
    torch.nn.Linear's layout; Network.load(path) from a .semrann file.
    """

    def __init__(self, layers: Sequence[tuple[Any, Any]], hidden: str = "relu",
                 output: str = "identity"):
        _checks.choice("hidden", hidden, ACTIVATIONS)
        _checks.choice("output", output, ACTIVATIONS)
        self._net = _core.Network.from_layers(_as_layers(layers), hidden, output)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Network":
        """The network in a .semrann file (magic, version, shapes and checksum checked in C++; a
        bad or missing file raises ValueError naming it)."""
        net = cls.__new__(cls)
        net._net = _core.Network.from_file(_checks.path("path", path, allow_none=False))
        return net

    @property
    def layers(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """[(W float32 [out, in], b float32 [out]), ...] (copies)."""
        return [(w, b) for w, b in self._net.layers()]

    @property
    def sizes(self) -> list[int]:
        """[in, hidden..., out]."""
        return list(self._net.sizes)

    @property
    def hidden(self) -> str:
        """Activation between layers."""
        return self._net.hidden

    @property
    def output(self) -> str:
        """Activation after the last layer."""
        return self._net.output

    def forward(self, obs: Any) -> np.ndarray:
        """The network's output (float32 [n, out]) for obs [n, in] (or [out] for one obs [in]):
        the same C++ forward pass the learners use."""
        x, one = self._rows(obs)
        out = self._net.forward(x)
        return out[0] if one else out

    __call__ = forward

    def greedy(self, obs: Any, mask: Any) -> np.ndarray:
        """The masked argmax of the output (int64 [n], or a scalar for one obs): how the learners
        act when evaluating. mask: [n, out] (or [out]), 1 = allowed."""
        x, one = self._rows(obs)
        m = np.asarray(mask)
        if m.ndim == 1:
            m = m[None, :]
        out = self._net.greedy(x, m.astype(np.int8, copy=False))
        return out[0] if one else out

    def save(self, path: str | os.PathLike) -> None:
        """Writes the network as a .semrann file (docs/nn.md), whole or not at all: a temporary file
        next to `path` renamed into place."""
        self._net.save(_checks.path("path", path, allow_none=False))

    def _rows(self, obs: Any) -> tuple[np.ndarray, bool]:
        try:
            x = np.asarray(obs, dtype=np.float32)
        except (TypeError, ValueError):
            raise ValueError(f"obs {_checks.shown(obs)}: expected an array of numbers") from None
        if x.ndim == 1:
            return x[None, :], True
        return x, False

    def __repr__(self) -> str:
        return f"semra.Network({self._net.shape})"


def _as_layers(layers: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    try:
        items = list(layers)
    except TypeError:
        raise ValueError(f"layers {_checks.shown(layers)}: expected a list of (W, b) pairs") from None
    out = []
    for i, pair in enumerate(items):
        try:
            w, b = pair
        except (TypeError, ValueError):
            raise ValueError(f"layers[{i}]: expected a (W, b) pair") from None
        arrays = []
        for name, x in (("W", w), ("b", b)):
            if hasattr(x, "detach"):  # a torch tensor
                x = x.detach().cpu().numpy()
            try:
                arrays.append(np.ascontiguousarray(x, dtype=np.float32))
            except (TypeError, ValueError):
                raise ValueError(f"layers[{i}]: {name} {_checks.shown(x)}: expected an array of "
                                 "numbers") from None
        out.append((arrays[0], arrays[1]))
    return out


def load_network(path: str | os.PathLike) -> list[tuple[np.ndarray, np.ndarray]]:
    """A network written by --save-models or save_network (*.semrann) as [(W, b), ...], one pair
    per layer in torch.nn.Linear's layout: W float32 [out, in], b float32 [out]. Hidden layers use
    ReLU and the output is linear for the learners' networks (Network.load(path) says which).
    Parsed and checked (magic, version, shapes, checksum) by the C++ loader; a bad file raises
    ValueError naming it."""
    return Network.load(path).layers


def save_network(layers: Sequence[tuple[Any, Any]], path: str | os.PathLike,
                 hidden: str = "relu", output: str = "identity") -> None:
    """Writes [(W [out, in], b [out]), ...] (numpy arrays or torch tensors, torch.nn.Linear's
    layout) as a .semrann file: the inverse of load_network. A network with the architecture a
    scheme expects then runs in the CLI (`semra run dhdrl --scheme ddrl --set eval.load=DIR --set
    train.enabled=false`; file names in docs/python.md). Non-finite weights, shapes that do not
    chain, or a path that cannot be written raise ValueError; nothing is left half-written."""
    Network(layers, hidden=hidden, output=output).save(path)
