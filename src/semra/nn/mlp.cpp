#include "semra/nn/mlp.hpp"

#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "semra/core/error.hpp"
#include "semra/core/io.hpp"
#include "semra/nn/binary_io.hpp"
#include "semra/nn/kernels.hpp"

namespace semra::nn {

namespace {
constexpr char kMagic[9] = "SEMRANN1";
constexpr std::uint32_t kVersion = 1;
constexpr std::uint32_t kMaxLayers = 1024;
constexpr std::uint32_t kMaxWidth = 1u << 24;

std::string sizes_string(const std::vector<int>& sizes) {
  std::string s;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    if (i) s += '-';
    s += std::to_string(sizes[i]);
  }
  return s;
}
}  // namespace

Mlp::Mlp(std::vector<int> sizes, Activation hidden, Activation output)
    : sizes_(std::move(sizes)), hidden_(hidden), output_(output) {
  if (sizes_.size() < 2) throw std::invalid_argument("Mlp needs at least {in, out} sizes");
  Eigen::Index offset = 0;
  for (std::size_t l = 0; l + 1 < sizes_.size(); ++l) {
    Layer layer;
    layer.in = sizes_[l];
    layer.out = sizes_[l + 1];
    if (layer.in <= 0 || layer.out <= 0)
      throw std::invalid_argument("Mlp sizes must be positive: " + sizes_string(sizes_));
    layer.w = offset;
    offset += Eigen::Index{layer.in} * layer.out;
    layer.b = offset;
    offset += layer.out;
    layer.act = (l + 2 == sizes_.size()) ? output_ : hidden_;
    layers_.push_back(layer);
  }
  params_ = Vector::Zero(offset);
  grads_ = Vector::Zero(offset);
  acts_.resize(layers_.size() + 1);
  deltas_.resize(layers_.size());
  one_.resize(layers_.size());
  for (std::size_t l = 0; l < layers_.size(); ++l) one_[l].resize(1, layers_[l].out);
}

Mlp::Mlp(std::vector<int> sizes, Activation hidden, Activation output, Rng& rng)
    : Mlp(std::move(sizes), hidden, output) {
  init(rng);
}

void Mlp::init(Rng& rng) {
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(layers_[l].in));
    auto w = weight(static_cast<int>(l));
    for (Eigen::Index i = 0; i < w.size(); ++i)
      w.data()[i] = static_cast<float>(rng.uniform(-bound, bound));
    auto b = bias(static_cast<int>(l));
    for (Eigen::Index i = 0; i < b.size(); ++i)
      b[i] = static_cast<float>(rng.uniform(-bound, bound));
  }
}

bool Mlp::same_shape(const Mlp& other) const {
  return sizes_ == other.sizes_ && hidden_ == other.hidden_ && output_ == other.output_;
}

std::string Mlp::shape_string() const {
  return sizes_string(sizes_) + " " + std::string(to_string(hidden_)) + "/" +
         std::string(to_string(output_));
}

Eigen::Map<Matrix> Mlp::weight(int l) {
  const Layer& L = layers_[static_cast<std::size_t>(l)];
  return {params_.data() + L.w, L.out, L.in};
}
Eigen::Map<const Matrix> Mlp::weight(int l) const {
  const Layer& L = layers_[static_cast<std::size_t>(l)];
  return {params_.data() + L.w, L.out, L.in};
}
Eigen::Map<Vector> Mlp::bias(int l) {
  const Layer& L = layers_[static_cast<std::size_t>(l)];
  return {params_.data() + L.b, L.out};
}
Eigen::Map<const Vector> Mlp::bias(int l) const {
  const Layer& L = layers_[static_cast<std::size_t>(l)];
  return {params_.data() + L.b, L.out};
}
Eigen::Map<Matrix> Mlp::weight_grad(int l) {
  const Layer& L = layers_[static_cast<std::size_t>(l)];
  return {grads_.data() + L.w, L.out, L.in};
}
Eigen::Map<Vector> Mlp::bias_grad(int l) {
  const Layer& L = layers_[static_cast<std::size_t>(l)];
  return {grads_.data() + L.b, L.out};
}

void Mlp::ensure_batch(Eigen::Index rows) {
  if (acts_[0].rows() == rows) return;
  acts_[0].resize(rows, in_dim());
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    acts_[l + 1].resize(rows, layers_[l].out);
    deltas_[l].resize(rows, layers_[l].out);
  }
  input_grad_.resize(rows, in_dim());
}

// Input copy and every layer but the output one.
void Mlp::forward_hidden(const Eigen::Ref<const Matrix>& x) {
  if (x.cols() != in_dim())
    throw std::invalid_argument("Mlp::forward: input has " + std::to_string(x.cols()) +
                                " columns, network " + shape_string() + " expects " +
                                std::to_string(in_dim()));
  ensure_batch(x.rows());
  acts_[0] = x;
  for (std::size_t l = 0; l + 1 < layers_.size(); ++l) dense_forward(l);
}

