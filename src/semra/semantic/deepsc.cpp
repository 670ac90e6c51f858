#include "semra/semantic/deepsc.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "semra/core/error.hpp"
#include "semra/core/io.hpp"

namespace semra::semantic {
namespace {

// {a_k, b_k, c_k (dB), d_k (dB)} for k = 1..20; our fit to the DeepSC sentence-similarity table
// (the comment gives the max |error| of each row over the 31 published SINR points).
constexpr double kCoef[AccuracyModel::kRows][4] = {
    {0.36536, 0.72018, 29.9902, 18.0766},  // k = 1, 0.0060
    {0.37059, 0.99931, 18.2852, 6.8948},   // k = 2, 0.0168
    {0.41467, 0.93068, 10.1859, 2.9798},   // k = 3, 0.0123
    {0.40363, 0.97969, 6.4325, 2.1185},    // k = 4, 0.0089
    {0.41714, 0.98148, 4.2901, 1.8507},    // k = 5, 0.0085
    {0.41883, 0.97882, 2.8445, 1.6972},    // k = 6, 0.0075
    {0.42920, 0.98726, 1.7702, 1.5184},    // k = 7, 0.0057
    {0.40570, 0.98694, 0.6613, 1.7052},    // k = 8, 0.0145
    {0.42509, 0.98713, 0.9281, 1.4803},    // k = 9, 0.0052
    {0.40905, 0.99357, 0.5322, 1.6826},    // k = 10, 0.0129
    {0.42721, 0.97475, -0.1767, 1.3739},   // k = 11, 0.0077
    {0.44114, 0.97709, -0.1131, 1.3820},   // k = 12, 0.0064
    {0.42352, 0.98185, -0.5558, 1.6175},   // k = 13, 0.0086
    {0.41313, 0.99038, -0.9820, 1.3812},   // k = 14, 0.0078
    {0.41957, 0.98648, -1.2704, 1.4050},   // k = 15, 0.0061
    {0.41038, 0.99010, -1.5616, 1.4958},   // k = 16, 0.0080
    {0.43064, 0.98744, -1.6784, 1.4575},   // k = 17, 0.0055
    {0.42005, 0.98682, -1.7589, 1.4143},   // k = 18, 0.0072
    {0.43613, 0.98595, -1.6754, 1.4582},   // k = 19, 0.0057
    {0.43859, 0.97287, -2.2259, 1.3763},   // k = 20, 0.0067
};

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

}  // namespace

double AccuracyModel::builtin_curve(int k, double sinr_db) {
  const double* p = kCoef[k - 1];
  return p[0] + (p[1] - p[0]) / (1.0 + std::exp(-(sinr_db - p[2]) / p[3]));
}

AccuracyModel::AccuracyModel() {
  for (int k = 1; k <= kRows; ++k) {
    for (int j = 0; j < kCols; ++j) {
      table_[static_cast<std::size_t>(k - 1) * kCols + j] = builtin_curve(k, kMinSinrDb + j);
    }
  }
}

AccuracyModel AccuracyModel::from_table(const std::vector<double>& t) {
  if (t.size() != static_cast<std::size_t>(kRows * kCols)) {
    throw InputError("accuracy table must have 20 x 31 values, got " + std::to_string(t.size()));
  }
  AccuracyModel m;
  for (std::size_t i = 0; i < t.size(); ++i) m.table_[i] = t[i];
  return m;
}

AccuracyModel AccuracyModel::from_csv(const std::string& path) {
  return parse_csv(read_input_file(path, "accuracy table", input_limit::kTableBytes), path);
}

AccuracyModel AccuracyModel::parse_csv(const std::string& text, const std::string& path) {
  std::istringstream in(text);
  std::vector<double> values;
  values.reserve(kRows * kCols);
  std::string line;
  int row = 0;
  while (std::getline(in, line)) {
    if (trim(line).empty()) continue;
    ++row;
    if (row > kRows) {
      throw InputError("accuracy table '" + path + "': more than " + std::to_string(kRows) +
                       " rows (row " + std::to_string(row) + "); expected 20 rows (k = 1..20)");
    }
    std::stringstream ss(line);
    std::string cell;
    int col = 0;
    while (std::getline(ss, cell, ',')) {
      ++col;
      const std::string t = trim(cell);
      const std::string where = "accuracy table '" + path + "', row " + std::to_string(row) +
                                ", column " + std::to_string(col);
      if (col > kCols) {
        throw InputError(where + ": more than 31 columns; expected 31 (SINR -10..20 dB)");
      }
      // strtod, not stod: a number beyond a double (1e999) is "not finite", not "not a number",
      // and one below the smallest (1e-999) reads as 0.
      char* end = nullptr;
      const double v = t.empty() ? 0.0 : std::strtod(t.c_str(), &end);
      if (t.empty() || end != t.c_str() + t.size() || std::isnan(v))
        throw InputError(where + ": '" + echo(t) + "' is not a number");
      if (!std::isfinite(v))
        throw InputError(where + ": '" + echo(t) + "' is not a finite number (expected 0 to 1)");
      if (v < 0.0 || v > 1.0) throw InputError(where + ": " + echo(t) + " is outside [0, 1]");
      values.push_back(v);
    }
    if (col != kCols) {
      throw InputError("accuracy table '" + path + "', row " + std::to_string(row) + ": " +
                       std::to_string(col) + " columns; expected 31 (SINR -10..20 dB)");
    }
  }
  if (row != kRows) {
    throw InputError("accuracy table '" + path + "': " + std::to_string(row) +
                     " rows; expected 20 (k = 1..20)");
  }
  return from_table(values);
}

double AccuracyModel::accuracy_continuous(double k, double sinr_db) const {
  if (k <= 1.0) return accuracy(1, sinr_db);
  if (k >= kRows) return accuracy(kRows, sinr_db);
  const int lo = static_cast<int>(k);
  const double f = k - lo;
  const double a = accuracy(lo, sinr_db);
  return f == 0.0 ? a : a + f * (accuracy(lo + 1, sinr_db) - a);
}

}  // namespace semra::semantic
