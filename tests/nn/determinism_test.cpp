// Same inputs, same variant: bit-identical results wherever the buffers happen to live. Vectorised
// loops treat the elements before the first aligned address differently (scalar tanh vs the packet
// polynomial, another summation order), so a result that depended on heap addresses would break
// resume and thread-count identity on the AVX2/AVX-512 kernels. Runs once per variant (see
// isa_environment.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/nn/mlp.hpp"

namespace {

using semra::Rng;
using namespace semra::nn;

TEST(NnDeterminism, ResultsDoNotDependOnWhereTheDataLives) {
  Rng rng(9, "determinism");
  const Mlp proto({37, 45, 29, 13}, Activation::Tanh, Activation::Tanh, rng);
  constexpr int kRows = 11;
  std::vector<float> x(kRows * 37);
  for (float& v : x) v = static_cast<float>(rng.uniform(-1, 1));
  Matrix g(kRows, 13);
  for (Eigen::Index i = 0; i < g.size(); ++i) g.data()[i] = static_cast<float>(rng.uniform(-1, 1));

  Matrix out0, one0, dx0;
  Vector grads0;
  std::vector<std::unique_ptr<Mlp>> keep;  // all alive at once: each at another address
  for (int offset = 0; offset < 16; ++offset) {
    std::vector<float> buf(x.size() + 16);
    std::copy(x.begin(), x.end(), buf.begin() + offset);
    const Eigen::Map<const Matrix> xs(buf.data() + offset, kRows, 37);
    keep.push_back(std::make_unique<Mlp>(proto));
    Mlp& net = *keep.back();
    const Matrix out = net.forward(xs);
    const Matrix dx = net.backward(g, {.input_grad = true});
    const Matrix one = net.forward_one(buf.data() + offset + 37 * 3);
    if (offset == 0) {
      out0 = out, dx0 = dx, one0 = one, grads0 = net.grads();
      continue;
    }
    EXPECT_TRUE(out == out0) << "forward, input offset " << offset;
    EXPECT_TRUE(dx == dx0) << "input gradient, offset " << offset;
    EXPECT_TRUE(net.grads() == grads0) << "parameter gradients, offset " << offset;
    EXPECT_TRUE(one == one0) << "forward_one, offset " << offset;
  }
}

}  // namespace
