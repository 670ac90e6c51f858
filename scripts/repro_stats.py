#!/usr/bin/python3
"""Statistics for docs/reproduction.md from semra output directories (summary.json, metrics.csv).

Usage (Debian's /usr/bin/python3 with numpy and semra's Python module: build/python of this checkout
is found by itself, an installed `semra` otherwise):
  scripts/repro_stats.py compare A_DIR[:SCHEME] B_DIR[:SCHEME] [--metric final_qoe] [--at X]
      mean +- 95% CI of each side over seeds, ratio of means, Welch two-sided p; when both sides
      ran the same seeds (the same deployments), also the per-seed ratio A/B with its 95% CI. A
      quoted glob ('OUT/eval-*-seed*:dhdrl') pools the seeds of several one-seed directories.
      A figure over an x axis (e.g. vderl-latency-vs-users) holds one value per point: --at X
      names the point (the x value, e.g. --at 20 for U = 20).
  scripts/repro_stats.py summary DIR [--metric M] [--at X]
      every scheme's mean +- 95% CI and per-seed values.
  scripts/repro_stats.py early DIR SCHEME FROM TO [--column qoe] [--vs B_DIR:SCHEME]
      mean of a metrics.csv column over steps [FROM, TO), per seed and over seeds; with --vs, the
      same window of B, the ratio and Welch p (a learning-speed comparison).
  scripts/repro_stats.py reach DIR SCHEME LEVEL [--column qoe] [--window 5]
      first step at which the moving average (window rows) reaches LEVEL, per seed.
  scripts/repro_stats.py published DIR SCHEME CSV COLUMN FROM TO [--column qoe]
      ours (mean of a metrics.csv column over steps [FROM, TO), per seed, then mean +- 95% CI)
      against a published curve (data/dhdrl-published/C7.csv, column COLUMN: the mean of its
      points whose bin [slot - 250, slot + 250) starts in [FROM, TO)), and their difference.
  scripts/repro_stats.py convergence DIR SCHEME [--fraction 0.9] [--window 5]
      vderl: iterations to convergence per seed under two definitions: semra's (summary.json
      convergence_iteration: the curve enters and stays within 5% of its final moving average) and
      the first iteration whose moving average reaches `fraction` of the final one.
"""
import argparse
import csv
import glob
import json
import os
import sys

import numpy as np


# The statistics are semra's own (semra.stats: the C++ code behind summary.json), not a copy.
_BUILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "python")
if os.path.isdir(_BUILD):
    sys.path.insert(0, _BUILD)
try:
    from semra import stats
except ImportError as e:
    print(f"repro_stats.py: needs the semra Python module ({e}); build it (make test) or set PYTHONPATH", file=sys.stderr)
    sys.exit(2)


def fail(message):
    """Bad input: one line naming it, exit code 2 (as semra's CLI)."""
    print(f"repro_stats.py: {message}", file=sys.stderr)
    sys.exit(2)


def read_summary(run_dir):
    path = os.path.join(run_dir, "summary.json")
    if not os.path.isfile(path):
        fail(f"{run_dir}: no summary.json (not a finished semra run directory)")
    with open(path) as f:
        return json.load(f)


# ---- semra outputs
def point_index(run_dir, s, at):
    """Index of the x value `at` in a figure's summary over an x axis (None when it has none)."""
    if "x" not in s:
        if at is not None:
            fail(f"{run_dir}: --at {at}: this run has no x axis")
        return None
    xs = [str(x) for x in s["x"]]
    if at is None:
        fail(f"{run_dir}: a figure over {s.get('x_name', 'x')} = {', '.join(xs)}: name the point with --at")
    for i, x in enumerate(s["x"]):
        try:
            if float(x) == float(at):
                return i
        except (TypeError, ValueError):
            if str(x) == at:
                return i
    fail(f"{run_dir}: --at {at}: not a point of {s.get('x_name', 'x')} (has {', '.join(xs)})")


def per_seed(run_dir, scheme, metric, at=None):
    """Per-seed values of `metric` (at the x point `at` of a figure over an x axis); a glob pattern
    (quoted) pools the seeds of several directories, e.g. the one-seed greedy evaluations of saved
    models."""
    if any(c in run_dir for c in "*?["):
        dirs = sorted(glob.glob(run_dir))
        if not dirs:
            fail(f"{run_dir}: matches no directory")
        values, seeds = [], []
        for d in dirs:
            v, sd = per_seed(d, scheme, metric, at)
            values += v
            seeds += sd
        return values, seeds
    s = read_summary(run_dir)
    if "points" in s:
        fail(f"{run_dir}: a sweep (one value per grid point); its summary.json 'comparisons' hold the per-point tests")
    if scheme not in s["schemes"]:
        fail(f"{run_dir}: no scheme '{scheme}' (has {', '.join(s['schemes'])})")
    m = s["schemes"][scheme].get(metric)
    if not isinstance(m, dict) or "per_seed" not in m:
        fail(f"{run_dir}: scheme '{scheme}' has no per-seed metric '{metric}'")
    i = point_index(run_dir, s, at)
    return (m["per_seed"] if i is None else m["per_seed"][i]), s["seeds"]


