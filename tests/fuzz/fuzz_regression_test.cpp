// Inputs that escaped a parser as an internal error (or broke a property a fuzz target checks),
// found while writing the fuzz targets (fuzz/, `make fuzz`), each kept as a test of the fixed
// behaviour: the parser's one-line InputError naming the file or key.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "../support/cli_process.hpp"
#include "semra/core/error.hpp"
#include "semra/core/io.hpp"
#include "semra/scenarios/dhdrl/config.hpp"
#include "semra/version.hpp"

namespace fs = std::filesystem;

namespace {

const bool kFixtures = [] { return ::setenv("SEMRA_TEST_FIXTURES", "1", 1) == 0; }();

semra_test::Result run_cli(const std::string& args) {
  return semra_test::sh(std::string(SEMRA_CLI) + " " + args);
}

}  // namespace

// fuzz_manifest_json: a manifest.json that is JSON but not the object we wrote, or holds a field
// of another type, escaped from --resume as nlohmann's type_error ("internal error", exit 1).
TEST(FuzzRegression, ResumeWithAManifestOfTheWrongShapeIsExit2) {
  (void)kFixtures;
  for (const std::string& manifest : std::vector<std::string>{
           "[]", "5", R"({"semra_version": 5})", R"({"format": ["semra-run"]})",
           R"({"format": "semra-run", "semra_version": ")" + std::string(semra::kVersion) +
               R"(", "command": "run", "scenario": "toy", "figure": "", "sweep": "",
            "schemes": ["toy"], "seeds": [1], "axes": [], "config": {"train.steps": 3}})"}) {
    const auto d = semra_test::fresh("semra-fuzzreg-", "manifest");
    fs::create_directories(d);
    semra::write_file_atomic(d / "manifest.json", manifest);
    const auto r = run_cli("run toy --quiet --resume --out " + d.string());
    EXPECT_EQ(r.code, 2) << manifest << "\n" << r.out;
    EXPECT_NE(r.out.find("manifest.json"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("internal error"), std::string::npos) << r.out;
    fs::remove_all(d);
  }
}

namespace {

// The resolved config.toml of a schema after `apply`, applied to a fresh config: same text.
void expect_round_trip(const std::string& toml) {
  semra::dhdrl::Config a, b;
  auto sa = a.schema();
  sa.apply_toml_text(toml, "user.toml");
  const std::string written = sa.to_toml();
  auto sb = b.schema();
  ASSERT_NO_THROW(sb.apply_toml_text(written, "config.toml")) << written;
  EXPECT_EQ(sb.to_toml(), written);
}

}  // namespace

// fuzz_config_toml: a subnormal real (5e-320) is a valid TOML double inside the key's range, but
// writing it back (config.toml, the manifest, experiment ids) used std::stod, which throws
// out_of_range for subnormals: "internal error" from `semra run --config`.
TEST(FuzzRegression, SubnormalRealIsWrittenBackAndReadsBack) {
  expect_round_trip("[network]\nbs_power_dbm = 5e-320\n");
  semra::dhdrl::Config c;
  auto s = c.schema();
  s.apply_toml_text("[network]\nbs_power_dbm = 4.9e-324\n", "user.toml");
  EXPECT_EQ(c.bs_power_dbm, 4.9e-324);
  EXPECT_EQ(s.value_text("network.bs_power_dbm"), "5e-324");
}

// fuzz_config_toml: a string value holding a control character (TOML's "\n", "\u0001") was
// written into config.toml raw, which TOML forbids: the resolved config did not read back.
TEST(FuzzRegression, ControlCharactersInStringsAreEscapedInConfigToml) {
  expect_round_trip("[eval]\nload = \"a\\nb\\tc\\u0001d\\u007f\\\"e\\\\\"\n");
  semra::dhdrl::Config c;
  auto s = c.schema();
  s.apply_toml_text("[eval]\nload = \"a\\nb\"\n", "user.toml");
  EXPECT_EQ(c.eval_load, "a\nb");
  EXPECT_EQ(s.value_text("eval.load"), "\"a\\u000ab\"");
}

// config_set: --set can carry bytes that are not UTF-8, which no TOML file can hold; refused with
// the key named instead of writing a config.toml that does not read back.
TEST(FuzzRegression, SetRefusesAStringThatIsNotUtf8) {
  semra::dhdrl::Config c;
  auto s = c.schema();
  for (const std::string bad : {"\xff", "a\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80"}) {
    try {
      s.set("eval.load", bad);
      ADD_FAILURE() << "accepted";
    } catch (const semra::InputError& e) {
      EXPECT_NE(std::string(e.what()).find("eval.load"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("UTF-8"), std::string::npos) << e.what();
    }
  }
  const std::string utf8 = "r\xc3\xa9sultats/\xe2\x82\xac/\xf0\x9f\x98\x80";
  s.set("eval.load", utf8);
  EXPECT_EQ(c.eval_load, utf8);
}

// Found while fuzzing manifest.json: `semra plot` read "axes" outside its JSON error handling, so a
// manifest whose "axes" is not a list of objects escaped as nlohmann's type_error (exit 1).
TEST(FuzzRegression, PlotWithAManifestOfTheWrongShapeIsExit2) {
  for (const std::string axes : {"[1]", "\"x\"", "{\"a\": 1}"}) {
    const auto d = semra_test::fresh("semra-fuzzreg-", "plot");
    fs::create_directories(d);
    semra::write_file_atomic(d / "manifest.json",
                             R"({"scenario": "dhdrl", "config": {}, "axes": )" + axes + "}");
    const auto r = run_cli("plot " + d.string() + " --out " + (d / "fig").string());
    EXPECT_EQ(r.code, 2) << axes << "\n" << r.out;
    EXPECT_NE(r.out.find("manifest.json"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("internal error"), std::string::npos) << r.out;
    fs::remove_all(d);
  }
}

// fuzz_sweep_file: `seeds = 52147483648` listed 52 billion seeds before any limit was checked
// (libFuzzer out-of-memory); the file's seed count now has the CLI's --seeds bounds.
TEST(FuzzRegression, SweepFileSeedCountIsBoundedBeforeSeedsAreListed) {
  const semra_test::TempDir dir("semra-fuzz-sweep-seeds-");
  const std::string head = "scenario = \"toy\"\nschemes = [\"good\"]\n";
  const std::string many = (dir / "many.toml").string();
  semra::write_file_atomic(many, head + "seeds = 52147483648\n");
  auto r = run_cli("sweep " + many + " --out " + (dir / "out").string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("seeds = 52147483648: expected at most 100000"), std::string::npos) << r.out;
  const std::string wrap = (dir / "wrap.toml").string();
  semra::write_file_atomic(wrap, head + "first_seed = 9223372036854775807\nseeds = 2\n");
  r = run_cli("sweep " + wrap + " --out " + (dir / "out").string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("the last seed would overflow"), std::string::npos) << r.out;
}
