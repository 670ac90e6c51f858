#pragma once
// Semantic accuracy of the DeepSC text transceiver: xi(k, SINR), the sentence similarity achieved
// with k semantic symbols per word at a given SINR (docs/model-dhdrl.md 1, part 3).
//
// Built-in model: one 4-parameter logistic in SINR (dB) per k,
//   xi_k(s) = a_k + (b_k - a_k) / (1 + exp(-(s - c_k) / d_k)),
// fitted by us (minimax, Nelder-Mead) to the published DeepSC table (k = 1..20, -10..20 dB); its
// maximum absolute error against that table is 0.017 (checked by tests/semantic). The model is
// tabulated on the same 1 dB grid at construction; lookups interpolate linearly in SINR (dB) and
// clamp outside [-10, 20] dB. A user table of the same layout can replace it (from_csv).
#include <array>
#include <string>
#include <vector>

namespace semra::semantic {

class AccuracyModel {
 public:
  static constexpr int kRows = 20;  // k = 1..20
  static constexpr int kCols = 31;  // SINR = -10..20 dB
  static constexpr double kMinSinrDb = -10.0;
  static constexpr double kMaxSinrDb = 20.0;

  // The built-in smooth model.
  AccuracyModel();
  // A table of 20 rows x 31 comma-separated numbers in [0, 1], no header. Throws InputError naming
  // the file, row and column of the first problem.
  static AccuracyModel from_csv(const std::string& path);
  // The same from the file's text; `source` names it in messages.
  static AccuracyModel parse_csv(const std::string& text, const std::string& source);
  static AccuracyModel from_table(const std::vector<double>& row_major_20x31);

  // The built-in logistic evaluated directly (not tabulated), for tests and documentation.
  static double builtin_curve(int k, double sinr_db);

  // xi(k, SINR) for integer k in [1, 20], linear in SINR dB between grid points, clamped outside.
  double accuracy(int k, double sinr_db) const {
    const double x = clamp_index(sinr_db);
    const int j = x >= kCols - 1 ? kCols - 2 : static_cast<int>(x);
    const double f = x - j;
    const double* row = table_.data() + static_cast<std::size_t>(k - 1) * kCols;
    return row[j] + f * (row[j + 1] - row[j]);
  }
  // xi for continuous k in [1, 20]: linear between the rows floor(k) and ceil(k).
  double accuracy_continuous(double k, double sinr_db) const;

  double table(int k, int col) const {
    return table_[static_cast<std::size_t>(k - 1) * kCols + col];
  }

 private:
  static double clamp_index(double sinr_db) {
    double x = sinr_db - kMinSinrDb;
    if (!(x > 0.0)) return 0.0;  // also catches NaN and -inf (zero power)
    if (x > kCols - 1) return kCols - 1;
    return x;
  }
  std::array<double, kRows * kCols> table_{};
};

}  // namespace semra::semantic
