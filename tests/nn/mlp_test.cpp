// Mlp construction, initialisation, single-sample path, target updates and the model file format.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include <unistd.h>

#include "../support/tmpfs.hpp"
#include "../support/temp_dir.hpp"
#include "semra/core/error.hpp"
#include "semra/core/rng.hpp"
#include "semra/nn/mlp.hpp"

namespace {

using semra::Rng;
using namespace semra::nn;

TEST(NnMlp, LayoutAndPyTorchInitBounds) {
  Rng rng(1, "init");
  Mlp net({74, 64, 32, 100}, Activation::Relu, Activation::Identity, rng);
  EXPECT_EQ(net.num_layers(), 3);
  EXPECT_EQ(net.params().size(), 74 * 64 + 64 + 64 * 32 + 32 + 32 * 100 + 100);
  EXPECT_EQ(net.grads().size(), net.params().size());
  EXPECT_EQ(net.shape_string(), "74-64-32-100 relu/identity");
  // W and b views point into the one parameter vector, in order.
  EXPECT_EQ(net.weight(0).data(), net.params().data());
  EXPECT_EQ(net.bias(0).data(), net.params().data() + 74 * 64);
  EXPECT_EQ(net.weight(1).data(), net.params().data() + 74 * 64 + 64);
  EXPECT_EQ(net.weight(2).rows(), 100);
  EXPECT_EQ(net.weight(2).cols(), 32);
  // U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for W and b, and it actually spreads over that range.
  for (int l = 0; l < 3; ++l) {
    const float bound =
        1.0f / std::sqrt(static_cast<float>(net.sizes()[static_cast<std::size_t>(l)]));
    EXPECT_LE(net.weight(l).cwiseAbs().maxCoeff(), bound);
    EXPECT_GT(net.weight(l).cwiseAbs().maxCoeff(), 0.95f * bound);
    EXPECT_LE(net.bias(l).cwiseAbs().maxCoeff(), bound);
    EXPECT_NEAR(net.weight(l).mean(), 0.0f, 0.1f * bound);
  }
  // Same stream, same network; different stream, different network.
  Rng again(1, "init");
  Mlp same({74, 64, 32, 100}, Activation::Relu, Activation::Identity, again);
  EXPECT_EQ(same.params(), net.params());
  Rng other(2, "init");
  Mlp diff({74, 64, 32, 100}, Activation::Relu, Activation::Identity, other);
  EXPECT_NE(diff.params(), net.params());
}

TEST(NnMlp, RejectsBadShapes) {
  EXPECT_THROW(Mlp({4}), std::invalid_argument);
  EXPECT_THROW(Mlp({4, 0, 2}), std::invalid_argument);
  Mlp net({3, 2});
  Matrix x(2, 4);
  x.setZero();
  EXPECT_THROW(net.forward(x), std::invalid_argument);
  Matrix g(2, 2);
  EXPECT_THROW(net.backward(g), std::logic_error);  // no forward yet
}

TEST(NnMlp, ForwardMatchesHandComputation) {
  Mlp net({2, 2, 1}, Activation::Relu, Activation::Identity);
  // W0 = [[1, -1], [2, 0.5]], b0 = [0, -1]; W1 = [[1, 3]], b1 = [0.5].
  net.params() << 1, -1, 2, 0.5f, 0, -1, 1, 3, 0.5f;
  Matrix x(2, 2);
  x << 1, 2,  // h = relu(1 - 2, 2 + 1 - 1) = (0, 2); y = 0 + 6 + 0.5
      3, 1;   // h = relu(3 - 1, 6 + 0.5 - 1) = (2, 5.5); y = 2 + 16.5 + 0.5
  const Matrix& y = net.forward(x);
  EXPECT_FLOAT_EQ(y(0, 0), 6.5f);
  EXPECT_FLOAT_EQ(y(1, 0), 19.0f);
}

TEST(NnMlp, ForwardOneEqualsBatchRowAndKeepsCache) {
  Rng rng(2, "one");
  Mlp net({6, 5, 4}, Activation::Tanh, Activation::Identity, rng);
  Matrix x(3, 6);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.uniform(-1, 1));
  const Matrix batch = net.forward(x);
  for (int r = 0; r < 3; ++r) {
    const Matrix row = x.row(r);
    const Matrix& one = net.forward_one(row.data());
    EXPECT_LT((one - batch.row(r)).cwiseAbs().maxCoeff(), 1e-6f);
  }
  // forward_one did not disturb the batch cache: backward still refers to the batch.
  EXPECT_EQ(net.output(), batch);
  const Matrix g = Matrix::Ones(3, 4);
  Mlp fresh = net;  // the same parameters, and a cache from the batch alone
  fresh.forward(x);
  fresh.backward(g);
  net.backward(g);
  EXPECT_EQ(net.grads(), fresh.grads());
}

