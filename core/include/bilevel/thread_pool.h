// A fixed pool of worker threads for data-parallel loops over images and row bands.
#pragma once

#include <functional>

namespace bilevel {

// Runs body(0) ... body(count-1), spread over the pool, and returns when all are done. Calls made
// from inside a body run serially on the calling thread, so nested loops are safe.
void ParallelFor(int count, const std::function<void(int)>& body);

// Number of threads ParallelFor uses (the calling thread included). Defaults to the hardware
// concurrency; BILEVEL_THREADS in the environment overrides it at start-up.
int ThreadCount();
// Resizes the pool. Must not be called while a ParallelFor is running. n < 1 means 1.
void SetThreadCount(int n);

}  // namespace bilevel
