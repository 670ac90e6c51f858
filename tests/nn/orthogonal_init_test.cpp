// nn::orthogonal_init (nn/init.hpp): torch.nn.init.orthogonal_'s construction, checked by its
// defining property W W^T = gain^2 I (wide or square W) or W^T W = gain^2 I (tall W), zero biases,
// the output layer's own gain, and one draw sequence per seed.
#include <gtest/gtest.h>

#include "semra/core/rng.hpp"
#include "semra/nn/init.hpp"
#include "semra/nn/mlp.hpp"

namespace {

using semra::Rng;
using namespace semra::nn;

TEST(NnInit, OrthogonalWeightsWithGainsAndZeroBiases) {
  Rng rng(1, "orthogonal");
  Mlp net({12, 5, 5, 9, 3}, Activation::Relu, Activation::Identity);
  orthogonal_init(net, rng, 1.5, 0.01);
  for (int l = 0; l < net.num_layers(); ++l) {
    const Eigen::MatrixXd w = net.weight(l).cast<double>();
    const double gain = l + 1 == net.num_layers() ? 0.01 : 1.5;
    const Eigen::MatrixXd gram = w.rows() <= w.cols() ? Eigen::MatrixXd(w * w.transpose())
                                                      : Eigen::MatrixXd(w.transpose() * w);
    const Eigen::MatrixXd expected =
        gain * gain * Eigen::MatrixXd::Identity(gram.rows(), gram.cols());
    EXPECT_LT((gram - expected).cwiseAbs().maxCoeff(), 1e-5 * gain * gain) << "layer " << l;
    EXPECT_EQ(net.bias(l).cwiseAbs().maxCoeff(), 0.0f) << "layer " << l;
  }
  Rng again(1, "orthogonal");
  Mlp copy({12, 5, 5, 9, 3}, Activation::Relu, Activation::Identity);
  orthogonal_init(copy, again, 1.5, 0.01);
  EXPECT_EQ(copy.params(), net.params());
  Rng other(2, "orthogonal");
  orthogonal_init(copy, other, 1.5, 0.01);
  EXPECT_NE(copy.params(), net.params());
}

}  // namespace
