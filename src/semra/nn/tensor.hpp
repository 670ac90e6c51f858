#pragma once
// The engine's data types. Float32, row-major, batch-first: a batch is a Matrix with one sample per
// row, so one sample's features are contiguous (as in a replay buffer or an environment's
// observation).
#include <Eigen/Core>
#include <cstdint>

namespace semra::nn {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::VectorXf;
// Action masks: one row per sample, 1 = valid, 0 = invalid.
using MaskMatrix = Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

}  // namespace semra::nn
