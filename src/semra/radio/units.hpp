#pragma once
// Unit conversions shared by every radio model. Names carry units: _db, _dbm, _w, _mw, _hz.
#include <cmath>

namespace semra::radio {

inline double db_to_linear(double db) { return std::pow(10.0, db / 10.0); }
inline double linear_to_db(double x) { return 10.0 * std::log10(x); }
inline double dbm_to_w(double dbm) { return std::pow(10.0, (dbm - 30.0) / 10.0); }
inline double w_to_dbm(double w) { return 10.0 * std::log10(w) + 30.0; }
inline double deg_to_rad(double deg) { return deg * 3.14159265358979323846 / 180.0; }

inline constexpr double kPi = 3.14159265358979323846;

}  // namespace semra::radio
