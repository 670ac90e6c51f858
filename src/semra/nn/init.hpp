#pragma once
// Orthogonal initialisation (Saxe et al. 2014), as torch.nn.init.orthogonal_ draws it, for the
// on-policy learners: PPO implementations (OpenAI baselines, CleanRL, the MAPPO authors' code)
// initialise every weight matrix orthogonally with gain sqrt(2) for ReLU hidden layers, a small
// gain (0.01) for the policy's output layer, so that the first policy is close to uniform, and
// zero biases.
//
// torch's algorithm, for W of shape rows x cols (out x in): draw G ~ N(0, 1) (rows x cols,
// row-major); if rows < cols, transpose G; G = Q R (thin QR); Q <- Q diag(sign(diag R)) (makes the
// factorisation unique, so Q is Haar-distributed); transpose back if needed; W = gain Q. Then
// W W^T = gain^2 I (rows <= cols) or W^T W = gain^2 I (rows >= cols).
#include "semra/core/rng.hpp"
#include "semra/nn/mlp.hpp"

namespace semra::nn {

// W_l orthogonal with gain `hidden_gain` for every layer but the last, `output_gain` for the last;
// every bias 0. Draws rows x cols normals per layer, layer by layer, from `rng`.
void orthogonal_init(Mlp& net, Rng& rng, double hidden_gain, double output_gain);

}  // namespace semra::nn
