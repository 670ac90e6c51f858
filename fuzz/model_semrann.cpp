// A saved network (.semrann: `--save-models`, read back by eval.load). With the first input byte
// even, the trailing checksum is recomputed before reading, so the fuzzer explores the header and
// payload checks behind it; odd, the bytes are read as they are (the checksum must catch them).
#include <sstream>

#include "fuzz.hpp"
#include "semra/core/checksum.hpp"
#include "semra/nn/mlp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::string bytes = semra::fuzz::text(data + 1, size - 1);
  if ((data[0] & 1) == 0 && bytes.size() >= 8) {
    const std::uint64_t h = semra::fnv1a64(std::string_view(bytes).substr(0, bytes.size() - 8));
    bytes.replace(bytes.size() - 8, 8, reinterpret_cast<const char*>(&h), 8);
  }
  semra::fuzz::expect_input_errors_only([&] {
    std::istringstream in(bytes, std::ios::binary);
    auto net = semra::nn::Mlp::from_stream(in, "model file 'fuzz.semrann'");
    // A network that loads must run: one forward pass on a zero input.
    const semra::nn::Matrix x = semra::nn::Matrix::Zero(1, net.in_dim());
    semra::fuzz::require(net.forward(x).cols() == net.out_dim(), "forward output size");
  });
  return 0;
}
