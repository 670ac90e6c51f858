#pragma once
// The process's stop request. SIGINT and SIGTERM set it (the CLI's signal handler,
// apps/semra/main.cpp); every phase that can take more than a moment polls it (reading an input
// file, validating a grid, planning, building a world, rendering a figure, each experiment step)
// and stops within a second: a running experiment checkpoints, anything else throws Interrupted.
// Process-wide by nature, like the signals that set it.
#include <atomic>

namespace semra {

// The flag itself (a signal handler may store to it: lock-free, no initialisation at run time).
std::atomic<bool>& stop_flag();
inline bool stop_requested() {
  return stop_flag().load(std::memory_order_relaxed);
}
// Throws Interrupted when a stop was requested.
void throw_if_stopped();

}  // namespace semra
