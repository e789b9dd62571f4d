// Conjugate gradients for H_i q_i = b_i on each image, stopping at ||b_i - H_i q_i|| <= delta.
// Each Hessian-vector product on one image counts one CG iteration (a nonzero warm start costs one
// for its initial residual).
#pragma once

#include <functional>

#include "bilevel/batch.h"
#include "bilevel/solver_interfaces.h"
#include "bilevel/solver_report.h"
#include "bilevel/status.h"

namespace bilevel {

struct CgOptions {
  double tolerance = 1e-3;  // delta
  // The values per image for which delta is stated, as FistaOptions::reference_size.
  std::size_t reference_size = 0;
  int max_iterations = 10000;  // per image
  // Asked once per iteration; returning false stops with kCancelled (see FistaOptions).
  std::function<bool()> keep_going;
  Status validate() const;
};

// q holds the starting points (warm starts) on entry and the solutions on exit. The solver's
// vectors live where b does (b and q in the same memory).
template <typename T>
SolveSummary SolveCg(const CgOptions& options, BatchLinearOperator<T>& h, const Batch<T>& b,
                     Batch<T>& q);

}  // namespace bilevel
