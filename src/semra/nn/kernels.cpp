#include "semra/nn/kernels.hpp"

#include <stdexcept>
#include <string>

namespace semra::nn {

// Each defined by one compilation of src/semra/nn/isa/kernels_impl.cpp (CMakeLists.txt).
namespace isa_baseline {
const Kernels& kernels();
}
#if SEMRA_HAVE_ISA_AVX2
namespace isa_avx2 {
const Kernels& kernels();
}
#endif
#if SEMRA_HAVE_ISA_AVX512
namespace isa_avx512 {
const Kernels& kernels();
}
#endif

const Kernels& kernels_for(Isa isa) {
  switch (isa) {
    case Isa::Baseline:
      return isa_baseline::kernels();
    case Isa::Avx2:
#if SEMRA_HAVE_ISA_AVX2
      return isa_avx2::kernels();
#else
      break;
#endif
    case Isa::Avx512:
#if SEMRA_HAVE_ISA_AVX512
      return isa_avx512::kernels();
#else
      break;
#endif
  }
  throw std::invalid_argument("nn::kernels_for: this build has no " + std::string(to_string(isa)) +
                              " variant");
}

const Kernels& active_kernels() {
  return kernels_for(active_isa());
}

}  // namespace semra::nn
