// docs/config.md must describe exactly the keys, defaults and ranges the code has.
#include <gtest/gtest.h>

#include "semra/core/io.hpp"
#include "semra/experiments/docs.hpp"
#include "semra/experiments/registry.hpp"

TEST(Docs, ConfigReferenceMatchesCode) {
  const std::string doc = semra::read_file(std::string(SEMRA_SOURCE_DIR) + "/docs/config.md");
  const std::string generated = semra::config_reference_markdown();
  EXPECT_NE(doc.find(generated), std::string::npos)
      << "docs/config.md is out of date: run `make docs` and commit the result";
}

TEST(Docs, EveryScenarioHasAModelDocument) {
  for (const auto& s : semra::scenarios()) {
    const std::string doc =
        semra::read_file(std::string(SEMRA_SOURCE_DIR) + "/docs/model-" + s.name + ".md");
    // Opens with its title, "# Scenario `NAME`: ..." (read_file throws when it is missing).
    EXPECT_EQ(doc.rfind("# Scenario `" + s.name + "`:", 0), 0u) << s.name;
  }
}
