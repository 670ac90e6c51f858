"""The channel-trace converters in examples/python (docs/channels.md "Converters") on small
synthetic data of DeepMIMO's and Sionna RT's output shapes, made here (nothing downloaded): each
trace element equals an independent computation from the input, the layout lists the positions
cell by cell, and bad input is a ValueError naming what was expected."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "python"


def load(name: str):
    sys.path.insert(0, str(EXAMPLES))
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def parse_layout(text: str):
    lines = text.strip().splitlines()
    assert lines[0] == "kind,x_m,y_m,orientation_deg,serving_bs"
    return [line.split(",") for line in lines[1:]]


def test_deepmimo_dhdrl_trace_and_layout(tmp_path):
    dm = load("deepmimo_to_semra")
    scenes = [dm.synthetic_dataset(bss=3, users=10, tx=4, subcarriers=8, seed=s) for s in (1, 2)]
    cells = [[7, 2], [0, 9], [4, 5]]
    out = dm.deepmimo_to_semra(scenes, cells, subcarrier=3)
    H = out["arrays"]["H"]
    assert H.shape == (2, 3, 6, 4) and H.dtype == np.complex128
    uts = [u for c in cells for u in c]
    for t in range(2):
        for b in range(3):
            for i, u in enumerate(uts):
                want = scenes[t][b]["user"]["channel"][u, 0, :, 3]
                assert np.array_equal(H[t, b, i], want.astype(np.complex128))
    rows = parse_layout(out["layout"])
    assert [r[0] for r in rows] == ["bs"] * 3 + ["ut"] * 6
    assert float(rows[1][1]) == 200.0  # BS 1 at x = 200 m
    loc = scenes[0][0]["user"]["location"]
    assert [int(r[4]) for r in rows[3:]] == [0, 0, 1, 1, 2, 2]
    assert float(rows[3][1]) == loc[7, 0] and float(rows[3][2]) == loc[7, 1]
    path = dm.write_trace(tmp_path / "t.npz", **out["arrays"])
    assert np.array_equal(np.load(path)["H"], H)


def test_deepmimo_vderl_rb_gains():
    dm = load("deepmimo_to_semra")
    scene = dm.synthetic_dataset(bss=2, users=5, tx=2, subcarriers=12, seed=3)
    out = dm.deepmimo_to_semra([scene], [4, 0, 1], scenario="vderl", rbs=3, tx_antenna=1)
    G = out["arrays"]["G_rb"]
    assert G.shape == (1, 2, 3, 3)
    for v in range(2):
        for k, u in enumerate([4, 0, 1]):
            for q in range(3):
                p = np.abs(scene[v]["user"]["channel"][u, 0, 1, 4 * q:4 * q + 4].astype(np.complex128)) ** 2
                assert G[0, v, k, q] == pytest.approx(p.mean(), rel=1e-6)
    assert all(r[4] == "" for r in parse_layout(out["layout"]) if r[0] == "ut")


def test_deepmimo_bad_input():
    dm = load("deepmimo_to_semra")
    scene = dm.synthetic_dataset(bss=2, users=4)
    with pytest.raises(ValueError, match="same number"):
        dm.deepmimo_to_semra([scene], [[0, 1], [2]])
    with pytest.raises(ValueError, match="user index out of range"):
        dm.deepmimo_to_semra([scene], [[0], [9]])
    with pytest.raises(ValueError, match="subcarrier 99"):
        dm.deepmimo_to_semra([scene], [[0], [1]], subcarrier=99)
    scene[1]["user"]["channel"] = scene[1]["user"]["channel"][0]
    with pytest.raises(ValueError, match="expected \\[users, rx antennas, tx antennas, subcarriers\\]"):
        dm.deepmimo_to_semra([scene], [[0], [1]])
    with pytest.raises(ValueError, match="divide|split"):
        dm.deepmimo_to_semra([dm.synthetic_dataset(subcarriers=10)], [0], scenario="vderl", rbs=3)
    bad = dm.synthetic_dataset(bss=1, users=2)
    bad[0]["user"]["channel"][1, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="not finite"):
        dm.deepmimo_to_semra([bad], [[0, 1]])


def test_sionna_cir_narrowband_and_cell_order():
    sn = load("sionna_to_semra")
    rng = np.random.default_rng(5)
    num_rx, num_tx, ant, paths, steps = 4, 2, 3, 5, 2
    a = rng.normal(size=(num_rx, 1, num_tx, ant, paths, steps)) + 1j * rng.normal(size=(num_rx, 1, num_tx, ant, paths, steps))
    tau = rng.uniform(0, 1e-6, (num_rx, num_tx, paths))
    serving = [1, 0, 1, 0]
    f = 30e3
    for args in [(a, tau), (a[None], tau[None]), ((a.real, a.imag), tau)]:  # 1.x, 0.x batch, drjit pair
        out = sn.cir_to_semra(*args, serving, frequency_hz=f)
        H = out["arrays"]["H"]
        assert list(out["order"]) == [1, 3, 0, 2]
        assert H.shape == (steps, num_tx, num_rx, ant)
        for t in range(steps):
            for b in range(num_tx):
                for i, r in enumerate(out["order"]):
                    for n in range(ant):
                        want = sum(a[r, 0, b, n, p, t] * np.exp(-2j * np.pi * f * tau[r, b, p]) for p in range(paths))
                        assert H[t, b, i, n] == pytest.approx(want, rel=1e-12)
    rows = parse_layout(sn.layout([[0, 0, 10], [100, 0, 10]], [[1, 1, 1], [2, 2, 1], [3, 3, 1], [4, 4, 1]],
                                  out["order"], serving))
    assert [(r[1], r[4]) for r in rows if r[0] == "ut"] == [("2.0", "0"), ("4.0", "0"), ("1.0", "1"), ("3.0", "1")]
    with pytest.raises(ValueError, match="same number"):
        sn.cir_to_semra(a, tau, [0, 0, 0, 1])
    with pytest.raises(ValueError, match="tau: shape"):
        sn.cir_to_semra(a, tau[:, :, :2], serving)
    with pytest.raises(ValueError, match="expected 6 axes"):
        sn.cir_to_semra(a[0], tau, serving)


def test_sionna_cfr_dhdrl_and_vderl():
    sn = load("sionna_to_semra")
    rng = np.random.default_rng(6)
    num_rx, num_tx, ant, steps, freqs = 3, 3, 2, 2, 8
    h = rng.normal(size=(num_rx, 1, num_tx, ant, steps, freqs)) + 1j * rng.normal(size=(num_rx, 1, num_tx, ant, steps, freqs))
    out = sn.cfr_to_semra(h, serving=[2, 0, 1], frequency_index=5)
    H = out["arrays"]["H"]
    assert list(out["order"]) == [1, 2, 0]
    assert np.array_equal(H[1, 2, 0], h[1, 0, 2, :, 1, 5])
    g = sn.cfr_to_semra(h, scenario="vderl", rbs=4, tx_antenna=1)["arrays"]["G_rb"]
    assert g.shape == (steps, num_tx, num_rx, 4)
    assert g[1, 0, 2, 3] == pytest.approx(np.mean(np.abs(h[2, 0, 0, 1, 1, 6:8]) ** 2), rel=1e-12)
    with pytest.raises(ValueError, match="rbs"):
        sn.cfr_to_semra(h, scenario="vderl")
    with pytest.raises(ValueError, match="scenario"):
        sn.cfr_to_semra(h, scenario="lte")


def test_write_trace_refuses_bad_arrays(tmp_path):
    st = load("semra_traces")
    with pytest.raises(ValueError, match="expected a .npz"):
        st.write_trace(tmp_path / "t.mat", H=np.ones((1, 1, 1, 1), complex))
    with pytest.raises(ValueError, match="negative gain"):
        st.write_trace(tmp_path / "t.npz", G=-np.ones((1, 1, 1, 1)))
    with pytest.raises(ValueError, match="complex, expected real"):
        st.write_trace(tmp_path / "t.npz", G_rb=np.ones((1, 1, 1, 1), complex))
    with pytest.raises(ValueError, match="shape"):
        st.write_trace(tmp_path / "t.npz", H=np.ones((2, 2, 2), complex))
    with pytest.raises(ValueError, match="expected one of"):
        st.write_trace(tmp_path / "t.npz", X=np.ones((1, 1, 1, 1)))
    assert not (tmp_path / "t.npz").exists()


def test_demos_run(tmp_path, capsys):
    for name in ("deepmimo_to_semra", "sionna_to_semra"):
        load(name).main(["--demo", str(tmp_path / name)])
        assert (tmp_path / name / "trace.npz").exists() and (tmp_path / name / "layout.csv").exists()
    assert capsys.readouterr().out.count("wrote") == 2
