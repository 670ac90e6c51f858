// ISS (eq. 6) by Gram-Schmidt, against its defining properties and an independent least-squares
// projection; embeddings loader and synthetic encoder.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>

#include "semra/core/error.hpp"
#include "semra/core/rng.hpp"
#include "semra/semantic/embeddings.hpp"
#include "semra/semantic/iss.hpp"

namespace sem = semra::semantic;

namespace {
std::vector<double> randvec(semra::Rng& rng, int d) {
  std::vector<double> v(static_cast<std::size_t>(d));
  for (auto& x : v) x = rng.normal();
  return v;
}
std::vector<const std::vector<double>*> ptrs(const std::vector<std::vector<double>>& v) {
  std::vector<const std::vector<double>*> p;
  for (const auto& x : v) p.push_back(&x);
  return p;
}
// ||P c|| / ||c|| with P the orthogonal projector on span(A), computed by least squares (QR with
// column pivoting), independently of our Gram-Schmidt.
double lstsq_iss(const std::vector<std::vector<double>>& t, const std::vector<double>& c) {
  const int d = static_cast<int>(c.size());
  Eigen::MatrixXd a(d, static_cast<int>(t.size()));
  for (std::size_t j = 0; j < t.size(); ++j)
    for (int i = 0; i < d; ++i) a(i, static_cast<int>(j)) = t[j][static_cast<std::size_t>(i)];
  const Eigen::VectorXd cv = Eigen::Map<const Eigen::VectorXd>(c.data(), d);
  const Eigen::VectorXd x = a.colPivHouseholderQr().solve(cv);
  return (a * x).norm() / cv.norm();
}
}  // namespace

TEST(Iss, InUnitIntervalAndNonDecreasing) {
  semra::Rng rng(1, "iss");
  for (int trial = 0; trial < 50; ++trial) {
    const int d = 2 + rng.uniform_int(20);
    const int n = 1 + rng.uniform_int(25);
    std::vector<std::vector<double>> t;
    for (int i = 0; i < n; ++i) t.push_back(randvec(rng, d));
    const auto c = randvec(rng, d);
    const auto curve = sem::iss_curve(ptrs(t), c);
    ASSERT_EQ(curve.size(), static_cast<std::size_t>(n));
    for (std::size_t k = 0; k < curve.size(); ++k) {
      EXPECT_GE(curve[k], 0.0);
      EXPECT_LE(curve[k], 1.0);
      if (k > 0) {
        EXPECT_GE(curve[k], curve[k - 1]);
      }
    }
    if (n >= d) {
      EXPECT_NEAR(curve.back(), 1.0, 1e-9);  // n random vectors span R^d
    }
  }
}

TEST(Iss, OneInSpanZeroOrthogonal) {
  const std::vector<std::vector<double>> t = {{1, 0, 0, 0}, {1, 1, 0, 0}};
  EXPECT_NEAR(sem::iss(ptrs(t), {3, -2, 0, 0}), 1.0, 1e-12);
  EXPECT_NEAR(sem::iss(ptrs(t), {0, 0, 1, 2}), 0.0, 1e-12);
  EXPECT_NEAR(sem::iss(ptrs(t), {1, 0, 1, 0}), 1.0 / std::sqrt(2.0), 1e-12);
  EXPECT_EQ(sem::iss({}, {1, 0, 0, 0}), 0.0);
  // A dependent (repeated) triple adds nothing and is dropped without harm.
  const std::vector<std::vector<double>> dup = {{1, 0, 0}, {2, 0, 0}, {0, 1, 0}};
  const auto curve = sem::iss_curve(ptrs(dup), {1, 1, 1});
  EXPECT_NEAR(curve[0], 1.0 / std::sqrt(3.0), 1e-12);
  EXPECT_NEAR(curve[1], 1.0 / std::sqrt(3.0), 1e-12);
  EXPECT_NEAR(curve[2], std::sqrt(2.0 / 3.0), 1e-12);
}

TEST(Iss, ScaleInvariant) {
  semra::Rng rng(2, "iss");
  std::vector<std::vector<double>> t;
  for (int i = 0; i < 4; ++i) t.push_back(randvec(rng, 9));
  const auto c = randvec(rng, 9);
  const double base = sem::iss(ptrs(t), c);
  auto ts = t;
  const double scales[] = {1e-3, 7.0, -2.0, 1e4};
  for (std::size_t i = 0; i < ts.size(); ++i)
    for (auto& x : ts[i]) x *= scales[i];
  auto cs = c;
  for (auto& x : cs) x *= 123.0;
  EXPECT_NEAR(sem::iss(ptrs(ts), cs), base, 1e-12);
}

