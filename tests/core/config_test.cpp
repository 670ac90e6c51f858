#include "semra/core/config.hpp"

#include <gtest/gtest.h>

#include "semra/core/error.hpp"

namespace {

struct TestConfig : semra::ConfigBase {
  int rings = 1;
  double p_max_dbm = 38.0;
  double rho = 0.64;
  bool enabled = true;
  std::string split = "paper";
  std::string path;
  std::int64_t slots = 100000;
  std::vector<double> levels{0.0, 0.5, 1.0};
  void describe(semra::ConfigSchema& s) override {
    s.add("network.rings", rings, semra::IntRange{0, 3}, "", "hexagonal rings");
    s.add("network.p_max_dbm", p_max_dbm, semra::RealRange{-30, 60}, "dBm", "max power");
    s.add("channel.rho", rho, semra::RealRange{0, 1, false, true}, "", "fading correlation");
    s.add("train.enabled", enabled, "train or only evaluate");
    s.add("hierarchy.split", split, semra::Choices{"paper", "reference"}, "action split");
    s.add("semantic.accuracy_csv", path, semra::Choices{}, "accuracy table");
    s.add("train.slots", slots, semra::IntRange{1}, "slots", "training length");
    s.add("network.power_levels", levels, semra::RealRange{0, 1}, "", "power levels");
  }
  std::unique_ptr<ConfigBase> clone() const override { return std::make_unique<TestConfig>(*this); }
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const semra::InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Config, SetParsesEachType) {
  TestConfig c;
  auto s = c.schema();
  s.set("network.rings=2");
  s.set("network.p_max_dbm = 30.5");
  s.set("train.enabled=false");
  s.set("hierarchy.split=reference");
  s.set("semantic.accuracy_csv=\"my file.csv\"");
  s.set("network.power_levels=[0, 0.25, 1]");
  EXPECT_EQ(c.rings, 2);
  EXPECT_DOUBLE_EQ(c.p_max_dbm, 30.5);
  EXPECT_FALSE(c.enabled);
  EXPECT_EQ(c.split, "reference");
  EXPECT_EQ(c.path, "my file.csv");
  EXPECT_EQ(c.levels, (std::vector<double>{0, 0.25, 1}));
}

TEST(Config, UnknownKeySuggestsNearest) {
  TestConfig c;
  auto s = c.schema();
  const auto msg = error_of([&] { s.set("network.rigns=2"); });
  EXPECT_NE(msg.find("unknown config key 'network.rigns'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'network.rings'"), std::string::npos) << msg;
  const auto msg2 = error_of([&] { s.set("rho=0.5"); });
  EXPECT_NE(msg2.find("channel.rho"), std::string::npos) << msg2;
}

TEST(Config, MalformedOrShortKeysGetNoArbitrarySuggestion) {
  TestConfig c;
  auto s = c.schema();
  // '.' was 3 edits from every two-letter leaf + 1 ("did you mean 'channel.rho'?"-like guesses).
  for (const char* a : {".=1", "network.=1", ".rings=1", "network..rings=1"}) {
    const auto msg = error_of([&] { s.set(a); });
    EXPECT_NE(msg.find("a part of the key is empty"), std::string::npos) << a << ": " << msg;
    EXPECT_EQ(msg.find("did you mean"), std::string::npos) << a << ": " << msg;
  }
  for (const char* a : {"x=1", "zq=1"}) {  // every character would have to change
    const auto msg = error_of([&] { s.set(a); });
    EXPECT_NE(msg.find("unknown config key"), std::string::npos) << a << ": " << msg;
    EXPECT_EQ(msg.find("did you mean"), std::string::npos) << a << ": " << msg;
  }
  const auto near = error_of([&] { s.set("rhoo=1"); });  // a short typo still gets its key
  EXPECT_NE(near.find("did you mean 'channel.rho'"), std::string::npos) << near;
}

TEST(Config, OutOfRangeAndWrongTypeNameKeyValueAndExpectation) {
  TestConfig c;
  auto s = c.schema();
  auto msg = error_of([&] { s.set("network.rings=4"); });
  EXPECT_NE(msg.find("'network.rings'"), std::string::npos);
  EXPECT_NE(msg.find("'4'"), std::string::npos);
  EXPECT_NE(msg.find("0 .. 3"), std::string::npos) << msg;
  EXPECT_EQ(c.rings, 1);                            // unchanged
  msg = error_of([&] { s.set("channel.rho=1"); });  // open upper bound
  EXPECT_NE(msg.find("< 1"), std::string::npos) << msg;
  msg = error_of([&] { s.set("network.rings=two"); });
  EXPECT_NE(msg.find("integer"), std::string::npos) << msg;
  msg = error_of([&] { s.set("hierarchy.split=both"); });
  EXPECT_NE(msg.find("'paper'"), std::string::npos) << msg;
  msg = error_of([&] { s.set("train.enabled=yes"); });
  EXPECT_NE(msg.find("true or false"), std::string::npos) << msg;
  msg = error_of([&] { s.set("network.p_max_dbm=nan"); });
  EXPECT_FALSE(msg.empty());
  msg = error_of([&] { s.set("network.power_levels=[0, 2]"); });
  EXPECT_FALSE(msg.empty());
  msg = error_of([&] { s.set("no_equals_sign"); });
  EXPECT_NE(msg.find("key=value"), std::string::npos);
}

TEST(Config, TomlAppliesNestedTablesAndRejectsBadInput) {
  TestConfig c;
  auto s = c.schema();
  s.apply_toml_text("[network]\nrings = 3\np_max_dbm = 40\n[train]\nenabled = false\n", "t.toml");
  EXPECT_EQ(c.rings, 3);
  EXPECT_DOUBLE_EQ(c.p_max_dbm, 40.0);  // integer accepted for a real
  EXPECT_FALSE(c.enabled);
  auto msg = error_of([&] { s.apply_toml_text("[network]\nrings = 1.5\n", "t.toml"); });
  EXPECT_NE(msg.find("t.toml"), std::string::npos) << msg;
  EXPECT_NE(msg.find("network.rings"), std::string::npos) << msg;
  msg = error_of([&] { s.apply_toml_text("[network\nrings = 1\n", "bad.toml"); });
  EXPECT_NE(msg.find("bad.toml:1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("malformed TOML"), std::string::npos) << msg;
  msg = error_of([&] { s.apply_toml_text("[netwrk]\nrings = 1\n", "t.toml"); });
  EXPECT_NE(msg.find("unknown config key 'netwrk.rings'"), std::string::npos) << msg;
  msg = error_of([&] { s.apply_toml_file("/nonexistent/semra.toml"); });
  EXPECT_NE(msg.find("/nonexistent/semra.toml"), std::string::npos) << msg;
}

TEST(Config, ResolvedTomlRoundTrips) {
  TestConfig a;
  auto sa = a.schema();
  sa.set("network.rings=0");
  sa.set("network.p_max_dbm=0.1");
  sa.set("hierarchy.split=reference");
  sa.set("network.power_levels=[0.125, 1]");
  TestConfig b;
  auto sb = b.schema();
  sb.apply_toml_text(sa.to_toml(), "resolved");
  EXPECT_EQ(sb.to_toml(), sa.to_toml());
  EXPECT_EQ(b.rings, 0);
  EXPECT_EQ(b.p_max_dbm, 0.1);  // bit-exact through text
  EXPECT_EQ(b.levels, a.levels);
}

TEST(Config, MarkdownListsEveryKeyWithDefault) {
  TestConfig c;
  const auto schema = c.schema();
  const auto md = schema.to_markdown();
  for (const auto& f : schema.fields()) EXPECT_NE(md.find("`" + f.key + "`"), std::string::npos);
  EXPECT_NE(md.find("`38.0`"), std::string::npos) << md;
}

TEST(Config, EditDistance) {
  EXPECT_EQ(semra::edit_distance("kitten", "sitting"), 3);
  EXPECT_EQ(semra::edit_distance("", "abc"), 3);
  EXPECT_EQ(semra::edit_distance("same", "same"), 0);
}