def rows(run_dir, scheme, column):
    out = {}
    path = os.path.join(run_dir, "metrics.csv")
    if not os.path.isfile(path):
        fail(f"{run_dir}: no metrics.csv (not a finished semra run directory)")
    with open(path) as f:
        for r in csv.DictReader(f):
            if r["scheme"] == scheme:
                out.setdefault(int(r["seed"]), []).append((int(r["step"]), float(r[column])))
    return out


def moving_average(y, window):
    y = np.asarray(y, float)
    c = np.cumsum(np.insert(y, 0, 0.0))
    out = np.empty_like(y)
    for i in range(len(y)):
        lo = max(0, i + 1 - window)
        out[i] = (c[i + 1] - c[lo]) / (i + 1 - lo)
    return out


def split(spec, default_scheme):
    if ":" in spec:
        d, s = spec.rsplit(":", 1)
        return d, s
    return spec, default_scheme


def fmt(m, c):
    return f"{m:.4f} +- {c:.4f}"


def print_ratio(xa, xb, seeds_a=None, seeds_b=None):
    """A against B: ratio of the means, relative difference, Welch p; with the same seeds on both
    sides, the per-seed ratio's mean and 95% CI (the seeds pair the deployments)."""
    ma, mb = stats.mean_ci95(xa)[0], stats.mean_ci95(xb)[0]
    print(f"A/B = {ma / mb:.4f}  (A-B)/|B| = {(ma - mb) / abs(mb):+.2%}  Welch p = {stats.welch_p(xa, xb):.3g}")
    if seeds_a is not None and list(seeds_a) == list(seeds_b) and len(xa) >= 2:
        r = [x / y for x, y in zip(xa, xb)]
        m, c = stats.mean_ci95(r)
        print(f"per-seed A/B = {m:.4f} +- {c:.4f} (95% CI [{m - c:.4f}, {m + c:.4f}])  {[round(x, 4) for x in r]}")


