#include "semra/core/stop.hpp"

#include "semra/core/error.hpp"

namespace semra {
namespace {
// Constant-initialised, so the handler can store to it before anything else ran.
constinit std::atomic<bool> g_stop{false};
constinit std::atomic<bool> g_exit_on_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);
}  // namespace

std::atomic<bool>& stop_flag() {
  return g_stop;
}

std::atomic<bool>& exit_on_stop() {
  return g_exit_on_stop;
}

void throw_if_stopped() {
  if (stop_requested()) throw Interrupted();
}

}  // namespace semra
