// Scene graphs: eq. (2) letters, eq. (9) scores, Algorithm 1, the VG-layout loader and the
// synthetic generator.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <string>

#include "semra/core/error.hpp"
#include "semra/semantic/scene_graph.hpp"

namespace sem = semra::semantic;

namespace {
sem::Triple tri(std::string s, std::string p, std::string o, double ms = 1, double mp = 1,
                double mo = 1) {
  return sem::Triple{std::move(s), std::move(p), std::move(o), ms, mp, mo};
}

// Expects parse_scene_graphs to throw InputError whose message contains every fragment.
void expect_error(const std::string& json, std::initializer_list<std::string> fragments) {
  try {
    sem::parse_scene_graphs(json, "test.json");
    FAIL() << "no error for " << json;
  } catch (const semra::InputError& e) {
    const std::string msg = e.what();
    for (const auto& f : fragments) EXPECT_NE(msg.find(f), std::string::npos) << msg;
  }
}
}  // namespace

TEST(SceneGraphLetters, PaperExampleIs18) {
  // eq. (2) and the paper's example: ("man", "riding on", "bicycle") -> 3 + 8 + 7 = 18.
  EXPECT_EQ(sem::letters("man"), 3);
  EXPECT_EQ(sem::letters("riding on"), 8);
  EXPECT_EQ(sem::letters("bicycle"), 7);
  EXPECT_EQ(sem::triple_letters(tri("man", "riding on", "bicycle")), 18);
}

TEST(SceneGraphLetters, WhiteSpaceAndUtf8) {
  EXPECT_EQ(sem::letters("  in front\tof \n"), 9);
  EXPECT_EQ(sem::letters("caf\xc3\xa9"), 4);  // "café": one letter per code point
  sem::SceneGraph g{1, {tri("man", "riding on", "bicycle"), tri("man", "has", "head")}};
  EXPECT_EQ(sem::graph_letters(g), 18 + 10);
}

TEST(SceneGraphScores, SumToOneAndFollowEq9) {
  sem::SceneGraph g{1,
                    {tri("a", "p", "b", 0.9, 0.8, 0.7), tri("c", "q", "d", 0.2, 0.5, 1.0),
                     tri("e", "r", "f", 1, 1, 1)}};
  const auto beta = sem::triple_scores(g);
  ASSERT_EQ(beta.size(), 3u);
  EXPECT_NEAR(std::accumulate(beta.begin(), beta.end(), 0.0), 1.0, 1e-12);
  const double z = std::exp(0.9 * 0.8 * 0.7) + std::exp(0.2 * 0.5 * 1.0) + std::exp(1.0);
  EXPECT_NEAR(beta[0], std::exp(0.504) / z, 1e-12);
  EXPECT_NEAR(beta[1], std::exp(0.1) / z, 1e-12);
  EXPECT_NEAR(beta[2], std::exp(1.0) / z, 1e-12);
  // Ground truth (all mu = 1): uniform scores.
  sem::SceneGraph gt{
      2, {tri("a", "p", "b"), tri("c", "q", "d"), tri("e", "r", "f"), tri("g", "s", "h")}};
  for (const double b : sem::triple_scores(gt)) EXPECT_NEAR(b, 0.25, 1e-15);
}

TEST(SceneGraphSelection, SmallestPrefixReachingXi) {
  sem::SceneGraph g{
      1, {tri("a", "p", "b"), tri("c", "q", "d"), tri("e", "r", "f"), tri("g", "s", "h")}};
  const std::vector<double> scores = {0.1, 0.4, 0.2, 0.3};
  // Descending: 1 (0.4), 3 (0.3), 2 (0.2), 0 (0.1); cumulative 0.4, 0.7, 0.9, 1.0.
  auto s = sem::select_triples(g, scores, 0.5);
  EXPECT_EQ(s.order, (std::vector<int>{1, 3, 2, 0}));
  EXPECT_EQ(s.count, 2);
  EXPECT_NEAR(s.estimated_similarity, 0.7, 1e-12);
  EXPECT_EQ(s.letters, 6);
  EXPECT_EQ(sem::select_triples(g, scores, 0.4).count, 1);  // reached exactly: smallest prefix
  EXPECT_EQ(sem::select_triples(g, scores, 0.41).count, 2);
  EXPECT_EQ(sem::select_triples(g, scores, 0.85).count, 3);
  EXPECT_EQ(sem::select_triples(g, scores, 1.0).count, 4);
  // Exhaustive check of minimality on random score vectors.
  semra::Rng rng(3, "selection");
  for (int trial = 0; trial < 200; ++trial) {
    sem::SceneGraph h;
    std::vector<double> sc;
    const int n = 1 + rng.uniform_int(12);
    double sum = 0;
    for (int i = 0; i < n; ++i) {
      h.triples.push_back(tri("x", "y", "z"));
      sc.push_back(rng.uniform());
      sum += sc.back();
    }
    for (auto& v : sc) v /= sum;
    const double xi = rng.uniform(0.01, 1.0);
    const auto sel = sem::select_triples(h, sc, xi);
    double cum = 0;
    for (int k = 0; k < sel.count; ++k) {
      if (k > 0) {
        EXPECT_GE(sc[sel.order[k - 1]], sc[sel.order[k]]);
      }
      if (k < sel.count - 1) {
        EXPECT_LT(cum + sc[sel.order[k]], xi);  // no shorter prefix reaches xi
      }
      cum += sc[sel.order[k]];
    }
    if (sel.count < n) {
      EXPECT_GE(cum, xi);
    }
  }
}

