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

// While a command has written nothing yet (reading its inputs, planning), a stop needs no
// cleanup, so the CLI's handler ends the process at once (exit 130, "semra: interrupted") rather
// than waiting for a library call that cannot be interrupted (parsing a big TOML or JSON file).
// The CLI sets it after installing its handlers; whatever starts writing (the runner before it
// creates the output directory, `semra plot` before its first file) clears it first.
std::atomic<bool>& exit_on_stop();

}  // namespace semra
