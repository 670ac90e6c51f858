"""Turns a DeepMIMO dataset (ray-traced with Wireless InSite) into a semra channel trace and layout
(docs/channels.md "Converters"). NumPy only; the trace is written as .npz, which semra reads.

DeepMIMO's Python package (v2/v3: `dataset = DeepMIMO.generate_data(parameters)`) returns one dict
per active BS b with
    dataset[b]['user']['channel']   complex [users, rx antennas, tx antennas, subcarriers]
                                    (OFDM channels; y = H x, so the MISO row of BS b to user u is
                                    channel[u, rx, :, k], no conjugation, as semra's h_bu)
    dataset[b]['user']['location']  [users, 3] metres
    dataset[b]['location']          [3] metres (the BS)
A static scenario is one snapshot: the trace has one slot, replayed every slot (semra wraps a trace
around). A dynamic scenario (scene_first..scene_last) gives one dataset per scene: pass them in
order, one slot (dhdrl) or frame (vderl) each.

Use from Python, after generating the dataset:
    from deepmimo_to_semra import deepmimo_to_semra
    out = deepmimo_to_semra([dataset], cells_users=[[0, 1], [40, 41], [80, 81]])
    write_trace("site.npz", **out["arrays"]); Path("site.csv").write_text(out["layout"])
`python3 deepmimo_to_semra.py --demo DIR` converts a small synthetic dataset of those shapes.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from semra_traces import check_trace, layout_csv, rb_gains, write_trace  # noqa: E402


def _channel(scene, b: int) -> np.ndarray:
    try:
        ch = np.asarray(scene[b]["user"]["channel"])
    except (KeyError, IndexError, TypeError) as e:
        raise ValueError(f"DeepMIMO dataset: BS {b} has no ['user']['channel'] ({e!r})") from None
    if ch.ndim != 4:
        raise ValueError(f"DeepMIMO dataset: BS {b} channel of shape {ch.shape}, "
                         "expected [users, rx antennas, tx antennas, subcarriers]")
    return ch


def deepmimo_to_semra(scenes, cells_users, *, scenario: str = "dhdrl", subcarrier: int = 0,
                      rbs: int | None = None, rx_antenna: int = 0, tx_antenna: int = 0) -> dict:
    """scenes: DeepMIMO datasets in time order (each a list of per-BS dicts, same BSs and users).
    dhdrl: cells_users[b] = the DeepMIMO user indices BS b serves (network.users_per_cell each); the
    trace's UTs are them cell by cell. H[t, b, u, n] = channel of BS b to UT u at `subcarrier`.
    vderl: cells_users = the user indices (flat); G_rb[t, v, k, q] = |channel|^2 of server antenna
    `tx_antenna`, averaged over RB q's block of subcarriers (rbs blocks).
    Returns {"arrays": {name: array}, "layout": CSV text}."""
    scenes = list(scenes)
    if not scenes:
        raise ValueError("DeepMIMO: no scene given")
    bss = len(scenes[0])
    if bss == 0:
        raise ValueError("DeepMIMO: the dataset has no BS")
    if scenario == "dhdrl":
        per_cell = [list(map(int, c)) for c in cells_users]
        if len(per_cell) != bss or len({len(c) for c in per_cell}) != 1 or not per_cell[0]:
            raise ValueError(f"DeepMIMO dhdrl: cells_users must list the same number (>= 1) of users for "
                             f"each of the {bss} BSs")
        users = [u for c in per_cell for u in c]
        serving = [b for b, c in enumerate(per_cell) for _ in c]
    elif scenario == "vderl":
        users = [int(u) for u in cells_users]
        serving = [-1] * len(users)
        if not users or rbs is None:
            raise ValueError("DeepMIMO vderl: give the user indices and rbs")
    else:
        raise ValueError(f"scenario {scenario!r}: expected 'dhdrl' or 'vderl'")
    rows = []
    for t, scene in enumerate(scenes):
        if len(scene) != bss:
            raise ValueError(f"DeepMIMO: scene {t} has {len(scene)} BSs, scene 0 has {bss}")
        per_bs = []
        for b in range(bss):
            ch = _channel(scene, b)
            if max(users) >= ch.shape[0] or min(users) < 0:
                raise ValueError(f"DeepMIMO: user index out of range 0..{ch.shape[0] - 1} (BS {b}, scene {t})")
            if not 0 <= rx_antenna < ch.shape[1]:
                raise ValueError(f"DeepMIMO: rx_antenna {rx_antenna} outside 0..{ch.shape[1] - 1}")
            h = ch[users, rx_antenna]  # [UTs, tx antennas, subcarriers]
            if scenario == "dhdrl":
                if not 0 <= subcarrier < h.shape[-1]:
                    raise ValueError(f"DeepMIMO: subcarrier {subcarrier} outside 0..{h.shape[-1] - 1}")
                per_bs.append(h[:, :, subcarrier])  # [UTs, antennas]
            else:
                if not 0 <= tx_antenna < h.shape[1]:
                    raise ValueError(f"DeepMIMO: tx_antenna {tx_antenna} outside 0..{h.shape[1] - 1}")
                per_bs.append(rb_gains(np.abs(h[:, tx_antenna, :]) ** 2, rbs))  # [users, RBs]
        rows.append(np.stack(per_bs))
    name = "H" if scenario == "dhdrl" else "G_rb"
    arrays = {name: check_trace(name, np.stack(rows))}
    first = scenes[0]
    bs_xy = np.array([np.asarray(first[b]["location"], dtype=float).reshape(-1)[:2] for b in range(bss)])
    ut_xy = np.asarray(first[0]["user"]["location"], dtype=float)[users]
    return {"arrays": arrays, "layout": layout_csv(bs_xy, ut_xy, serving)}


def synthetic_dataset(bss=3, users=12, rx=1, tx=8, subcarriers=16, seed=0):
    """A DeepMIMO-shaped dataset of random channels (tests and --demo only)."""
    rng = np.random.default_rng(seed)
    ut = np.c_[rng.uniform(-300, 300, (users, 2)), np.full(users, 1.5)]
    out = []
    for b in range(bss):
        ch = (rng.normal(size=(users, rx, tx, subcarriers)) + 1j * rng.normal(size=(users, rx, tx, subcarriers))) * 1e-6
        out.append({"user": {"channel": ch.astype(np.complex64), "location": ut},
                    "location": np.array([200.0 * b, 0.0, 25.0])})
    return out


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--demo", metavar="DIR", required=True,
                   help="convert a synthetic DeepMIMO-shaped dataset into DIR/trace.npz and DIR/layout.csv")
    args = p.parse_args(argv)
    out_dir = Path(args.demo)
    out_dir.mkdir(parents=True, exist_ok=True)
    res = deepmimo_to_semra([synthetic_dataset()], cells_users=[[0, 1], [2, 3], [4, 5]])
    write_trace(out_dir / "trace.npz", **res["arrays"])
    (out_dir / "layout.csv").write_text(res["layout"])
    print(f"wrote {out_dir / 'trace.npz'} (H {res['arrays']['H'].shape}) and {out_dir / 'layout.csv'}")
    return res


if __name__ == "__main__":
    main()