TEST(SceneGraphSelection, TiesKeepFileOrder) {
  sem::SceneGraph g{1, {tri("a", "p", "b"), tri("c", "q", "d"), tri("e", "r", "f")}};
  const auto s = sem::select_triples(g, sem::triple_scores(g), 0.5);
  EXPECT_EQ(s.order, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(s.count, 2);
}

TEST(SceneGraphLoader, ParsesVisualGenomeLayout) {
  const std::string json = R"([
    {"image_id": 7, "objects": [{"object_id": 10, "names": ["man"], "score": 0.9},
                                {"object_id": 11, "name": "bicycle"}],
     "relationships": [{"relationship_id": 5, "subject_id": 10, "predicate": "riding on",
                        "object_id": 11, "score": 0.5},
                       {"relationship_id": 6, "subject_id": 11, "predicate": "under",
                        "object_id": 10}]}])";
  const auto graphs = sem::parse_scene_graphs(json, "test.json");
  ASSERT_EQ(graphs.size(), 1u);
  EXPECT_EQ(graphs[0].image_id, 7);
  ASSERT_EQ(graphs[0].triples.size(), 2u);
  const auto& t = graphs[0].triples[0];
  EXPECT_EQ(t.subject, "man");
  EXPECT_EQ(t.predicate, "riding on");
  EXPECT_EQ(t.object, "bicycle");
  EXPECT_DOUBLE_EQ(t.mu_s, 0.9);
  EXPECT_DOUBLE_EQ(t.mu_p, 0.5);
  EXPECT_DOUBLE_EQ(t.mu_o, 1.0);  // score optional
  EXPECT_EQ(graphs[0].triples[1].key(), "bicycle|under|man");
  EXPECT_DOUBLE_EQ(graphs[0].triples[1].mu_p, 1.0);
}

TEST(SceneGraphLoader, ErrorsNameImageAndField) {
  const std::string objs =
      R"("objects": [{"object_id": 1, "names": ["a"]}, {"object_id": 2, "names": ["b"]}])";
  expect_error("not json", {"test.json", "not valid JSON"});
  expect_error("{}", {"JSON array"});
  expect_error("[]", {"no images"});
  expect_error(R"([{"objects": [], "relationships": []}])", {"images[0]", "image_id"});
  expect_error(R"([{"image_id": 4, "relationships": []}])", {"image 4", "objects"});
  expect_error(R"([{"image_id": 4, )" + objs + R"(}])", {"image 4", "relationships"});
  expect_error(R"([{"image_id": 4, )" + objs + R"(, "relationships": []}])",
               {"image 4", "empty scene graph"});
  expect_error(R"([{"image_id": 4, )" + objs +
                   R"(, "relationships": [{"subject_id": 1, "predicate": "on", "object_id": 9}]}])",
               {"image 4", "relationships[0]", "object_id 9"});
  expect_error(
      R"([{"image_id": 4, )" + objs + R"(, "relationships": [{"subject_id": 1, "object_id": 2}]}])",
      {"image 4", "relationships[0]", "predicate"});
  expect_error(
      R"([{"image_id": 4, )" + objs +
          R"(, "relationships": [{"subject_id": "1", "predicate": "on", "object_id": 2}]}])",
      {"image 4", "subject_id", "integer"});
  expect_error(
      R"([{"image_id": 4, )" + objs +
          R"(, "relationships": [{"subject_id": 1, "predicate": "on", "object_id": 2, "score": 1.5}]}])",
      {"image 4", "score"});
  expect_error(R"([{"image_id": 4, "objects": [{"object_id": 1}], "relationships": []}])",
               {"image 4", "objects[0]", "names"});
  expect_error(
      R"([{"image_id": 4, "objects": [{"object_id": 1, "names": ["a"]}, {"object_id": 1, "names": ["b"]}], "relationships": []}])",
      {"image 4", "duplicate object_id 1"});
  expect_error(R"([{"image_id": 4, )" + objs +
                   R"(, "relationships": [{"subject_id": 1, "predicate": "on", "object_id": 2}]},
                   {"image_id": 4, )" +
                   objs +
                   R"(, "relationships": [{"subject_id": 1, "predicate": "on", "object_id": 2}]}])",
               {"image 4", "duplicate image_id"});
  EXPECT_THROW(sem::load_scene_graphs("/nonexistent/scene_graphs.json"), semra::InputError);
}

TEST(SceneGraphLoader, ExampleFileLoads) {
  const auto graphs =
      sem::load_scene_graphs(std::string(SEMRA_SOURCE_DIR) + "/examples/scene_graphs.json");
  ASSERT_EQ(graphs.size(), 3u);
  EXPECT_EQ(graphs[0].triples[0].key(), "man|riding on|bicycle");
  EXPECT_EQ(sem::triple_letters(graphs[0].triples[0]), 18);
}

TEST(SceneGraphSynthetic, DeterministicAndWithinSpec) {
  semra::Rng a(5, "scene-graphs"), b(5, "scene-graphs");
  for (int i = 0; i < 50; ++i) {
    const auto g = sem::generate_scene_graph(a, i);
    const auto h = sem::generate_scene_graph(b, i);
    ASSERT_EQ(g.triples.size(), h.triples.size());
    EXPECT_GE(g.triples.size(), 5u);
    EXPECT_LE(g.triples.size(), 30u);
    for (std::size_t n = 0; n < g.triples.size(); ++n) {
      EXPECT_EQ(g.triples[n].key(), h.triples[n].key());
      EXPECT_GE(g.triples[n].mu_p, 0.2);
      EXPECT_LE(g.triples[n].mu_s, 1.0);
    }
  }
}