// acts_[l + 1] = act(acts_[l] W_l^T + b_l).
void Mlp::dense_forward(std::size_t l) {
  const Layer& L = layers_[l];
  active_kernels().dense_forward(acts_[l].data(), acts_[l].rows(), L.in, params_.data() + L.w,
                                 params_.data() + L.b, L.out, static_cast<std::uint8_t>(L.act),
                                 acts_[l + 1].data());
}

const Matrix& Mlp::forward(const Eigen::Ref<const Matrix>& x) {
  cached_ = Cached::None;
  forward_hidden(x);
  const std::size_t l = layers_.size() - 1;
  dense_forward(l);
  cached_ = Cached::Full;
  return acts_[l + 1];
}

void Mlp::forward_selected(const Eigen::Ref<const Matrix>& x,
                           const Eigen::Ref<const Eigen::VectorXi>& cols, Eigen::Ref<Vector> out) {
  if (cols.size() != x.rows() || out.size() != x.rows())
    throw std::invalid_argument(
        "Mlp::forward_selected: one column and one output per row expected");
  cached_ = Cached::None;
  forward_hidden(x);
  const std::size_t l = layers_.size() - 1;
  const auto w = weight(static_cast<int>(l));
  const auto b = bias(static_cast<int>(l));
  const Matrix& h = acts_[l];
  selected_cols_.resize(x.rows());  // no-op after the first call with this batch size
  selected_out_.resize(x.rows());
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    const int c = cols[i];
    if (c < 0 || c >= out_dim())
      throw std::invalid_argument("Mlp::forward_selected: column out of range");
    selected_cols_[i] = c;
    selected_out_[i] = h.row(i).dot(w.row(c)) + b[c];
  }
  Eigen::Map<Matrix> as_row(selected_out_.data(), 1, selected_out_.size());
  apply_activation(layers_[l].act, as_row);
  out = selected_out_;
  cached_ = Cached::Selected;
}

// Backprop for y = act(x W^T + b), with delta = dL/d(pre-activation):
//   delta = dL/dy * act'(y);  dL/dW = delta^T x;  dL/db = sum over rows of delta;  dL/dx = delta W.
// Runs layers top..0; deltas_[top] must hold dL/dy of layer `top` on entry.
void Mlp::backward_hidden(std::size_t top, BackwardOptions options) {
  const Kernels& k = active_kernels();
  for (std::size_t l = top + 1; l-- > 0;) {
    const Layer& L = layers_[l];
    Matrix& delta = deltas_[l];
    const Eigen::Index rows = delta.rows();
    k.activation_backward(static_cast<std::uint8_t>(L.act), acts_[l + 1].data(), delta.data(),
                          delta.size());
    if (options.param_grads)
      k.dense_param_grad(delta.data(), rows, L.out, acts_[l].data(), L.in, grads_.data() + L.w,
                         grads_.data() + L.b, options.accumulate);
    if (l > 0 || options.input_grad)
      k.dense_input_grad(delta.data(), rows, L.out, params_.data() + L.w, L.in,
                         l > 0 ? deltas_[l - 1].data() : input_grad_.data());
  }
}

const Matrix& Mlp::backward(const Eigen::Ref<const Matrix>& grad_out, BackwardOptions options) {
  if (cached_ != Cached::Full)
    throw std::logic_error("Mlp::backward: no forward() to back-propagate through");
  if (grad_out.rows() != acts_.back().rows() || grad_out.cols() != out_dim())
    throw std::invalid_argument("Mlp::backward: gradient shape does not match the last forward");
  const std::size_t last = layers_.size() - 1;
  deltas_[last] = grad_out;
  backward_hidden(last, options);
  return input_grad_;
}

// Output layer with a one-entry-per-row gradient: delta has a single nonzero d_i at (i, c_i), so
//   dL/dW_L = sum_i d_i e_{c_i} h_i^T (row c_i gets d_i h_i),  dL/db_L[c_i] += d_i,
//   dL/dh_i = d_i W_L[c_i].
const Matrix& Mlp::backward_selected(const Eigen::Ref<const Vector>& grad,
                                     BackwardOptions options) {
  if (cached_ != Cached::Selected)
    throw std::logic_error(
        "Mlp::backward_selected: no forward_selected() to back-propagate through");
  if (grad.size() != selected_cols_.size())
    throw std::invalid_argument("Mlp::backward_selected: one gradient per row expected");
  const std::size_t l = layers_.size() - 1;
  const int li = static_cast<int>(l);
  const Matrix& h = acts_[l];
  const auto w = weight(li);
  auto wg = weight_grad(li);
  auto bg = bias_grad(li);
  if (options.param_grads && !options.accumulate) {
    wg.setZero();
    bg.setZero();
  }
  const bool need_dh = l > 0 || options.input_grad;
  Matrix& dh = l > 0 ? deltas_[l - 1] : input_grad_;
  for (Eigen::Index i = 0; i < grad.size(); ++i) {
    const int c = selected_cols_[i];
    const float d = grad[i] * activation_derivative(layers_[l].act, selected_out_[i]);
    if (options.param_grads) {
      wg.row(c) += d * h.row(i);
      bg[c] += d;
    }
    if (need_dh) dh.row(i) = d * w.row(c);
  }
  if (l > 0) backward_hidden(l - 1, options);
  return input_grad_;
}

