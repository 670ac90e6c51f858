#pragma once
// Optimisers over a flat parameter vector (Mlp::params()/grads()), with PyTorch's update formulas
// (torch.optim, single-tensor "for-loop" implementation, default flags: no amsgrad, no nesterov,
// dampening 0, RMSprop not centered and without momentum). With g the gradient, p the parameters,
// t = 1, 2, ... the step number and lr_t the (decayed) learning rate:
//
//   weight decay (L2, all kinds):  g <- g + weight_decay * p                     (not AdamW)
//   SGD:      momentum == 0:  p <- p - lr_t g
//             momentum  > 0:  b <- g (t = 1),  b <- momentum b + g (t > 1);  p <- p - lr_t b
//   Adam:     m <- m + (1 - beta1) (g - m)           (torch: exp_avg.lerp_(g, 1 - beta1))
//             v <- beta2 v + (1 - beta2) g^2
//             p <- p - (lr_t / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
//   RMSprop:  v <- alpha v + (1 - alpha) g^2
//             p <- p - lr_t g / (sqrt(v) + eps)       (eps OUTSIDE the sqrt, as PyTorch and Keras
//             2) eps_inside_sqrt: p <- p - lr_t g / sqrt(v + eps)   (TF's ApplyRMSProp kernel,
//             Keras 3)
//
// Learning-rate decay (Keras 2's `decay` argument, used by the DHDRL reference):
//   lr_t = lr / (1 + lr_decay * (t - 1)),  i.e. the first step uses lr itself.
// PyTorch defaults: SGD none; Adam lr 1e-3, betas (0.9, 0.999), eps 1e-8; RMSprop lr 1e-2,
// alpha 0.99, eps 1e-8 (torch_rmsprop()). Keras 2 RMSprop defaults: lr 1e-3, rho 0.9, eps 1e-7
// (keras_rmsprop()). Both RMSprops are OptimizerKind::RmsProp with another alpha and eps.
//
// Global gradient-norm clipping, torch.nn.utils.clip_grad_norm_:
//   n = ||g||_2;  if max_norm / (n + 1e-6) < 1:  g <- g * max_norm / (n + 1e-6).
#include <cstdint>
#include <iosfwd>
#include <string_view>

#include "semra/nn/tensor.hpp"

namespace semra::nn {

enum class OptimizerKind : std::uint8_t { Sgd = 0, Adam = 1, RmsProp = 2 };

std::string_view to_string(OptimizerKind k);

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::Adam;
  float lr = 1e-3f;
  float lr_decay = 0.0f;
  float weight_decay = 0.0f;
  float momentum = 0.0f;         // SGD only
  float beta1 = 0.9f;            // Adam
  float beta2 = 0.999f;          // Adam
  float alpha = 0.99f;           // RMSprop smoothing constant (Keras calls it rho)
  float eps = 1e-8f;             // Adam, RMSprop
  bool eps_inside_sqrt = false;  // RMSprop only

  static OptimizerConfig sgd(float lr, float momentum = 0.0f);
  static OptimizerConfig adam(float lr = 1e-3f);
  // torch.optim.RMSprop's defaults (alpha 0.99, eps 1e-8, eps outside the sqrt).
  static OptimizerConfig torch_rmsprop(float lr = 1e-2f);
  // Keras 2 RMSprop (rho 0.9, eps 1e-7, eps outside the sqrt), e.g. keras_rmsprop(5e-4f, 1e-4f).
  static OptimizerConfig keras_rmsprop(float lr = 1e-3f, float lr_decay = 0.0f);
  // The optimiser a config value names, at learning rate lr: "sgd", "adam", "rmsprop_torch"
  // (torch_rmsprop) or "rmsprop_keras" (keras_rmsprop). Anything else, plain "rmsprop" included
  // (a scenario resolves it to its own meaning first), throws semra::InputError naming `key` and
  // the valid values.
  static OptimizerConfig named(std::string_view name, float lr, std::string_view key);

  bool operator==(const OptimizerConfig&) const = default;
};

class Optimizer {
 public:
  Optimizer() = default;
  Optimizer(const OptimizerConfig& config, Eigen::Index num_params);

  // One update of `params` from `grads` (both num_params long). Allocates nothing.
  void step(Eigen::Ref<Vector> params, const Eigen::Ref<const Vector>& grads);

  // The learning rate the next step will use.
  float current_lr() const;
  std::int64_t steps() const { return steps_; }
  Eigen::Index size() const { return state1_.size(); }
  const OptimizerConfig& config() const { return config_; }
  // Learning-rate schedules beyond lr_decay can set the base rate between steps.
  void set_lr(float lr) { config_.lr = lr; }

  // State for checkpoints. state1: SGD momentum buffer / Adam exp_avg (m) / RMSprop square_avg (v);
  // state2: Adam exp_avg_sq (v), unused (zeros) otherwise.
  const Vector& state1() const { return state1_; }
  const Vector& state2() const { return state2_; }
  void set_state(std::int64_t steps, const Vector& state1, const Vector& state2);
  // Back to the state before the first step.
  void reset();

  // Binary record "SEMRAOP1" (format in docs/nn.md) holding the config, the step count and the
  // state. load restores all of it exactly (hyperparameters included); a different kind or
  // parameter count, or a damaged record, throws semra::InputError naming `name`.
  void save(std::ostream& os) const;
  void load(std::istream& is, std::string_view name);

 private:
  OptimizerConfig config_;
  std::int64_t steps_ = 0;
  Vector state1_;
  Vector state2_;
};

// Scales grads in place so that their global L2 norm is at most max_norm (see above); returns the
// norm before clipping.
float clip_grad_norm(Eigen::Ref<Vector> grads, float max_norm);

}  // namespace semra::nn
