// The docs match the code: docs/config.md describes exactly the keys, defaults and ranges the code
// has; each scenario has its model document; docs/architecture.md names only paths that exist;
// every relative link and image of the README and docs/ resolves.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

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

// Every file or folder docs/architecture.md names in backticks exists (relative to the repository
// or to src/semra), so its checklists do not point at code that moved. Patterns (NAME, *, {a,b},
// <x>) are skipped.
TEST(Docs, ArchitectureNamesOnlyPathsThatExist) {
  namespace fs = std::filesystem;
  const std::string root = SEMRA_SOURCE_DIR;
  const std::string doc = semra::read_file(root + "/docs/architecture.md");
  // Every `...` span without whitespace (no <regex>: GCC 12 warns inside it under -O2 sanitizers).
  std::vector<std::string> spans;
  for (std::size_t a = doc.find('`'); a != std::string::npos; a = doc.find('`', a + 1)) {
    const std::size_t b = doc.find('`', a + 1);
    if (b == std::string::npos) break;
    const std::string span = doc.substr(a + 1, b - a - 1);
    if (!span.empty() && span.find_first_of(" \t\n") == std::string::npos) spans.push_back(span);
    a = b;
  }
  int checked = 0;
  for (const std::string& path : spans) {
    if (path.find('/') == std::string::npos || path.rfind("--", 0) == 0 ||
        path.find_first_of("<*{}()") != std::string::npos || path.find("NAME") != std::string::npos)
      continue;
    ++checked;
    EXPECT_TRUE(fs::exists(root + "/" + path) || fs::exists(root + "/src/semra/" + path)) << path;
  }
  EXPECT_GT(checked, 20) << "the doc names fewer paths than it did: is the pattern still right?";
}

// Every relative link and image of README.md and docs/*.md points at a file that exists, so a
// figure or page that moved does not leave a broken picture on the front page.
TEST(Docs, RelativeLinksAndImagesExist) {
  namespace fs = std::filesystem;
  const fs::path root = SEMRA_SOURCE_DIR;
  std::vector<fs::path> pages{root / "README.md"};
  for (const auto& e : fs::directory_iterator(root / "docs"))
    if (e.path().extension() == ".md") pages.push_back(e.path());
  int checked = 0;
  for (const fs::path& page : pages) {
    const std::string doc = semra::read_file(page.string());
    // Every "](target)" of a Markdown link or image.
    for (std::size_t a = doc.find("]("); a != std::string::npos; a = doc.find("](", a + 2)) {
      const std::size_t b = doc.find(')', a + 2);
      if (b == std::string::npos) break;
      std::string target = doc.substr(a + 2, b - a - 2);
      if (target.find("://") != std::string::npos || target.rfind('#', 0) == 0 ||
          target.rfind("mailto:", 0) == 0 || target.find(' ') != std::string::npos)
        continue;
      target = target.substr(0, target.find('#'));
      ++checked;
      EXPECT_TRUE(fs::exists(page.parent_path() / target))
          << page.filename().string() << " links to missing " << target;
    }
  }
  EXPECT_GT(checked, 10) << "fewer links than the docs have: is the pattern still right?";
}

// The code speaks of itself: no comment or help text under src/, apps/ or python/ cites an issue
// or a specification section a reader of the repository does not have ("spec 3", "issue 13");
// they cite docs/ sections or the papers' equations instead.
TEST(Docs, CodeCitesNoIssueOrSpecNumber) {
  namespace fs = std::filesystem;
  const fs::path root = SEMRA_SOURCE_DIR;
  // Also the spec files themselves (../shared/spec/NAME.md, "spec vderl.md", "spec section 1")
  // and a citation wrapped after "(spec" at the end of a line.
  const std::regex cite(R"((issue|spec)s? ?[0-9]+|shared/spec|spec (section|vderl|dhdrl)|\(spec$)",
                        std::regex::icase);
  int files = 0;
  for (const char* dir : {"src", "apps", "python"}) {
    if (!fs::exists(root / dir)) continue;
    for (const auto& e : fs::recursive_directory_iterator(root / dir)) {
      const auto ext = e.path().extension().string();
      if (!e.is_regular_file() ||
          (ext != ".cpp" && ext != ".hpp" && ext != ".py" && ext != ".pyi" && ext != ".txt"))
        continue;
      ++files;
      std::istringstream in(semra::read_file(e.path().string()));
      std::string line;
      for (int n = 1; std::getline(in, line); ++n)
        EXPECT_FALSE(std::regex_search(line, cite))
            << fs::relative(e.path(), root).string() << ":" << n << ": " << line;
    }
  }
  EXPECT_GT(files, 100) << "fewer source files than the project has: is the walk still right?";
}
