#pragma once
// Runs independent tasks on a few threads. Each task writes only its own result slot, so results do
// not depend on the number of threads or on scheduling.
#include <cstddef>
#include <functional>

namespace semra {

// Calls task(i) for every i in order[0..n) on `threads` threads (1 = the calling thread only).
// Tasks are taken in the given order (put long ones first). The first exception thrown by a task is
// rethrown after every running task has finished; tasks not yet started are skipped.
void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& task);

// Threads to use when the user did not say: the machine's hardware concurrency (at least 1).
int default_threads();

}  // namespace semra