TEST(Iss, EqualsLeastSquaresProjection) {
  semra::Rng rng(4, "iss");
  for (int trial = 0; trial < 100; ++trial) {
    const int d = 3 + rng.uniform_int(30);
    const int n = 1 + rng.uniform_int(d);  // may also reach d
    std::vector<std::vector<double>> t;
    for (int i = 0; i < n; ++i) t.push_back(randvec(rng, d));
    if (n >= 2 && trial % 5 == 0) {  // a dependent vector: a combination of the first two
      for (int i = 0; i < d; ++i) t.back()[static_cast<std::size_t>(i)] = 2 * t[0][i] - t[1][i];
    }
    const auto c = randvec(rng, d);
    EXPECT_NEAR(sem::iss(ptrs(t), c), lstsq_iss(t, c), 1e-9) << "trial " << trial;
  }
}

TEST(Embeddings, ParsesAndValidates) {
  const auto e = sem::parse_embeddings(
      R"({"dim": 2, "images": {"1": [1, 0]}, "triples": {"man|on|bike": [0.5, 0.5]}})", "e.json");
  EXPECT_EQ(e.dim, 2);
  ASSERT_NE(e.image(1), nullptr);
  EXPECT_EQ(e.image(2), nullptr);
  ASSERT_NE(e.triple(sem::Triple{"man", "on", "bike"}), nullptr);

  auto expect_error = [](const std::string& json, std::initializer_list<std::string> frags) {
    try {
      sem::parse_embeddings(json, "e.json");
      FAIL() << json;
    } catch (const semra::InputError& err) {
      for (const auto& f : frags)
        EXPECT_NE(std::string(err.what()).find(f), std::string::npos) << err.what();
    }
  };
  expect_error("[1]", {"e.json", "top level"});
  expect_error(R"({"images": {}, "triples": {}})", {"dim"});
  expect_error(R"({"dim": 0, "images": {}, "triples": {}})", {"dim"});
  expect_error(R"({"dim": 2, "triples": {}})", {"images"});
  expect_error(R"({"dim": 2, "images": {"1": [1, 0, 0]}, "triples": {}})",
               {"images.\"1\"", "3 values", "dim = 2"});
  expect_error(R"({"dim": 2, "images": {"1": [1, "x"]}, "triples": {}})", {"images.\"1\"[1]"});
  expect_error(R"({"dim": 2, "images": {"1": [1, null]}, "triples": {}})", {"images.\"1\"[1]"});
  expect_error(R"({"dim": 2, "images": {"1": [0, 0]}, "triples": {}})", {"zero vector"});
  expect_error(R"({"dim": 2, "images": {"1": [1, NaN]}, "triples": {}})", {"not valid JSON"});

  sem::SceneGraph g{1, {sem::Triple{"man", "on", "bike"}, sem::Triple{"dog", "on", "grass"}}};
  sem::SceneGraph h{3, {sem::Triple{"man", "on", "bike"}}};
  try {
    e.require({g, h}, "e.json");
    FAIL();
  } catch (const semra::InputError& err) {
    const std::string m = err.what();
    EXPECT_NE(m.find("2 missing vectors"), std::string::npos) << m;
    EXPECT_NE(m.find("dog|on|grass"), std::string::npos) << m;
    EXPECT_NE(m.find("images.\"3\""), std::string::npos) << m;
  }
}

TEST(SyntheticEncoder, UnitVectorsDeterministicAndWordSeeded) {
  const sem::SyntheticEncoder enc(32, 9, 0.5);
  const auto a = enc.word("man");
  const auto b = enc.word("man");
  EXPECT_EQ(a, b);
  double n = 0;
  for (const double x : a) n += x * x;
  EXPECT_NEAR(n, 1.0, 1e-12);
  EXPECT_NE(enc.word("woman"), a);
  // Triple vector = normalised sum of its words' vectors.
  const auto t = enc.triple(sem::Triple{"man", "riding on", "bike"});
  std::vector<double> s(32, 0.0);
  for (const char* w : {"man", "riding", "on", "bike"}) {
    const auto v = enc.word(w);
    for (int i = 0; i < 32; ++i) s[i] += v[i];
  }
  double sn = 0;
  for (const double x : s) sn += x * x;
  for (int i = 0; i < 32; ++i) EXPECT_NEAR(t[i], s[i] / std::sqrt(sn), 1e-12);
  // Image vector: unit, deterministic, and mostly in the span of its triples.
  semra::Rng rng(1, "g");
  const auto g = sem::generate_scene_graph(rng, 42);
  const auto img = enc.image(g);
  EXPECT_EQ(img, enc.image(g));
  std::vector<std::vector<double>> tv;
  for (const auto& tr : g.triples) tv.push_back(enc.triple(tr));
  EXPECT_GT(sem::iss(ptrs(tv), img), 0.7);
}
