#pragma once
// Instruction-set variants of the hot numeric code (the NN kernels, src/semra/nn/kernels.hpp).
//
// One build carries every variant the compiler can target; the process uses one, chosen once, the
// first time it is asked for: the best the CPU and the OS support, or the one named by the
// environment variable SEMRA_ISA (baseline | avx2 | avx512 | auto, default auto).
//   baseline  x86-64 (SSE2): runs everywhere; the numbers semra gave before variants existed
//   avx2      x86-64-v3: AVX2 + FMA (Haswell, Zen 1 and later)
//   avx512    x86-64-v4: AVX-512 F/BW/CD/DQ/VL (Skylake-SP, Zen 4 and later)
// Same variant, config and seed: bit-identical results. Different variants may differ in the last
// bits (fused multiply-add, other blocking), so a checkpoint records its variant.
#include <string>
#include <string_view>

namespace semra {

enum class Isa { Baseline = 0, Avx2 = 1, Avx512 = 2 };
inline constexpr Isa kAllIsas[] = {Isa::Baseline, Isa::Avx2, Isa::Avx512};

std::string_view to_string(Isa isa);
// Whether this build contains the variant and this CPU + OS can run it (cpuid, and xgetbv for the
// OS saving the YMM/ZMM registers).
bool isa_supported(Isa isa);
// The best supported variant.
Isa best_isa();

// The variant named by `request` ("baseline", "avx2", "avx512" or "auto"; empty = "auto").
// Throws InputError with one line naming SEMRA_ISA when the name is unknown or the variant is not
// supported here.
Isa resolve_isa(std::string_view request);

// The variant this process uses: resolved from SEMRA_ISA on first call (so an invalid SEMRA_ISA
// throws InputError here; the CLI calls this before anything else), then fixed.
Isa active_isa();

// Tests only: switch the process to `isa` (must be supported). Not thread-safe: call it while no
// other thread runs NN code.
void set_active_isa_for_testing(Isa isa);

}  // namespace semra
