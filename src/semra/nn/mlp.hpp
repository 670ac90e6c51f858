#pragma once
// Multi-layer perceptron: Dense -> act -> ... -> Dense -> output act.
//
// All parameters live in ONE contiguous vector (and their gradients in another of the same size),
// so an optimiser step, a hard copy, a Polyak update, save/load and checkpointing are each a single
// loop over a flat vector. Layer l's weight W_l (out x in, row-major, PyTorch's nn.Linear layout)
// and bias b_l are views (Eigen::Map) into that vector, computed on demand from offsets, so an Mlp
// is a plain value type (copyable, movable) with no self-pointers.
//
// Layout of params(): [W_0 (row-major), b_0, W_1, b_1, ...].
// Layer: y = act(x W^T + b) for a batch x (one sample per row).
//
// Workspaces (cached activations, back-propagated deltas, the single-sample buffers) are allocated
// the first time a batch size is seen; later calls with the same batch size allocate nothing.
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/nn/activation.hpp"
#include "semra/nn/tensor.hpp"

namespace semra::nn {

struct BackwardOptions {
  // Also compute dL/d(input) (returned by backward), e.g. dQ/da for an actor-critic.
  bool input_grad = false;
  // false: leave grads() untouched and only propagate to the input (needs input_grad).
  bool param_grads = true;
  // true: grads() += this batch's gradient instead of grads() = it.
  bool accumulate = false;
};

class Mlp {
 public:
  Mlp() = default;
  // sizes = {in, h1, ..., out} (at least 2 entries, all > 0). Parameters start at zero; call
  // init().
  explicit Mlp(std::vector<int> sizes, Activation hidden = Activation::Relu,
               Activation output = Activation::Identity);
  // Same, initialised with init(rng).
  Mlp(std::vector<int> sizes, Activation hidden, Activation output, Rng& rng);

  // PyTorch's nn.Linear default: kaiming_uniform_(W, a=sqrt(5)) gives W ~ U(-1/sqrt(fan_in),
  // 1/sqrt(fan_in)); b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)). Draws layer by layer, W row-major,
  // then b.
  void init(Rng& rng);

  int in_dim() const { return sizes_.front(); }
  int out_dim() const { return sizes_.back(); }
  int num_layers() const { return static_cast<int>(layers_.size()); }
  const std::vector<int>& sizes() const { return sizes_; }
  Activation hidden_activation() const { return hidden_; }
  Activation output_activation() const { return output_; }
  // Same sizes and activations.
  bool same_shape(const Mlp& other) const;
  // e.g. "74-64-32-100 relu/identity".
  std::string shape_string() const;

  Vector& params() { return params_; }
  const Vector& params() const { return params_; }
  Vector& grads() { return grads_; }
  const Vector& grads() const { return grads_; }
  Eigen::Map<Matrix> weight(int l);
  Eigen::Map<const Matrix> weight(int l) const;
  Eigen::Map<Vector> bias(int l);
  Eigen::Map<const Vector> bias(int l) const;
  Eigen::Map<Matrix> weight_grad(int l);
  Eigen::Map<Vector> bias_grad(int l);

  // Batch forward (x: batch x in_dim), caching what backward needs. The result (batch x out_dim)
  // stays valid until the next forward().
  const Matrix& forward(const Eigen::Ref<const Matrix>& x);
  const Matrix& output() const { return acts_.back(); }

  // Back-propagates dL/d(output) (same shape as the last forward's output) through the cached
  // forward. Returns dL/d(input) when options.input_grad, otherwise an unspecified matrix.
  const Matrix& backward(const Eigen::Ref<const Matrix>& grad_out, BackwardOptions options = {});

  // Forward for losses that read ONE output per row, e.g. the DQN TD loss on Q(s_i, a_i): the
  // hidden layers run in full and are cached, but the output layer is evaluated only at (i,
  // cols[i]), so out[i] = forward(x)(i, cols[i]) without the rest of the output layer's work. Pair
  // with backward_selected().
  void forward_selected(const Eigen::Ref<const Matrix>& x,
                        const Eigen::Ref<const Eigen::VectorXi>& cols, Eigen::Ref<Vector> out);
  // Backward after forward_selected() for a gradient that is zero except dL/d(out)(i, cols[i]) =
  // grad[i]. Same options and result as backward(); the output layer's zero rows cost nothing.
  const Matrix& backward_selected(const Eigen::Ref<const Vector>& grad,
                                  BackwardOptions options = {});

  // Single sample (x: in_dim floats) through separate buffers: does not disturb the batch cache, so
  // acting between forward() and backward() is safe. Returns a 1 x out_dim row, valid until the
  // next forward_one().
  const Matrix& forward_one(const float* x);

  // Parameters of `src` copied into this network (target <- online). Throws std::invalid_argument
  // when the shapes differ.
  void copy_from(const Mlp& src);
  // Soft update, this <- tau * src + (1 - tau) * this (Lillicrap et al. 2016). Same shape required.
  void polyak_update(const Mlp& src, float tau);

  // Binary model file, format in docs/nn.md: magic "SEMRANN1", version, sizes, activations, float32
  // parameters, FNV-1a 64 checksum. Little-endian.
  void save(const std::string& path) const;
  void save(std::ostream& os) const;
  // Loads parameters into this network. Any problem (unreadable, bad magic, unsupported version,
  // truncated, checksum mismatch, shape different from this network's) throws semra::InputError
  // with a one-line message naming `path` / `name`.
  void load(const std::string& path);
  void load(std::istream& is, std::string_view name);
  // A network with the file's shape and parameters.
  static Mlp from_file(const std::string& path);
  static Mlp from_stream(std::istream& is, std::string_view name);

 private:
  struct Layer {
    int in = 0, out = 0;
    Eigen::Index w = 0, b = 0;  // offsets into params_/grads_
    Activation act = Activation::Identity;
  };
  void ensure_batch(Eigen::Index rows);
  void forward_hidden(const Eigen::Ref<const Matrix>& x);
  void dense_forward(std::size_t l);
  void backward_hidden(std::size_t top, BackwardOptions options);

  // What the batch cache holds, so that a backward that does not match its forward is an error
  // rather than silently wrong gradients.
  enum class Cached : std::uint8_t { None, Full, Selected };
  Cached cached_ = Cached::None;

  std::vector<int> sizes_;
  Activation hidden_ = Activation::Relu;
  Activation output_ = Activation::Identity;
  std::vector<Layer> layers_;
  Vector params_;
  Vector grads_;
  // Workspaces. acts_[0] = input copy, acts_[l+1] = output of layer l (post-activation).
  std::vector<Matrix> acts_;
  std::vector<Matrix> deltas_;  // deltas_[l] = dL/d(pre-activation of layer l) during backward
  Matrix input_grad_;
  Eigen::VectorXi selected_cols_;
  Vector selected_out_;      // post-activation outputs at the selected entries
  std::vector<Matrix> one_;  // single-sample activations, one_[l] = output of layer l (1 x out)
};

}  // namespace semra::nn
