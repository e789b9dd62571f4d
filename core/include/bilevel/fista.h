// FISTA for a batch of smooth, strongly convex problems, stopping each image at ||grad h_i|| <=
// eps.
//
// Step 1/L_i with L_i from power iterations on the problem's curvature bound times a safety factor,
// safeguarded per image: whenever the secant ||g_k - g_{k-1}|| / ||y_k - y_{k-1}|| between two
// successive extrapolated points exceeds L_i, L_i grows (steps::FistaSafeLipschitz) and the
// momentum restarts. A bound that holds is never changed by it; a regularizer without a bound
// (the input-convex network, whose estimate is taken at the starting point) or a low estimate
// gets the step its curvature along the iterates needs.
// Momentum: (sqrt(L) - sqrt(mu)) / (sqrt(L) + sqrt(mu)) when mu_i > 0 (Nesterov's constant for
// strongly convex functions), else the classical t_k sequence; gradient-based adaptive restart
// (O'Donoghue and Candes, 2015). The gradient is evaluated at the extrapolated point; an image
// stops when that gradient is small, and the point is returned, so the reported residual is exactly
// ||grad h_i(x_i)||. Each gradient evaluation on one image counts one lower-level iteration.
#pragma once

#include <functional>

#include "bilevel/batch.h"
#include "bilevel/solver_interfaces.h"
#include "bilevel/solver_report.h"
#include "bilevel/status.h"

namespace bilevel {

struct FistaOptions {
  double tolerance = 1e-3;  // eps
  // The values per image (channels x height x width) for which eps is stated: images of N values
  // stop at eps * sqrt(N / reference_size) (steps::ScaledTolerance). 0: eps is an absolute norm.
  std::size_t reference_size = 0;
  int max_iterations = 10000;      // per image
  int power_iterations = 15;       // for the Lipschitz estimate
  double lipschitz_safety = 1.05;  // multiplies the power-method estimate
  bool strongly_convex_momentum = true;
  bool adaptive_restart = true;
  unsigned seed = 7;  // start vector of the power method (the same for every image)
  // Asked once per iteration (on the calling thread); returning false stops the solve with
  // kCancelled. It may block, which pauses the solve. Empty: never cancelled.
  std::function<bool()> keep_going;
  // Told after each iteration's gradient (on the calling thread) the largest ||grad h_i|| of the
  // images that iteration evaluated, for progress displays; it does not change the solve.
  std::function<void(double largest_residual)> monitor;
  Status validate() const;
};

// x holds the starting points (warm starts) on entry and the solutions on exit. The solver's
// vectors live where x does, and the problem works on batches there.
template <typename T>
SolveSummary SolveFista(const FistaOptions& options, BatchObjective<T>& problem, Batch<T>& x);

// lambda_max of each image's operator by power iteration (returned per image, summary counts),
// every image from the same start vector drawn from seed.
// keep_going is asked before every iteration; when it says no the result is empty. The vectors
// live in the memory of `where` (bilevel/batch.h), the host's by default.
template <typename T>
std::vector<double> PowerMethod(BatchLinearOperator<T>& op, const Shape& shape, int iterations,
                                unsigned seed, const std::function<bool()>& keep_going = {},
                                backend::Ops<T>* where = nullptr);

}  // namespace bilevel