TEST(NnMlp, HardCopyAndPolyak) {
  Rng rng(3, "target");
  Mlp online({3, 4, 2}, Activation::Relu, Activation::Identity, rng);
  Mlp target({3, 4, 2}, Activation::Relu, Activation::Identity, rng);
  const Vector t0 = target.params();
  target.polyak_update(online, 0.25f);
  const Vector expected = 0.25f * online.params() + 0.75f * t0;
  EXPECT_LT((target.params() - expected).cwiseAbs().maxCoeff(), 1e-7f);
  target.polyak_update(online, 1.0f);
  EXPECT_EQ(target.params(), online.params());
  Mlp t2({3, 4, 2}, Activation::Relu, Activation::Identity);
  t2.copy_from(online);
  EXPECT_EQ(t2.params(), online.params());
  t2.polyak_update(online, 0.0f);
  EXPECT_EQ(t2.params(), online.params());

  Mlp other_size({3, 5, 2}, Activation::Relu, Activation::Identity);
  Mlp other_act({3, 4, 2}, Activation::Tanh, Activation::Identity);
  EXPECT_THROW(other_size.copy_from(online), std::invalid_argument);
  EXPECT_THROW(other_act.copy_from(online), std::invalid_argument);
  EXPECT_THROW(other_size.polyak_update(online, 0.5f), std::invalid_argument);
}

// ---- model files ----

class NnModelFile : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  static std::string read(const std::string& p) {
    std::ifstream is(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(is), {}};
  }
  static void write(const std::string& p, const std::string& bytes) {
    std::ofstream os(p, std::ios::binary | std::ios::trunc);
    os << bytes;
  }
  // Expects InputError whose message names the file and contains `what`.
  static void expect_error(const std::function<void()>& f, const std::string& file,
                           const std::string& what) {
    try {
      f();
      ADD_FAILURE() << "no error for " << what;
    } catch (const semra::InputError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(file), std::string::npos) << msg;
      EXPECT_NE(msg.find(what), std::string::npos) << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    }
  }
  // Each test its own directory (mkdtemp): the ISA variants run the same test at the same time.
  semra_test::TempDir dir_{"semra-nn-model-"};
};

TEST_F(NnModelFile, RoundTrip) {
  Rng rng(4, "file");
  Mlp net({5, 7, 3}, Activation::Tanh, Activation::Identity, rng);
  net.save(path("m.bin"));
  Mlp loaded({5, 7, 3}, Activation::Tanh, Activation::Identity);
  loaded.load(path("m.bin"));
  EXPECT_EQ(loaded.params(), net.params());
  const Mlp fresh = Mlp::from_file(path("m.bin"));
  EXPECT_TRUE(fresh.same_shape(net));
  EXPECT_EQ(fresh.params(), net.params());
  // Layout: 8 magic + 4 version + 4 count + 3*4 sizes + 2 activations + 8 count + floats + 8
  // checksum.
  EXPECT_EQ(read(path("m.bin")).size(),
            8u + 4 + 4 + 12 + 2 + 8 + static_cast<std::size_t>(net.params().size()) * 4 + 8);
  EXPECT_EQ(read(path("m.bin")).substr(0, 8), "SEMRANN1");
  // Streams (for checkpoints holding several records).
  std::stringstream ss;
  net.save(ss);
  net.save(ss);
  Mlp a({5, 7, 3}, Activation::Tanh, Activation::Identity), b = a;
  a.load(ss, "stream");
  b.load(ss, "stream");
  EXPECT_EQ(b.params(), net.params());
}

