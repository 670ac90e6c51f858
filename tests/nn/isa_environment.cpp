// tests/CMakeLists.txt registers this program's tests once more per ISA variant, with
// SEMRA_TEST_ISA naming it: every nn test then runs on that variant's kernels, or is skipped (with
// the reason) when this machine cannot run it. Without SEMRA_TEST_ISA the tests use the variant a
// user gets (auto, or SEMRA_ISA).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "semra/core/isa.hpp"

namespace {

class IsaEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* want = std::getenv("SEMRA_TEST_ISA");
    if (want == nullptr) return;
    for (semra::Isa isa : semra::kAllIsas) {
      if (semra::to_string(isa) != want) continue;
      if (!semra::isa_supported(isa))
        GTEST_SKIP() << "the " << want << " kernels: not supported by this CPU/OS or build";
      semra::set_active_isa_for_testing(isa);
      return;
    }
    FAIL() << "SEMRA_TEST_ISA=" << want << ": unknown variant";
  }
};

const ::testing::Environment* const kIsaEnvironment =
    ::testing::AddGlobalTestEnvironment(new IsaEnvironment);

}  // namespace

TEST(NnIsa, RunsTheRequestedVariant) {
  const char* want = std::getenv("SEMRA_TEST_ISA");
  const std::string expected(want ? want : semra::to_string(semra::best_isa()));
  if (want == nullptr && std::getenv("SEMRA_ISA") != nullptr) GTEST_SKIP() << "SEMRA_ISA pins it";
  EXPECT_EQ(semra::to_string(semra::active_isa()), expected);
}
