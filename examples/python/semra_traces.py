"""Writing semra channel traces and layouts from NumPy (docs/channels.md), shared by the converters
deepmimo_to_semra.py and sionna_to_semra.py. NumPy only.

A trace file is a .npz (numpy.savez; semra also reads MATLAB .mat v5 / v7.3 and .npy) holding
  H     complex [slots, BSs, UTs, antennas]   dhdrl: MISO channel, complex amplitude
  G     real    [slots, BSs, UTs, codewords]  dhdrl: beam gains |h w_c|^2, linear power
  G_rb  real    [frames, servers, users, RBs] vderl: per-RB gains, linear power
A layout file is a CSV: kind,x_m,y_m,orientation_deg,serving_bs (one row per BS, then per UT).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

VARIABLES = {"H": (True, "[slots, BSs, UTs, antennas]"),
             "G": (False, "[slots, BSs, UTs, codewords]"),
             "G_rb": (False, "[frames, servers, users, RBs]")}


def check_trace(name: str, array) -> np.ndarray:
    """`array` as semra reads it (complex128 for H, float64 otherwise), or ValueError naming the
    variable and what was expected: rank 4, no empty axis, finite values, gains >= 0."""
    if name not in VARIABLES:
        raise ValueError(f"trace variable {name!r}: expected one of {', '.join(VARIABLES)}")
    is_complex, layout = VARIABLES[name]
    a = np.asarray(array)
    if a.ndim != 4 or 0 in a.shape:
        raise ValueError(f"trace variable {name}: shape {a.shape}, expected {layout} (4 non-empty axes)")
    if not np.issubdtype(a.dtype, np.number) or np.issubdtype(a.dtype, np.integer):
        raise ValueError(f"trace variable {name}: dtype {a.dtype}, expected float or complex")
    if is_complex:
        a = a.astype(np.complex128)
    else:
        if np.iscomplexobj(a):
            raise ValueError(f"trace variable {name}: complex, expected real linear power gains {layout}")
        a = a.astype(np.float64)
    if not np.all(np.isfinite(a)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
        raise ValueError(f"trace variable {name}: element {bad} is not finite")
    if not is_complex and np.any(a < 0):
        raise ValueError(f"trace variable {name}: negative gain, expected linear power >= 0")
    return np.ascontiguousarray(a)


def write_trace(path, **arrays) -> Path:
    """Writes the named trace arrays (H, G, G_rb) to `path` (.npz), checked first."""
    path = Path(path)
    if path.suffix.lower() != ".npz":
        raise ValueError(f"trace file {path}: expected a .npz path")
    checked = {name: check_trace(name, a) for name, a in arrays.items()}
    if not checked:
        raise ValueError("write_trace: no array given (H, G or G_rb)")
    np.savez(path, **checked)
    return path


def layout_csv(bs_xy, ut_xy, serving, bs_orientation_deg=None) -> str:
    """The layout CSV of BS positions [B, 2+] (metres; z ignored), UT positions [U, 2+] and each
    UT's serving BS index (or -1: none)."""
    bs = np.asarray(bs_xy, dtype=float)
    ut = np.asarray(ut_xy, dtype=float)
    serving = [int(s) for s in serving]
    if bs.ndim != 2 or bs.shape[1] < 2 or ut.ndim != 2 or ut.shape[1] < 2:
        raise ValueError(f"layout: positions of shape {bs.shape} and {ut.shape}, expected [N, 2] or [N, 3]")
    if len(serving) != len(ut) or any(s < -1 or s >= len(bs) for s in serving):
        raise ValueError(f"layout: serving must give a BS index in 0..{len(bs) - 1} (or -1) for each of {len(ut)} UTs")
    orient = np.zeros(len(bs)) if bs_orientation_deg is None else np.asarray(bs_orientation_deg, dtype=float)
    if orient.shape != (len(bs),) or not (np.all(np.isfinite(bs[:, :2])) and np.all(np.isfinite(ut[:, :2]))
                                           and np.all(np.isfinite(orient))):
        raise ValueError("layout: positions and orientations must be finite, one orientation per BS")
    rows = ["kind,x_m,y_m,orientation_deg,serving_bs"]
    rows += [f"bs,{x!r},{y!r},{o!r}," for (x, y), o in zip(bs[:, :2].tolist(), orient.tolist())]
    rows += [f"ut,{x!r},{y!r},,{'' if s < 0 else s}" for (x, y), s in zip(ut[:, :2].tolist(), serving)]
    return "\n".join(rows) + "\n"


def rb_gains(power, rbs: int) -> np.ndarray:
    """Per-RB linear power gains from per-subcarrier powers [..., subcarriers]: the mean over each
    RB's contiguous block of subcarriers (subcarriers must be a multiple of rbs)."""
    p = np.asarray(power, dtype=float)
    k = p.shape[-1]
    if rbs < 1 or k % rbs != 0:
        raise ValueError(f"{k} subcarriers do not split into {rbs} RBs of equal size")
    return p.reshape(*p.shape[:-1], rbs, k // rbs).mean(axis=-1)
