#!/usr/bin/python3
"""A Manhattan street grid as a dhdrl site layout (docs/channels.md "Layout files").

BSs stand at street corners of a grid of square blocks, their ULAs along the street they face
(alternating east-west and north-south), and each BS serves UTs on the sidewalks of its two
streets within half a block. The UT positions are drawn once from a seeded NumPy generator, so the
file is the same every time. Standard library and NumPy only.

    /usr/bin/python3 examples/python/street_grid_layout.py --out grid.csv [--bss 7] \
        [--users-per-bs 1] [--block-m 150] [--seed 1]
    semra run dhdrl --set network.layout=grid.csv [--set network.users_per_cell=N]

--bss must equal the run's network cells (7 for the default network.rings = 1; e.g. 5 needs
--set network.cells=5).
"""
import argparse
import sys

import numpy as np


def street_grid(bss, users_per_bs, block_m, seed):
    """Rows (kind, x_m, y_m, orientation_deg, serving_bs), BSs first, then UTs BS by BS."""
    rng = np.random.default_rng(seed)
    cols = int(np.ceil(np.sqrt(bss)))
    rows = []
    sites = []
    for b in range(bss):
        x = (b % cols) * block_m
        y = (b // cols) * block_m
        orientation = 0.0 if b % 2 == 0 else 90.0  # array along the street the BS faces
        sites.append((x, y))
        rows.append(("bs", x, y, orientation, ""))
    sidewalk_m = 8.0  # UTs walk on the sidewalks, 8 m off the street's axis
    for b, (x, y) in enumerate(sites):
        for _ in range(users_per_bs):
            along = rng.uniform(15.0, block_m / 2)  # at least 15 m from the BS
            sign = rng.choice([-1.0, 1.0])
            side = rng.choice([-1.0, 1.0]) * sidewalk_m
            if rng.random() < 0.5:  # the east-west street
                ux, uy = x + sign * along, y + side
            else:  # the north-south street
                ux, uy = x + side, y + sign * along
            rows.append(("ut", round(ux, 2), round(uy, 2), "", b))
    return rows


def layout_csv(rows):
    out = ["# a street grid (examples/python/street_grid_layout.py)",
           "kind,x_m,y_m,orientation_deg,serving_bs"]
    for kind, x, y, o, s in rows:
        out.append(f"{kind},{x},{y},{o},{s}")
    return "\n".join(out) + "\n"


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True, help="the layout CSV to write")
    p.add_argument("--bss", type=int, default=7, help="BSs (= the run's network cells)")
    p.add_argument("--users-per-bs", type=int, default=1, help="= network.users_per_cell")
    p.add_argument("--block-m", type=float, default=150.0, help="block side in metres")
    p.add_argument("--seed", type=int, default=1, help="seed of the UT positions")
    a = p.parse_args(argv)
    if a.bss < 1 or a.users_per_bs < 1 or not a.block_m > 30.0:
        p.error("--bss and --users-per-bs must be >= 1, --block-m > 30")
    with open(a.out, "w", encoding="utf-8") as f:
        f.write(layout_csv(street_grid(a.bss, a.users_per_bs, a.block_m, a.seed)))
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main(sys.argv[1:])
