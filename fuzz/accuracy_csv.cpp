// The DeepSC accuracy table (semantic.accuracy_csv): 20 x 31 values in [0, 1]. An accepted table
// must give accuracies in [0, 1] everywhere the scenario looks them up.
#include <cmath>
#include <limits>

#include "fuzz.hpp"
#include "semra/semantic/deepsc.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using semra::semantic::AccuracyModel;
  semra::fuzz::expect_input_errors_only([&] {
    const auto m = AccuracyModel::parse_csv(semra::fuzz::text(data, size), "a.csv");
    for (int k = 1; k <= AccuracyModel::kRows; ++k)
      for (double s :
           {-30.0, -10.0, -0.5, 7.25, 20.0, 45.0, -std::numeric_limits<double>::infinity(),
            std::numeric_limits<double>::quiet_NaN()}) {
        const double a = m.accuracy(k, s);
        semra::fuzz::require(a >= 0.0 && a <= 1.0, "accuracy outside [0, 1]");
      }
  });
  return 0;
}
