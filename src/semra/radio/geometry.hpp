#pragma once
// Cell layout and user drops. Hexagonal grid with inter-site distance 2R (the reference's layout:
// the six first-ring BSs sit at distance 2R, angles -30 deg + n 60 deg). `rings` 0..3 -> 1, 7, 19,
// 37 cells.
#include <vector>

#include "semra/core/rng.hpp"

namespace semra::radio {

struct Point {
  double x_m = 0.0;
  double y_m = 0.0;
};

double distance_m(Point a, Point b);
// Azimuth of `to` seen from `from`, radians in (-pi, pi].
double azimuth_rad(Point from, Point to);

// 1 + 3 r (r + 1) cells for r rings.
int hex_cell_count(int rings);

// BS positions, centre first, then ring by ring, each ring ordered by angle starting at -30 deg.
std::vector<Point> hex_bs_positions(int rings, double cell_radius_m);

// A UT at an angle uniform in [0, 2 pi) and a distance uniform in [r_in, r_out] from `bs` (uniform
// in distance, not in area, as in the reference).
Point drop_user(Rng& rng, Point bs, double r_in_m, double r_out_m);

}  // namespace semra::radio