const Matrix& Mlp::forward_one(const float* x) {
  const Kernels& k = active_kernels();
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const Layer& L = layers_[l];
    k.dense_forward(l == 0 ? x : one_[l - 1].data(), 1, L.in, params_.data() + L.w,
                    params_.data() + L.b, L.out, static_cast<std::uint8_t>(L.act), one_[l].data());
  }
  return one_.back();
}

void Mlp::copy_from(const Mlp& src) {
  if (!same_shape(src))
    throw std::invalid_argument("Mlp::copy_from: shape " + src.shape_string() +
                                " != " + shape_string());
  params_ = src.params_;
}

void Mlp::polyak_update(const Mlp& src, float tau) {
  if (!same_shape(src))
    throw std::invalid_argument("Mlp::polyak_update: shape " + src.shape_string() +
                                " != " + shape_string());
  params_ = tau * src.params_ + (1.0f - tau) * params_;
}

// ---- save / load ----
// magic[8] "SEMRANN1" | u32 version | u32 n_sizes | u32 sizes[n_sizes] | u8 hidden act | u8 output
// act | u64 n_params | f32 params[n_params] | u64 FNV-1a 64 of all preceding bytes.

void Mlp::save(std::ostream& os) const {
  BinaryWriter w(os);
  w.bytes(kMagic, 8);
  w.u32(kVersion);
  w.u32(static_cast<std::uint32_t>(sizes_.size()));
  for (int s : sizes_) w.u32(static_cast<std::uint32_t>(s));
  w.u8(static_cast<std::uint8_t>(hidden_));
  w.u8(static_cast<std::uint8_t>(output_));
  w.u64(static_cast<std::uint64_t>(params_.size()));
  w.floats(params_.data(), static_cast<std::size_t>(params_.size()));
  w.checksum();
}

void Mlp::save(const std::string& path) const {
  // Serialised first, then written atomically: a full disk gives "cannot write 'PATH': No space
  // left on device" and leaves no partial network behind.
  std::ostringstream os(std::ios::binary);
  save(os);
  write_file_atomic(path, std::move(os).str());
}

Mlp Mlp::from_stream(std::istream& is, std::string_view name) {
  BinaryReader r(is, name);
  r.magic(kMagic, "semra network file");
  r.version(kVersion);
  const std::uint32_t n_sizes = r.u32();
  if (n_sizes < 2 || n_sizes > kMaxLayers + 1) r.fail("corrupted header (bad layer count)");
  std::vector<int> sizes(n_sizes);
  std::uint64_t expected_params = 0;
  for (std::uint32_t i = 0; i < n_sizes; ++i) {
    const std::uint32_t s = r.u32();
    if (s == 0 || s > kMaxWidth) r.fail("corrupted header (bad layer size)");
    sizes[i] = static_cast<int>(s);
    if (i > 0) expected_params += static_cast<std::uint64_t>(sizes[i - 1]) * s + s;
  }
  const std::uint8_t hidden = r.u8();
  const std::uint8_t output = r.u8();
  if (hidden > 2 || output > 2) r.fail("corrupted header (bad activation)");
  const std::uint64_t n_params = r.u64();
  if (n_params != expected_params)
    r.fail("corrupted header (parameter count does not match sizes)");
  std::vector<float> data;
  r.floats(data, n_params);
  r.checksum();
  Mlp net(std::move(sizes), static_cast<Activation>(hidden), static_cast<Activation>(output));
  net.params_ = Eigen::Map<const Vector>(data.data(), static_cast<Eigen::Index>(data.size()));
  return net;
}

void Mlp::load(std::istream& is, std::string_view name) {
  Mlp loaded = from_stream(is, name);
  if (!same_shape(loaded))
    throw InputError(std::string(name) + ": network shape " + loaded.shape_string() +
                     " does not match the expected " + shape_string());
  params_ = loaded.params_;
}

namespace {
std::istringstream open_model(const std::string& path) {
  return std::istringstream(read_input_file(path, "model file", input_limit::kModelBytes),
                            std::ios::binary);
}
// A whole file must be exactly one record: bytes after the checksum mean it is not what we wrote.
void expect_end(std::istream& is, const std::string& path) {
  if (is.peek() != std::char_traits<char>::eof())
    throw InputError("model file '" + path + "': unexpected trailing bytes after the checksum");
}
}  // namespace

void Mlp::load(const std::string& path) {
  std::istringstream is = open_model(path);
  Mlp loaded = from_stream(is, "model file '" + path + "'");
  expect_end(is, path);
  if (!same_shape(loaded))
    throw InputError("model file '" + path + "': network shape " + loaded.shape_string() +
                     " does not match the expected " + shape_string());
  params_ = loaded.params_;
}

Mlp Mlp::from_file(const std::string& path) {
  std::istringstream is = open_model(path);
  Mlp net = from_stream(is, "model file '" + path + "'");
  expect_end(is, path);
  return net;
}

}  // namespace semra::nn
