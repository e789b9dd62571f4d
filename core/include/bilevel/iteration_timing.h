// Timings of the inner iterations on the CPU or a GPU: one lower-level iteration (a gradient of h
// on the whole batch), one CG iteration (a Hessian-vector product), a mixed derivative, and whole
// solver iterations, as medians over repeats.
#pragma once

#include <string>

#include "bilevel/regularizer_settings.h"
#include "bilevel/status.h"

namespace bilevel {

struct BenchmarkOptions {
  std::string regularizer = "field_of_experts";  // a registered type, at its defaults
  std::string device = "cpu";                    // "cpu" or "cuda" (the first CUDA device)
  int batch = 8;
  int channels = 3;
  int size = 96;  // square images
  // regularizer.kernels and regularizer.kernel_size, for the types that have them; 0: the type's
  // default.
  int kernels = 0;
  int kernel_size = 0;
  int repeats = 20;  // timed iterations per measurement (after 3 warm-up ones)
  bool double_precision = false;
  Status validate() const;
};

// Medians on the whole batch of denoising problems, every image active: a lower-level iteration
// (the gradient of h), a CG iteration (a Hessian-vector product), a mixed derivative, and, whole,
// a FISTA iteration and a CG iteration of the solvers (their vector updates, reductions and
// per-image decisions included: the difference of solves of 2R and R iterations over R). On a
// device each timed body waits for its work to finish.
struct BenchmarkResult {
  double lower_level_ms = 0.0;
  double cg_ms = 0.0;
  double mixed_ms = 0.0;
  double fista_step_ms = 0.0;
  double cg_step_ms = 0.0;
  int threads = 0;
  std::string backend;  // where it ran: the CPU description or "GPU: <name>"
  std::string model;    // DescribeSettings of the regularizer timed
  std::string report() const;
};

// Fails with a message for an unknown type, images the regularizer does not fit, or a device that
// cannot be used.
Status RunBenchmark(const BenchmarkOptions& options, BenchmarkResult* result);

}  // namespace bilevel
