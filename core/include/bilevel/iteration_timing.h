// Timings of the inner iterations: one lower-level iteration (a gradient of h on the whole batch)
// and one CG iteration (a Hessian-vector product on the whole batch), as medians over repeats.
#pragma once

#include <string>
#include <vector>

#include "bilevel/boundary.h"
#include "bilevel/regularizer_settings.h"
#include "bilevel/status.h"

namespace bilevel {

struct BenchmarkOptions {
  std::string regularizer = "field_of_experts";  // a registered type, at its defaults
  int batch = 8;
  int channels = 3;
  int size = 96;     // square images
  int kernels = 10;  // the Field of Experts' J and k
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
  std::string model;  // DescribeSettings of the regularizer timed
  std::string report() const;
};

// Fails with a message for an unknown type or images the regularizer does not fit.
Status RunCpuBenchmark(const BenchmarkOptions& options, BenchmarkResult* result);

// The GPU training engine (builds with the CUDA backend and a device only): float32, denoising,
// per image size
//   - one lower-level iteration: a FISTA iteration of the whole batch (gradient of h, the vector
//     updates, the per-image norms and stopping tests), the median over every iteration of
//     `repeats` solves of fista_iterations iterations each (tolerance too small to be met);
//   - one CG iteration likewise (Hessian-vector product, updates, reductions);
//   - one ISGD step: CudaFoeOracle::evaluate on a batch with the iteration counts fixed to
//     fista_iterations and cg_iterations (median wall time over `repeats` steps).
// Iterations are timed with CUDA events on the solver's stream, so host gaps count.
struct CudaBenchmarkOptions {
  int batch = 32;
  std::vector<int> sizes = {96, 256};  // square images
  int channels = 3;
  int kernels = 10;
  int kernel_size = 7;
  Boundary boundary = Boundary::kReflect101;
  int fista_iterations = 50;
  int cg_iterations = 30;
  int repeats = 5;
  Status validate() const;
};

struct CudaBenchmarkRow {
  int size = 0;
  double lower_level_us = 0.0;  // median per FISTA iteration of the batch
  double cg_us = 0.0;           // median per CG iteration of the batch
  double step_ms = 0.0;         // median per ISGD step (evaluate with the hypergradient)
  long step_lower_iterations = 0, step_cg_iterations = 0;  // of the last step, summed over images
};

struct CudaBenchmarkResult {
  std::string device;
  std::vector<CudaBenchmarkRow> rows;
  std::string report(const CudaBenchmarkOptions& options) const;
};

// Fails with a message when the build has no CUDA backend or no device is usable.
Status RunCudaBenchmark(const CudaBenchmarkOptions& options, CudaBenchmarkResult* result);

}  // namespace bilevel
