#include "semra/radio/geometry.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "semra/radio/units.hpp"

namespace semra::radio {

double distance_m(Point a, Point b) {
  return std::hypot(a.x_m - b.x_m, a.y_m - b.y_m);
}

double azimuth_rad(Point from, Point to) {
  return std::atan2(to.y_m - from.y_m, to.x_m - from.x_m);
}

int hex_cell_count(int rings) {
  return 1 + 3 * rings * (rings + 1);
}

std::vector<Point> hex_bs_positions(int rings, double cell_radius_m) {
  // Axial coordinates (q, r) on basis e1 = D(cos -30, sin -30), e2 = D(cos 30, sin 30), D = 2R; the
  // six neighbours of the origin are +-e1, +-e2, +-(e2 - e1), i.e. the angles -30 + 60 n deg.
  const double d = 2.0 * cell_radius_m;
  const double c30 = std::cos(deg_to_rad(30.0));
  const double s30 = std::sin(deg_to_rad(30.0));
  struct Cell {
    int ring;
    double angle;
    Point p;
  };
  std::vector<Cell> cells;
  for (int q = -rings; q <= rings; ++q) {
    for (int r = -rings; r <= rings; ++r) {
      const int ring = (std::abs(q) + std::abs(r) + std::abs(q + r)) / 2;
      if (ring > rings) continue;
      const Point p{d * (q * c30 + r * c30), d * (-q * s30 + r * s30)};
      double a = std::atan2(p.y_m, p.x_m) + deg_to_rad(30.0);  // 0 at -30 deg
      if (a < -1e-9) a += 2.0 * kPi;
      if (a >= 2.0 * kPi - 1e-9) a -= 2.0 * kPi;
      cells.push_back({ring, ring == 0 ? 0.0 : a, p});
    }
  }
  std::sort(cells.begin(), cells.end(), [](const Cell& a, const Cell& b) {
    if (a.ring != b.ring) return a.ring < b.ring;
    return a.angle < b.angle - 1e-9;
  });
  std::vector<Point> out;
  out.reserve(cells.size());
  for (const Cell& c : cells) out.push_back(c.p);
  return out;
}

Point drop_user(Rng& rng, Point bs, double r_in_m, double r_out_m) {
  const double angle = rng.uniform(0.0, 2.0 * kPi);
  const double dist = rng.uniform(r_in_m, r_out_m);
  return {bs.x_m + dist * std::cos(angle), bs.y_m + dist * std::sin(angle)};
}

}  // namespace semra::radio
