// A stored experiment record is checked against the run's plan before --resume rewrites anything
// (docs/scaling.md, docs/fuzzing.md): a record whose checksum is valid but whose content is not
// what this experiment produces (other metric columns, a step count that disagrees with the
// values, a step outside the run) is an error naming it, exit 2, with every file as it was. Before,
// these gave "internal error" after the live CSV was rewritten, lost a metrics.csv row, or were
// accepted.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "../support/cli_process.hpp"
#include "semra/core/checksum.hpp"
#include "semra/core/io.hpp"

namespace fs = std::filesystem;
using namespace semra_test;
using ojson = nlohmann::ordered_json;

namespace {

const bool kFixtures = [] { return ::setenv("SEMRA_TEST_FIXTURES", "1", 1) == 0; }();

const std::string kArgs = " run toy --seeds 2 --set train.steps=20 --quiet --out ";

// Rewrites a record through `edit`, then gives it a valid checksum again (what a record written by
// another build, or crafted, looks like).
void rewrite_record(const fs::path& file, const std::function<void(ojson&)>& edit) {
  const std::string bytes = semra::read_file(file);
  auto j = ojson::from_msgpack(bytes);
  j.erase("checksum");
  edit(j);
  j["checksum"] = std::numeric_limits<std::uint64_t>::max();  // written as a 9-byte uint64
  const auto v = ojson::to_msgpack(j);
  std::string out(v.begin(), v.end());
  std::uint64_t h = semra::fnv1a64(std::string_view(out).substr(0, out.size() - 8));
  for (std::size_t i = out.size(); i-- > out.size() - 8; h >>= 8)
    out[i] = static_cast<char>(h & 0xff);
  semra::write_file_atomic(file, out);
}

std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().filename() != ".lock")
      files[fs::relative(e.path(), dir).string()] = semra::read_file(e.path());
  return files;
}

}  // namespace

TEST(Records, ContentIsCheckedAgainstThePlanBeforeAnythingIsRewritten) {
  ASSERT_TRUE(kFixtures);
  const fs::path base = fresh("semra-records-", "base");
  auto r = sh(std::string(SEMRA_CLI) + kArgs + base.string());
  ASSERT_EQ(r.code, 0) << r.out;
  struct Case {
    std::string name, message;
    std::function<void(ojson&)> edit;
  } cases[] = {
      {"other columns", "is corrupt (metric columns value,estimate,ring_mean,other, expected",
       [](ojson& j) { j["result"]["columns"][3] = "other"; }},
      {"a column short of values", "column value has 19 values for 20 steps",
       [](ojson& j) { j["result"]["values"][0].erase(19); }},
      {"a step short of values", "column value has 20 values for 19 steps",
       [](ojson& j) { j["result"]["steps"].erase(19); }},
      {"step -1", "row 0 has step -1; steps increase from 0 to 19",
       [](ojson& j) { j["result"]["steps"][0] = -1; }},
      {"a step beyond the run", "row 19 has step 20 after 18",
       [](ojson& j) { j["result"]["steps"][19] = 20; }},
      {"steps out of order", "row 3 has step 1 after 2",
       [](ojson& j) { j["result"]["steps"][3] = 1; }},
      {"another seed", "scheme 'good' seed 7, expected 'good' seed 1",
       [](ojson& j) { j["seed"] = 7; }},
  };
  for (const auto& c : cases) {
    const fs::path d = fresh("semra-records-", "case");
    fs::copy(base, d, fs::copy_options::recursive);
    rewrite_record(d / "experiments" / "good-seed1.msgpack", c.edit);
    const auto before = snapshot(d);
    r = sh(std::string(SEMRA_CLI) + kArgs + d.string() + " --resume");
    EXPECT_EQ(r.code, 2) << c.name << "\n" << r.out;
    EXPECT_NE(r.out.find("experiment record '" +
                         (d / "experiments" / "good-seed1.msgpack").string() + "' is corrupt"),
              std::string::npos)
        << c.name << "\n"
        << r.out;
    EXPECT_EQ(r.out.find("internal error"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(c.message), std::string::npos) << c.name << "\n" << r.out;
    EXPECT_TRUE(snapshot(d) == before) << c.name << ": a file was rewritten";
    fs::remove_all(d);
  }
  fs::remove_all(base);
}
