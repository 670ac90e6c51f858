"""Turns Sionna RT output into a semra channel trace and layout (docs/channels.md "Converters").
NumPy only; the trace is written as .npz, which semra reads.

Sionna RT (>= 1.0) after `paths = PathSolver()(scene, ...)`:
    a, tau = paths.cir(sampling_frequency=1/slot, num_time_steps=T, out_type="numpy")
        a    complex [num_rx, num_rx_ant, num_tx, num_tx_ant, num_paths, num_time_steps]
        tau  [num_rx, num_tx, num_paths] (synthetic arrays) or
             [num_rx, num_rx_ant, num_tx, num_tx_ant, num_paths], seconds
    h_f = paths.cfr(frequencies, sampling_frequency=1/frame, num_time_steps=T, out_type="numpy")
        h_f  complex [num_rx, num_rx_ant, num_tx, num_tx_ant, num_time_steps, num_frequencies]
(Sionna 0.x returned the same with a leading batch axis of size 1, accepted here; drjit's (real,
imag) pair is accepted as well.) Transmitters are semra's BSs / servers, receivers its UTs / users.
Time steps become slots (dhdrl) or frames (vderl): sample them at semra's slot or frame duration.

    cir_to_semra(a, tau, serving)        -> dhdrl H, narrowband at `frequency_hz` from the carrier:
                                            h = sum_p a_p exp(-j 2 pi f tau_p)
    cfr_to_semra(h_f, scenario="dhdrl", serving=..., frequency_index=k)  -> dhdrl H at one frequency
    cfr_to_semra(h_f, scenario="vderl", rbs=Q) -> vderl G_rb: |h_f|^2 averaged over each RB's block
                                            of frequencies (server antenna `tx_antenna`)
dhdrl's UTs are listed cell by cell: `serving[r]` is receiver r's BS, each BS serves equally many,
and the receivers are reordered (stably) by their BS; the result's "order" gives that order.
`python3 sionna_to_semra.py --demo DIR` converts synthetic arrays of those shapes.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from semra_traces import check_trace, layout_csv, rb_gains, write_trace  # noqa: E402


def _complex(x, name: str, rank: int) -> np.ndarray:
    if isinstance(x, (tuple, list)) and len(x) == 2:
        x = np.asarray(x[0]) + 1j * np.asarray(x[1])
    x = np.asarray(x)
    if x.ndim == rank + 1 and x.shape[0] == 1:  # Sionna 0.x: batch axis of size 1
        x = x[0]
    if x.ndim != rank:
        raise ValueError(f"Sionna {name}: shape {x.shape}, expected {rank} axes (see the module doc)")
    return x


def cell_order(serving, num_tx: int) -> np.ndarray:
    """Receiver indices cell by cell (stable), refusing unequal cells."""
    s = np.asarray(serving, dtype=int)
    if s.ndim != 1 or np.any(s < 0) or np.any(s >= num_tx):
        raise ValueError(f"serving: one BS index in 0..{num_tx - 1} per receiver")
    counts = np.bincount(s, minlength=num_tx)
    if counts.min() != counts.max() or counts[0] == 0:
        raise ValueError(f"serving: every BS must serve the same number of receivers (got {counts.tolist()})")
    return np.argsort(s, kind="stable")


def cir_to_semra(a, tau, serving, *, frequency_hz: float = 0.0, rx_antenna: int = 0) -> dict:
    """dhdrl trace H [time steps, BSs, UTs, antennas] from a CIR. Returns {"arrays", "order"}."""
    a = _complex(a, "a", 6)
    tau = np.asarray(tau, dtype=float)
    if tau.ndim in (4, 6) and tau.shape[0] == 1:
        tau = tau[0]
    num_rx, n_rx_ant, num_tx, n_tx_ant, paths, steps = a.shape
    if tau.shape == (num_rx, num_tx, paths):
        tau = tau[:, None, :, None, :]
    elif tau.shape != (num_rx, n_rx_ant, num_tx, n_tx_ant, paths):
        raise ValueError(f"Sionna tau: shape {tau.shape}, expected {(num_rx, num_tx, paths)} or "
                         f"{(num_rx, n_rx_ant, num_tx, n_tx_ant, paths)}")
    if not 0 <= rx_antenna < n_rx_ant:
        raise ValueError(f"rx_antenna {rx_antenna} outside 0..{n_rx_ant - 1}")
    phase = np.exp(-2j * np.pi * frequency_hz * tau)  # [rx, rx_ant|1, tx, tx_ant|1, paths]
    h = np.sum(a * phase[..., None], axis=4)  # [rx, rx_ant, tx, tx_ant, steps]
    order = cell_order(serving, num_tx)
    H = np.transpose(h[order, rx_antenna], (3, 1, 0, 2))  # [steps, tx, UTs, tx_ant]
    return {"arrays": {"H": check_trace("H", H)}, "order": order}


def cfr_to_semra(h_f, *, scenario: str = "dhdrl", serving=None, frequency_index: int = 0,
                 rbs: int | None = None, rx_antenna: int = 0, tx_antenna: int = 0) -> dict:
    """dhdrl H at one frequency, or vderl G_rb, from a CFR. Returns {"arrays", "order"}."""
    h = _complex(h_f, "h_f", 6)
    num_rx, n_rx_ant, num_tx, n_tx_ant, steps, freqs = h.shape
    if not 0 <= rx_antenna < n_rx_ant:
        raise ValueError(f"rx_antenna {rx_antenna} outside 0..{n_rx_ant - 1}")
    if scenario == "dhdrl":
        if not 0 <= frequency_index < freqs:
            raise ValueError(f"frequency_index {frequency_index} outside 0..{freqs - 1}")
        order = cell_order(serving, num_tx)
        H = np.transpose(h[order, rx_antenna, :, :, :, frequency_index], (3, 1, 0, 2))
        return {"arrays": {"H": check_trace("H", H)}, "order": order}
    if scenario == "vderl":
        if rbs is None:
            raise ValueError("vderl: give rbs (network.rbs)")
        if not 0 <= tx_antenna < n_tx_ant:
            raise ValueError(f"tx_antenna {tx_antenna} outside 0..{n_tx_ant - 1}")
        p = np.abs(h[:, rx_antenna, :, tx_antenna]) ** 2  # [users, servers, steps, freqs]
        g = rb_gains(p, rbs)  # [users, servers, steps, RBs]
        return {"arrays": {"G_rb": check_trace("G_rb", np.transpose(g, (2, 1, 0, 3)))},
                "order": np.arange(num_rx)}
    raise ValueError(f"scenario {scenario!r}: expected 'dhdrl' or 'vderl'")


def layout(tx_positions, rx_positions, order, serving=None, tx_orientation_deg=None) -> str:
    """The layout CSV (metres; z dropped) with the receivers in the trace's `order`."""
    rx = np.asarray(rx_positions, dtype=float)[np.asarray(order)]
    s = [-1] * len(rx) if serving is None else [int(serving[i]) for i in order]
    return layout_csv(tx_positions, rx, s, tx_orientation_deg)


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--demo", metavar="DIR", required=True,
                   help="convert synthetic Sionna-shaped arrays into DIR/trace.npz and DIR/layout.csv")
    args = p.parse_args(argv)
    rng = np.random.default_rng(0)
    num_rx, num_tx, ant, paths, steps = 6, 3, 8, 5, 4
    a = (rng.normal(size=(num_rx, 1, num_tx, ant, paths, steps))
         + 1j * rng.normal(size=(num_rx, 1, num_tx, ant, paths, steps))) * 1e-6
    tau = rng.uniform(0, 1e-6, (num_rx, num_tx, paths))
    serving = [0, 1, 2, 0, 1, 2]
    res = cir_to_semra(a, tau, serving)
    out_dir = Path(args.demo)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_trace(out_dir / "trace.npz", **res["arrays"])
    tx_pos = [[0.0, 0.0, 25.0], [200.0, 0.0, 25.0], [400.0, 0.0, 25.0]]
    rx_pos = rng.uniform(-100, 500, (num_rx, 3))
    (out_dir / "layout.csv").write_text(layout(tx_pos, rx_pos, res["order"], serving))
    print(f"wrote {out_dir / 'trace.npz'} (H {res['arrays']['H'].shape}) and {out_dir / 'layout.csv'}")
    return res


if __name__ == "__main__":
    main()
