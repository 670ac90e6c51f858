#pragma once
// Counts heap allocations made by this test program, to check that hot paths allocate nothing.
//
// Eigen allocates with std::malloc (not operator new) and libstdc++'s operator new calls malloc, so
// counting malloc/calloc/realloc covers both (nothing here uses aligned operator new). The
// definitions below replace glibc's symbols for this executable and forward to glibc's __libc_*
// entry points. Under AddressSanitizer, which must own malloc itself, counting is disabled and the
// tests that need it skip.
//
// The malloc replacements must be defined once per test program: the first file of a program
// includes this header as is; any further file of the same program defines
// SEMRA_COUNT_MALLOC_COUNTER_ONLY before including it (it then sees only the counter).
#include <cstddef>
#include <cstdlib>

#if defined(__SANITIZE_ADDRESS__)
#define SEMRA_COUNT_MALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SEMRA_COUNT_MALLOC 0
#endif
#endif
#if !defined(SEMRA_COUNT_MALLOC) && defined(__GLIBC__)
#define SEMRA_COUNT_MALLOC 1
#endif
#if !defined(SEMRA_COUNT_MALLOC)
#define SEMRA_COUNT_MALLOC 0
#endif

namespace semra::test {
inline volatile std::size_t g_allocations = 0;
inline std::size_t allocations() {
  return g_allocations;
}
inline constexpr bool kCountingAllocations = SEMRA_COUNT_MALLOC;
}  // namespace semra::test

#if SEMRA_COUNT_MALLOC && !defined(SEMRA_COUNT_MALLOC_COUNTER_ONLY)
// noexcept: glibc declares these __THROW, and a redefinition must match.
extern "C" {
void* __libc_malloc(std::size_t) noexcept;
void* __libc_calloc(std::size_t, std::size_t) noexcept;
void* __libc_realloc(void*, std::size_t) noexcept;

void* malloc(std::size_t n) noexcept {
  semra::test::g_allocations = semra::test::g_allocations + 1;
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) noexcept {
  semra::test::g_allocations = semra::test::g_allocations + 1;
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t n) noexcept {
  semra::test::g_allocations = semra::test::g_allocations + 1;
  return __libc_realloc(p, n);
}
}
#endif