TEST_F(NnModelFile, EachCorruptionIsAClearInputError) {
  Rng rng(5, "file");
  Mlp net({5, 7, 3}, Activation::Tanh, Activation::Identity, rng);
  net.save(path("good.bin"));
  const std::string good = read(path("good.bin"));
  Mlp expected({5, 7, 3}, Activation::Tanh, Activation::Identity);

  std::string bad = good;
  bad[0] = 'X';
  write(path("magic.bin"), bad);
  expect_error([&] { expected.load(path("magic.bin")); }, "magic.bin", "bad magic");

  bad = good;
  bad[8] = 9;  // version 9
  write(path("version.bin"), bad);
  expect_error([&] { expected.load(path("version.bin")); }, "version.bin", "version 9");

  bad = good;
  bad[good.size() / 2] ^= 0x01;  // a parameter bit
  write(path("flip.bin"), bad);
  expect_error([&] { expected.load(path("flip.bin")); }, "flip.bin", "checksum mismatch");

  write(path("short.bin"), good.substr(0, good.size() - 20));
  expect_error([&] { expected.load(path("short.bin")); }, "short.bin", "truncated");
  write(path("header.bin"), good.substr(0, 10));
  expect_error([&] { expected.load(path("header.bin")); }, "header.bin", "truncated");
  write(path("empty.bin"), "");
  expect_error([&] { expected.load(path("empty.bin")); }, "empty.bin", "truncated");

  write(path("trailing.bin"), good + "x");
  expect_error([&] { expected.load(path("trailing.bin")); }, "trailing.bin", "trailing bytes");

  Mlp other({5, 8, 3}, Activation::Tanh, Activation::Identity);
  expect_error([&] { other.load(path("good.bin")); }, "good.bin",
               "shape 5-7-3 tanh/identity does not match the expected 5-8-3 tanh/identity");
  Mlp other_act({5, 7, 3}, Activation::Relu, Activation::Identity);
  expect_error([&] { other_act.load(path("good.bin")); }, "good.bin", "does not match");

  expect_error([&] { expected.load(path("missing.bin")); }, "missing.bin", "cannot be read");

  // A failed load leaves the network unchanged.
  Mlp keep({5, 7, 3}, Activation::Tanh, Activation::Identity, rng);
  const Vector before = keep.params();
  EXPECT_THROW(keep.load(path("flip.bin")), semra::InputError);
  EXPECT_EQ(keep.params(), before);
}

}  // namespace

// Saving networks on a full disk (--save-models; a 64 kB tmpfs, skipped where none can be
// mounted): the error names the file and the cause, and no partial network is left.
TEST_F(NnModelFile, SavingOnAFullDiskNamesTheFileAndTheCause) {
  // (per process: the nn tests also run once per kernel variant, possibly at the same time)
  semra_test::Tmpfs full(dir_ / ("full-" + std::to_string(::getpid())), 64 << 10);
  if (!full.ok()) GTEST_SKIP() << "cannot mount a tmpfs here";
  Rng rng(4, "full");
  Mlp net({64, 256, 64}, Activation::Tanh, Activation::Identity, rng);  // ~132 kB
  const auto file = (full.dir() / "high_0.semrann").string();
  try {
    net.save(file);
    FAIL() << "saved 132 kB into 64 kB";
  } catch (const semra::ResourceError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("cannot write '" + file + "'"), std::string::npos) << m;
    EXPECT_NE(m.find("No space left on device"), std::string::npos) << m;
  }
  EXPECT_TRUE(std::filesystem::is_empty(full.dir()));
}
