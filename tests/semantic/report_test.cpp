// `semra semantic` logic: the spec's JSON shape, and ISS from an embeddings file equal to eq. (6)
// computed independently.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <fstream>
#include <nlohmann/json.hpp>

#include "semra/core/error.hpp"
#include "semra/semantic/report.hpp"

namespace sem = semra::semantic;

namespace {
const std::string kGraphs = std::string(SEMRA_SOURCE_DIR) + "/examples/scene_graphs.json";
const std::string kEmbeddings = std::string(SEMRA_SOURCE_DIR) + "/examples/embeddings.json";
}  // namespace

TEST(SemanticReport, JsonFollowsSpecShape) {
  const auto doc = nlohmann::json::parse(sem::semantic_report_json(kGraphs, "", 0.5));
  EXPECT_DOUBLE_EQ(doc.at("xi").get<double>(), 0.5);
  ASSERT_EQ(doc.at("images").size(), 3u);
  for (const auto& img : doc.at("images")) {
    ASSERT_TRUE(img.contains("image_id"));
    const auto& triples = img.at("triples");
    int selected = 0, letters_sel = 0, letters_total = 0;
    double cum = 0, prev = 2.0, score_sum = 0;
    for (const auto& t : triples) {
      for (const char* k : {"subject", "predicate", "object", "score", "selected", "letters"})
        ASSERT_TRUE(t.contains(k)) << k;
      const double s = t.at("score").get<double>();
      EXPECT_LE(s, prev);  // descending score order
      prev = s;
      score_sum += s;
      letters_total += t.at("letters").get<int>();
      if (t.at("selected").get<bool>()) {
        ++selected;
        letters_sel += t.at("letters").get<int>();
        cum += s;
      }
    }
    EXPECT_NEAR(score_sum, 1.0, 1e-9);
    EXPECT_EQ(img.at("selected_count").get<int>(), selected);
    EXPECT_EQ(img.at("letters_selected").get<int>(), letters_sel);
    EXPECT_EQ(img.at("letters_total").get<int>(), letters_total);
    EXPECT_NEAR(img.at("estimated_similarity").get<double>(), cum, 1e-12);
    EXPECT_GE(cum, 0.5);
    const auto curve = img.at("iss_curve").get<std::vector<double>>();
    ASSERT_EQ(curve.size(), triples.size());
    EXPECT_DOUBLE_EQ(img.at("iss").get<double>(), curve[static_cast<std::size_t>(selected - 1)]);
  }
  // Image 1's top triple is the paper's example: 18 letters.
  const auto& top = doc.at("images")[0].at("triples")[0];
  EXPECT_EQ(top.at("subject"), "man");
  EXPECT_EQ(top.at("predicate"), "riding on");
  EXPECT_EQ(top.at("letters"), 18);
}

TEST(SemanticReport, IssFromEmbeddingsEqualsIndependentProjection) {
  const auto doc = nlohmann::json::parse(sem::semantic_report_json(kGraphs, kEmbeddings, 0.5));
  EXPECT_EQ(doc.at("encoder"), "file");
  std::ifstream in(kEmbeddings);
  const auto emb = nlohmann::json::parse(in);
  const int d = emb.at("dim").get<int>();
  for (const auto& img : doc.at("images")) {
    const auto c = emb.at("images")
                       .at(std::to_string(img.at("image_id").get<int>()))
                       .get<std::vector<double>>();
    const Eigen::VectorXd cv = Eigen::Map<const Eigen::VectorXd>(c.data(), d);
    const auto& triples = img.at("triples");
    const auto curve = img.at("iss_curve").get<std::vector<double>>();
    for (std::size_t n = 1; n <= triples.size(); ++n) {
      // Projection of C(G) on the span of the top-n triple vectors by least squares.
      Eigen::MatrixXd a(d, static_cast<int>(n));
      for (std::size_t j = 0; j < n; ++j) {
        const auto& t = triples[j];
        const std::string key = t.at("subject").get<std::string>() + "|" +
                                t.at("predicate").get<std::string>() + "|" +
                                t.at("object").get<std::string>();
        const auto v = emb.at("triples").at(key).get<std::vector<double>>();
        a.col(static_cast<int>(j)) = Eigen::Map<const Eigen::VectorXd>(v.data(), d);
      }
      const Eigen::VectorXd x = a.colPivHouseholderQr().solve(cv);
      EXPECT_NEAR(curve[n - 1], (a * x).norm() / cv.norm(), 1e-9);
    }
  }
}

TEST(SemanticReport, BadInput) {
  EXPECT_THROW(sem::semantic_report_json(kGraphs, "", 0.0), semra::InputError);
  EXPECT_THROW(sem::semantic_report_json(kGraphs, "", 1.5), semra::InputError);
  EXPECT_THROW(sem::semantic_report_json("/nonexistent.json", "", 0.5), semra::InputError);
  // xi = 1 is the top of the accepted range (0, 1].
  EXPECT_EQ(nlohmann::json::parse(sem::semantic_report_json(kGraphs, "", 1.0))["xi"], 1.0);
  sem::Embeddings e;
  e.dim = 2;
  e.images["1"] = {1.0, 0.0};
  const auto graphs = sem::load_scene_graphs(kGraphs);
  try {
    sem::build_semantic_report(graphs, &e, 0.5, "mine.json");
    FAIL();
  } catch (const semra::InputError& err) {
    EXPECT_NE(std::string(err.what()).find("mine.json"), std::string::npos);
    EXPECT_NE(std::string(err.what()).find("man|riding on|bicycle"), std::string::npos)
        << err.what();
  }
}

TEST(SemanticReport, TableMentionsEveryImage) {
  const std::string t = sem::semantic_report_table(kGraphs, "", 0.5);
  for (const char* s : {"image 1:", "image 2:", "image 3:", "man | riding on | bicycle", "ISS"})
    EXPECT_NE(t.find(s), std::string::npos) << s;
}
