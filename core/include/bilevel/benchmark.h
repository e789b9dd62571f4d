// Timings of the inner iterations: one lower-level iteration (a gradient of h on the whole batch)
// and one CG iteration (a Hessian-vector product on the whole batch), as medians over repeats.
#pragma once

#include <string>

#include "bilevel/status.h"

namespace bilevel {

struct BenchmarkOptions {
  int batch = 8;
  int channels = 3;
  int size = 96;  // square images
  int kernels = 10;
  int kernel_size = 7;
  int repeats = 20;  // timed iterations per measurement (after 3 warm-up ones)
  bool double_precision = false;
  Status validate() const;
};

struct BenchmarkResult {
  double lower_level_ms = 0.0;  // median per lower-level iteration on the batch
  double cg_ms = 0.0;           // median per CG iteration on the batch
  double mixed_ms = 0.0;        // median per mixed-derivative evaluation on the batch
  int threads = 0;
  std::string report() const;
};

BenchmarkResult RunCpuBenchmark(const BenchmarkOptions& options);

}  // namespace bilevel