def published_curve(path, column):
    """(slot, value) of one column of a published-curves CSV (slot,NAME,...; empty = no point)."""
    if not os.path.isfile(path):
        fail(f"{path}: no such published-curves file")
    with open(path, newline="") as f:
        rd = csv.reader(f)
        header = next(rd, [])
        if not header or header[0] != "slot":
            fail(f"{path}: expected a header slot,NAME,...")
        if column not in header[1:]:
            fail(f"{path}: no column '{column}' (has {', '.join(header[1:])})")
        j = header.index(column)
        out = []
        for n, r in enumerate(rd, start=2):
            if len(r) != len(header):
                fail(f"{path} line {n}: {len(r)} fields, expected {len(header)}")
            if r[j] != "":
                try:
                    out.append((float(r[0]), float(r[j])))
                except ValueError:
                    fail(f"{path} line {n}: '{r[0]}' or '{r[j]}' is not a number")
        return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("compare")
    c.add_argument("a")
    c.add_argument("b")
    c.add_argument("--metric", default="final_qoe")
    c.add_argument("--at", default=None, metavar="X")
    s = sub.add_parser("summary")
    s.add_argument("dir")
    s.add_argument("--metric", default=None)
    s.add_argument("--at", default=None, metavar="X")
    e = sub.add_parser("early")
    e.add_argument("dir")
    e.add_argument("scheme")
    e.add_argument("lo", type=int)
    e.add_argument("hi", type=int)
    e.add_argument("--column", default="qoe")
    e.add_argument("--vs", default=None, metavar="DIR:SCHEME")
    r = sub.add_parser("reach")
    r.add_argument("dir")
    r.add_argument("scheme")
    r.add_argument("level", type=float)
    r.add_argument("--column", default="qoe")
    r.add_argument("--window", type=int, default=5)
    pb = sub.add_parser("published")
    pb.add_argument("dir")
    pb.add_argument("scheme")
    pb.add_argument("csv")
    pb.add_argument("name")
    pb.add_argument("lo", type=int)
    pb.add_argument("hi", type=int)
    pb.add_argument("--column", default="qoe")
    v = sub.add_parser("convergence")
    v.add_argument("dir")
    v.add_argument("scheme")
    v.add_argument("--fraction", type=float, default=0.9)
    v.add_argument("--window", type=int, default=5)
    v.add_argument("--column", default="total_reward")
    a = ap.parse_args()

    if a.cmd == "compare":
        da, sa = split(a.a, None)
        db, sb = split(a.b, sa)
        if sa is None:
            fail("compare: name the scheme as DIR:SCHEME")
        xa, seeds_a = per_seed(da, sa, a.metric, a.at)
        xb, seeds_b = per_seed(db, sb, a.metric, a.at)
        ma, ca = stats.mean_ci95(xa)
        mb, cb = stats.mean_ci95(xb)
        print(f"A {da}:{sa} seeds {seeds_a}: {fmt(ma, ca)}  per seed {[round(x, 4) for x in xa]}")
        print(f"B {db}:{sb} seeds {seeds_b}: {fmt(mb, cb)}  per seed {[round(x, 4) for x in xb]}")
        print_ratio(xa, xb, seeds_a, seeds_b)
    elif a.cmd == "summary":
        js = read_summary(a.dir)
        if "points" in js:
            fail(f"{a.dir}: a sweep (one value per grid point); its summary.json 'comparisons' hold the per-point tests")
        i = point_index(a.dir, js, a.at)
        for sch, d in js["schemes"].items():
            for k, m in d.items():
                if isinstance(m, dict) and "per_seed" in m and (a.metric is None or k == a.metric):
                    v = m["per_seed"] if i is None else m["per_seed"][i]
                    mm, cc = stats.mean_ci95(v)
                    print(f"{sch:18s} {k:24s} {fmt(mm, cc)}  {[round(x, 4) for x in v]}")
    elif a.cmd == "early":
        def window(d, scheme):
            vals = []
            for seed, rs in sorted(rows(d, scheme, a.column).items()):
                vals.append(float(np.mean([y for st, y in rs if a.lo <= st < a.hi])))
                print(f"{scheme} seed {seed}: {vals[-1]:.4f}")
            m, cc = stats.mean_ci95(vals)
            print(f"{d}:{scheme} {a.column} over [{a.lo}, {a.hi}): {fmt(m, cc)}")
            return vals

        va = window(a.dir, a.scheme)
        if a.vs:
            db, sb = split(a.vs, a.scheme)
            vb = window(db, sb)
            print_ratio(va, vb, sorted(rows(a.dir, a.scheme, a.column)), sorted(rows(db, sb, a.column)))
    elif a.cmd == "published":
        vals = []
        for seed, rs in sorted(rows(a.dir, a.scheme, a.column).items()):
            w = [y for st, y in rs if a.lo <= st < a.hi]
            if not w:
                fail(f"{a.dir}: scheme '{a.scheme}' seed {seed} has no row in [{a.lo}, {a.hi})")
            vals.append(float(np.mean(w)))
        if not vals:
            fail(f"{a.dir}: no scheme '{a.scheme}' in metrics.csv")
        m, cc = stats.mean_ci95(vals)
        pts = [y for x, y in published_curve(a.csv, a.name) if a.lo <= x - 250 < a.hi]
        if not pts:
            fail(f"{a.csv}: column '{a.name}' has no point in [{a.lo}, {a.hi})")
        p = float(np.mean(pts))
        print(f"ours {a.dir}:{a.scheme} over [{a.lo}, {a.hi}): {fmt(m, cc)}  per seed {[round(x, 4) for x in vals]}")
        print(f"published {a.csv}:{a.name} over [{a.lo}, {a.hi}): {p:.4f} ({len(pts)} bins)")
        print(f"ours - published = {m - p:+.4f}  (published {'inside' if abs(m - p) <= cc else 'outside'} ours' 95% CI)")
    elif a.cmd == "reach":
        data = rows(a.dir, a.scheme, a.column)
        out = []
        for seed, rs in sorted(data.items()):
            ma = moving_average([y for _, y in rs], a.window)
            hit = next((rs[i][0] + 1 for i in range(len(rs)) if ma[i] >= a.level), None)
            out.append(hit)
            print(f"seed {seed}: {hit}")
        got = [x for x in out if x is not None]
        print(f"{a.scheme} reaches {a.level} in {len(got)}/{len(out)} seeds; mean step {np.mean(got) if got else float('nan'):.0f}")
    elif a.cmd == "convergence":
        data = rows(a.dir, a.scheme, a.column)
        ours, seeds = per_seed(a.dir, a.scheme, "convergence_iteration", None)
        ours = [int(x) for x in ours]
        frac = []
        for seed, own, (_, rs) in zip(seeds, ours, sorted(data.items())):
            ma = moving_average([v for _, v in rs], a.window)
            frac.append(next(i + 1 for i in range(len(ma)) if ma[i] >= a.fraction * ma[-1]))
            print(f"seed {seed}: semra definition {own}, {a.fraction:.0%} of final {frac[-1]}")
        for name, x in (("semra (5% band)", ours), (f"{a.fraction:.0%} of final", frac)):
            m, cc = stats.mean_ci95(x)
            print(f"{a.scheme} {name}: {m:.1f} +- {cc:.1f}  {x}")


if __name__ == "__main__":
    main()
