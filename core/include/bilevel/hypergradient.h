// Inexact hypergradients of the upper-level loss f(theta) = (1/m) sum_i ||x_i(theta) - x*_i||^2.
//
// For each image: FISTA solves the lower level to ||grad_x h_i|| <= eps, CG solves
// H_i q_i = grad g_i(x_i) to residual <= delta, and z_i = -(d/dtheta grad_x h_i)^T q_i. The batch
// hypergradient is the mean of the z_i. Warm starts go in and come out through x and q.
//
// Every per-image result (solution, iterations, loss, PSNR, z_i) is what the image gives alone,
// bit for bit, whatever else the batch holds; batch-wide values are reduced from them in the
// batch's order (MeanInOrder). A data-parallel run, which solves a batch's images on several
// processes, reduces the same per-image values the same way and so gets the same numbers.
#pragma once

#include <Eigen/Core>

#include <string>
#include <vector>

#include "bilevel/batch.h"
#include "bilevel/cg.h"
#include "bilevel/fista.h"
#include "bilevel/forward_operator.h"
#include "bilevel/regularizer.h"
#include "bilevel/solver_report.h"
#include "bilevel/status.h"

namespace bilevel {

struct HypergradientOptions {
  FistaOptions lower;  // lower.tolerance is eps
  CgOptions linear;    // linear.tolerance is delta
  double mu0 = 0.0;    // strong convexity term mu0/2 ||x||^2 of the lower level
  Status validate() const;
};

// The training pairs of one batch and their forward operator (not owned).
template <typename T>
struct BatchData {
  const ForwardOperator<T>* op = nullptr;
  const Batch<T>* clean = nullptr;     // x*
  const Batch<T>* measured = nullptr;  // y = A x* + noise
};

// The canonical reduction of per-image values: their sum in the given order, then divided by
// their count (0 for none). The columns version does the same for each row of d x n values.
double MeanInOrder(const std::vector<double>& values);
Eigen::VectorXd MeanInOrder(const Eigen::MatrixXd& columns);

template <typename T>
struct HypergradientResult {
  SolverStatus status = SolverStatus::kInvalidInput;
  std::string message;
  Vector<T> gradient;               // mean of z_i over the batch (MeanInOrder of image_gradients)
  Eigen::MatrixXd image_gradients;  // d x n: z_i of each image, in double
  double loss = 0.0;                // mean ||x_i - x*_i||^2 at the inexact solutions
  std::vector<double> losses;       // per image
  std::vector<double> psnr;         // per image, on [0, 1] intensities
  SolveSummary lower;               // FISTA per image
  SolveSummary linear;              // CG per image

  bool usable() const {
    return status == SolverStatus::kConverged || status == SolverStatus::kMaxIterations;
  }
  double meanPsnr() const;
  // Lower-level plus CG iterations: the paper's "computations".
  long computations() const { return lower.totalIterations() + linear.totalIterations(); }
};

// Rejects empty batches, mismatched shapes, kernels that do not fit, non-finite parameters or
// images, and invalid options, with a message naming the problem.
template <typename T>
Status CheckProblem(const Regularizer<T>& reg, const Vector<T>& theta, const BatchData<T>& data,
                    const Batch<T>& x, const Batch<T>* q);

// x and q: warm starts in, solutions out. An empty x starts from the measurements, an empty q from
// zero; a non-empty warm start of the wrong shape is rejected.
template <typename T>
HypergradientResult<T> ComputeHypergradient(const HypergradientOptions& options,
                                            Regularizer<T>& reg, const Vector<T>& theta,
                                            const BatchData<T>& data, Batch<T>& x, Batch<T>& q);

// The loss alone: lower-level solves and the mean squared error (gradient left empty, no CG).
template <typename T>
HypergradientResult<T> EvaluateLoss(const HypergradientOptions& options, Regularizer<T>& reg,
                                    const Vector<T>& theta, const BatchData<T>& data, Batch<T>& x);

}  // namespace bilevel
