#include "semra/nn/init.hpp"

#include <Eigen/QR>

namespace semra::nn {

namespace {

// An orthogonal rows x cols matrix times gain (torch.nn.init.orthogonal_), in double.
Eigen::MatrixXd orthogonal(Eigen::Index rows, Eigen::Index cols, double gain, Rng& rng) {
  Eigen::MatrixXd g(rows, cols);
  for (Eigen::Index i = 0; i < rows; ++i)
    for (Eigen::Index j = 0; j < cols; ++j) g(i, j) = rng.normal();
  const bool wide = rows < cols;
  if (wide) g.transposeInPlace();
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
  Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(g.rows(), g.cols());
  for (Eigen::Index j = 0; j < q.cols(); ++j)
    if (qr.matrixQR()(j, j) < 0.0) q.col(j) = -q.col(j);
  if (wide) q.transposeInPlace();
  return gain * q;
}

}  // namespace

void orthogonal_init(Mlp& net, Rng& rng, double hidden_gain, double output_gain) {
  for (int l = 0; l < net.num_layers(); ++l) {
    auto w = net.weight(l);
    const double gain = l + 1 == net.num_layers() ? output_gain : hidden_gain;
    w = orthogonal(w.rows(), w.cols(), gain, rng).cast<float>();
    net.bias(l).setZero();
  }
}

}  // namespace semra::nn
