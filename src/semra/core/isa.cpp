#include "semra/core/isa.hpp"

#include <atomic>
#include <cstdlib>
#include <mutex>

#include "semra/core/error.hpp"

namespace semra {

namespace {
std::atomic<int> g_active{-1};
std::mutex g_init;
}  // namespace

std::string_view to_string(Isa isa) {
  switch (isa) {
    case Isa::Baseline:
      return "baseline";
    case Isa::Avx2:
      return "avx2";
    case Isa::Avx512:
      return "avx512";
  }
  return "?";
}

bool isa_supported(Isa isa) {
  switch (isa) {
    case Isa::Baseline:
      return true;
    // libgcc's checks include the OS: AVX needs XCR0 to enable YMM state, AVX-512 ZMM/opmask state.
    case Isa::Avx2:
#if SEMRA_HAVE_ISA_AVX2
      return __builtin_cpu_supports("x86-64-v3");
#else
      return false;  // the compiler could not target it
#endif
    case Isa::Avx512:
#if SEMRA_HAVE_ISA_AVX512
      return __builtin_cpu_supports("x86-64-v4");
#else
      return false;
#endif
  }
  return false;
}

Isa best_isa() {
  for (Isa isa : {Isa::Avx512, Isa::Avx2})
    if (isa_supported(isa)) return isa;
  return Isa::Baseline;
}

Isa resolve_isa(std::string_view request) {
  if (request.empty() || request == "auto") return best_isa();
  for (Isa isa : kAllIsas) {
    if (request != to_string(isa)) continue;
    if (!isa_supported(isa))
      throw InputError("SEMRA_ISA=" + std::string(request) +
                       ": this CPU (or OS) does not support it (supported here: " +
                       [] {
                         std::string s;
                         for (Isa i : kAllIsas)
                           if (isa_supported(i))
                             s += (s.empty() ? "" : ", ") + std::string(to_string(i));
                         return s;
                       }() +
                       ", auto)");
    return isa;
  }
  throw InputError("SEMRA_ISA=" + std::string(request) +
                   ": expected one of baseline, avx2, avx512, auto");
}

Isa active_isa() {
  int v = g_active.load(std::memory_order_acquire);
  if (v >= 0) return static_cast<Isa>(v);
  std::lock_guard<std::mutex> lock(g_init);
  v = g_active.load(std::memory_order_relaxed);
  if (v < 0) {
    const char* env = std::getenv("SEMRA_ISA");
    v = static_cast<int>(resolve_isa(env ? env : ""));
    g_active.store(v, std::memory_order_release);
  }
  return static_cast<Isa>(v);
}

void set_active_isa_for_testing(Isa isa) {
  if (!isa_supported(isa))
    throw InputError("set_active_isa_for_testing: " + std::string(to_string(isa)) +
                     " is not supported here");
  g_active.store(static_cast<int>(isa), std::memory_order_release);
}

}  // namespace semra
