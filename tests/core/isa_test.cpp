// SEMRA_ISA's values (semra/core/isa.hpp); the CLI side is in tests/cli/cli_test.cpp.
#include "semra/core/isa.hpp"

#include <gtest/gtest.h>

#include <string>

#include "semra/core/error.hpp"

using semra::Isa;

TEST(Isa, AutoAndEmptyPickTheBestSupportedVariant) {
  EXPECT_EQ(semra::resolve_isa(""), semra::best_isa());
  EXPECT_EQ(semra::resolve_isa("auto"), semra::best_isa());
  EXPECT_TRUE(semra::isa_supported(semra::best_isa()));
  EXPECT_TRUE(semra::isa_supported(Isa::Baseline));  // the portable variant runs everywhere
  // Nothing better than the best is supported.
  for (Isa isa : semra::kAllIsas) {
    if (static_cast<int>(isa) > static_cast<int>(semra::best_isa())) {
      EXPECT_FALSE(semra::isa_supported(isa)) << semra::to_string(isa);
    }
  }
}

TEST(Isa, EachNamedVariantResolvesOrIsAClearError) {
  for (Isa isa : semra::kAllIsas) {
    const std::string name(semra::to_string(isa));
    if (semra::isa_supported(isa)) {
      EXPECT_EQ(semra::resolve_isa(name), isa);
      continue;
    }
    try {
      semra::resolve_isa(name);
      ADD_FAILURE() << name << " accepted although unsupported";
    } catch (const semra::InputError& e) {
      EXPECT_NE(std::string(e.what()).find("SEMRA_ISA=" + name + ": this CPU"), std::string::npos)
          << e.what();
    }
  }
  for (const char* bad : {"sse2", "AVX2", "avx-512", " avx2"}) {
    try {
      semra::resolve_isa(bad);
      ADD_FAILURE() << bad << " accepted";
    } catch (const semra::InputError& e) {
      EXPECT_EQ(std::string(e.what()),
                "SEMRA_ISA=" + std::string(bad) + ": expected one of baseline, avx2, avx512, auto");
    }
  }
}
