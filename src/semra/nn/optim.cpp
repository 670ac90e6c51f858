#include "semra/nn/optim.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "semra/core/error.hpp"
#include "semra/nn/binary_io.hpp"
#include "semra/nn/optim_kernels.hpp"

namespace semra::nn {

std::string_view to_string(OptimizerKind k) {
  switch (k) {
    case OptimizerKind::Sgd:
      return "sgd";
    case OptimizerKind::Adam:
      return "adam";
    case OptimizerKind::RmsProp:
      return "rmsprop";
  }
  return "?";
}

OptimizerConfig OptimizerConfig::sgd(float lr, float momentum) {
  OptimizerConfig c;
  c.kind = OptimizerKind::Sgd;
  c.lr = lr;
  c.momentum = momentum;
  return c;
}

OptimizerConfig OptimizerConfig::adam(float lr) {
  OptimizerConfig c;
  c.kind = OptimizerKind::Adam;
  c.lr = lr;
  return c;
}

OptimizerConfig OptimizerConfig::torch_rmsprop(float lr) {
  OptimizerConfig c;
  c.kind = OptimizerKind::RmsProp;
  c.lr = lr;
  c.alpha = 0.99f;
  c.eps = 1e-8f;
  return c;
}

OptimizerConfig OptimizerConfig::keras_rmsprop(float lr, float lr_decay) {
  OptimizerConfig c = torch_rmsprop(lr);
  c.lr_decay = lr_decay;
  c.alpha = 0.9f;
  c.eps = 1e-7f;
  return c;
}

OptimizerConfig OptimizerConfig::named(std::string_view name, float lr, std::string_view key) {
  if (name == "sgd") return sgd(lr);
  if (name == "adam") return adam(lr);
  if (name == "rmsprop_torch") return torch_rmsprop(lr);
  if (name == "rmsprop_keras") return keras_rmsprop(lr);
  throw InputError(std::string(key) + ": unknown optimizer '" + std::string(name) +
                   "' (expected one of: sgd, adam, rmsprop_torch, rmsprop_keras)");
}

Optimizer::Optimizer(const OptimizerConfig& config, Eigen::Index num_params)
    : config_(config), state1_(Vector::Zero(num_params)), state2_(Vector::Zero(num_params)) {}

float Optimizer::current_lr() const {
  return static_cast<float>(double{config_.lr} /
                            (1.0 + double{config_.lr_decay} * static_cast<double>(steps_)));
}

void Optimizer::step(Eigen::Ref<Vector> params, const Eigen::Ref<const Vector>& grads) {
  const Eigen::Index n = state1_.size();
  if (params.size() != n || grads.size() != n)
    throw std::invalid_argument("Optimizer::step: expected " + std::to_string(n) +
                                " parameters and gradients");
  const float lr = current_lr();
  ++steps_;
  const OptimizerConfig& c = config_;
  switch (c.kind) {
    case OptimizerKind::Sgd: {
      const float wd = c.weight_decay;
      if (c.momentum == 0.0f) {
        if (wd == 0.0f)
          params -= lr * grads;
        else
          params -= lr * (grads + wd * params);
      } else {
        // PyTorch: the momentum buffer starts as a copy of the first gradient.
        const float mu = steps_ == 1 ? 0.0f : c.momentum;
        if (wd == 0.0f)
          state1_ = mu * state1_ + grads;
        else
          state1_ = mu * state1_ + (grads + wd * params);
        params -= lr * state1_;
      }
      return;
    }
    case OptimizerKind::Adam: {
      // torch: bias_correction1 = 1 - beta1**step etc. in double, then used as float scalars.
      const double t = static_cast<double>(steps_);
      const double bc1 = 1.0 - std::pow(double{c.beta1}, t);
      const double bc2 = 1.0 - std::pow(double{c.beta2}, t);
      const kernels::AdamArgs a{c.beta1,
                                c.beta2,
                                static_cast<float>(double{lr} / bc1),
                                static_cast<float>(std::sqrt(bc2)),
                                c.eps,
                                c.weight_decay};
      kernels::adam(params.data(), grads.data(), state1_.data(), state2_.data(), n, a);
      return;
    }
    case OptimizerKind::RmsProp: {
      const kernels::RmsPropArgs a{c.alpha, lr, c.eps, c.weight_decay, c.eps_inside_sqrt};
      kernels::rmsprop(params.data(), grads.data(), state1_.data(), n, a);
      return;
    }
  }
}

void Optimizer::set_state(std::int64_t steps, const Vector& state1, const Vector& state2) {
  if (state1.size() != state1_.size() || state2.size() != state2_.size())
    throw std::invalid_argument("Optimizer::set_state: size mismatch");
  steps_ = steps;
  state1_ = state1;
  state2_ = state2;
}

void Optimizer::reset() {
  steps_ = 0;
  state1_.setZero();
  state2_.setZero();
}

// magic[8] "SEMRAOP1" | u32 version | u8 kind | f32 lr, lr_decay, weight_decay, momentum, beta1,
// beta2, alpha, eps | u8 eps_inside_sqrt | i64 steps | u64 n | f32 state1[n] | f32 state2[n] | u64
// FNV-1a 64.
namespace {
constexpr char kMagic[9] = "SEMRAOP1";
constexpr std::uint32_t kVersion = 1;
}  // namespace

void Optimizer::save(std::ostream& os) const {
  BinaryWriter w(os);
  w.bytes(kMagic, 8);
  w.u32(kVersion);
  w.u8(static_cast<std::uint8_t>(config_.kind));
  for (float f : {config_.lr, config_.lr_decay, config_.weight_decay, config_.momentum,
                  config_.beta1, config_.beta2, config_.alpha, config_.eps})
    w.f32(f);
  w.u8(config_.eps_inside_sqrt ? 1 : 0);
  w.u64(static_cast<std::uint64_t>(steps_));
  w.u64(static_cast<std::uint64_t>(state1_.size()));
  w.floats(state1_.data(), static_cast<std::size_t>(state1_.size()));
  w.floats(state2_.data(), static_cast<std::size_t>(state2_.size()));
  w.checksum();
}

void Optimizer::load(std::istream& is, std::string_view name) {
  BinaryReader r(is, name);
  r.magic(kMagic, "semra optimizer record");
  r.version(kVersion);
  OptimizerConfig c;
  const std::uint8_t kind = r.u8();
  if (kind > 2) r.fail("corrupted optimizer record (bad kind)");
  c.kind = static_cast<OptimizerKind>(kind);
  for (float* f :
       {&c.lr, &c.lr_decay, &c.weight_decay, &c.momentum, &c.beta1, &c.beta2, &c.alpha, &c.eps})
    *f = r.f32();
  c.eps_inside_sqrt = r.u8() != 0;
  const auto steps = static_cast<std::int64_t>(r.u64());
  const std::uint64_t n = r.u64();
  if (n != static_cast<std::uint64_t>(state1_.size()))
    r.fail("optimizer state has " + std::to_string(n) + " parameters, expected " +
           std::to_string(state1_.size()));
  std::vector<float> s1, s2;
  r.floats(s1, n);
  r.floats(s2, n);
  r.checksum();
  if (c.kind != config_.kind)
    r.fail("optimizer kind " + std::string(to_string(c.kind)) + " does not match the expected " +
           std::string(to_string(config_.kind)));
  config_ = c;
  steps_ = steps;
  state1_ = Eigen::Map<const Vector>(s1.data(), static_cast<Eigen::Index>(n));
  state2_ = Eigen::Map<const Vector>(s2.data(), static_cast<Eigen::Index>(n));
}

float clip_grad_norm(Eigen::Ref<Vector> grads, float max_norm) {
  const float norm = grads.norm();
  const float coef = max_norm / (norm + 1e-6f);
  if (coef < 1.0f) grads *= coef;
  return norm;
}

}  // namespace semra::nn
