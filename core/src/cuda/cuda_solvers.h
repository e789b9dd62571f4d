// The inner solvers of the bilevel problem on the GPU: FISTA, the power method and CG on whole
// batches in device memory, for the lower-level problems
//
//   h_i(x) = 1/2 ||A x - y_i||^2 + R_theta(x) + mu0/2 ||x||^2
//
// with the Field of Experts R of a CudaFoe and a forward operator A on the device
// (CudaDataOperator). They follow SolveFista, PowerMethod and SolveCg (bilevel/fista.h,
// bilevel/cg.h) step by step: the same power-method start vectors (generated on the host exactly as
// the CPU does), Lipschitz safety factor, momentum, restart test, stopping rules, per-image
// iteration counters and summaries, so that both backends agree up to float32 rounding.
//
// Per-image norms, dot products and the decisions that follow them (stop, restart, momentum, CG's
// alpha and beta) are made on the device; an image that stops leaves the device-side list of
// active images, and every launch skips images off the list. The host reads back one integer per
// iteration (the number of images still active), one iteration behind, so the device never waits
// for it; keep_going is asked once per iteration before the iteration is queued (and once more
// after the last one, whose count the host has not seen yet).
//
// Every CUDA failure (out of memory, a failed launch) ends a solve with SolverStatus::kInvalidInput
// and a message; nothing throws. Only available in builds with the CUDA backend; this header needs
// no CUDA headers.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "bilevel/batch.h"
#include "bilevel/cg.h"
#include "bilevel/fista.h"
#include "bilevel/forward_operator.h"
#include "bilevel/solver_report.h"
#include "bilevel/status.h"
#include "cuda/cuda_foe.h"

namespace bilevel {

// The forward operator A of one batch on the device: the identity, a Gaussian blur (the host
// operator's kernel and boundary rule, with the exact adjoint), or inpainting with one mask per
// image of the batch.
class CudaDataOperator {
 public:
  // Mirrors a host operator. For inpainting its masks (one per image) are uploaded; the blur's
  // boundary rule is read off the operator itself (A applied to a constant image).
  static Status Create(const ForwardOperator<float>& op, void* stream,
                       std::unique_ptr<CudaDataOperator>* out);
  ~CudaDataOperator();
  CudaDataOperator(const CudaDataOperator&) = delete;
  CudaDataOperator& operator=(const CudaDataOperator&) = delete;

  OperatorKind kind() const;
  double normalLowerBound() const;  // as ForwardOperator::normalLowerBound()
  const Shape& imageShape() const;  // C x H x W (n unused)
  // Inpainting: the masks of the batch (n x C x H x W), which callers may overwrite (gather).
  DeviceBatch& masks();
  const DeviceBatch& masks() const;
  // out = A in or A^T in on every image (out is allocated to in's shape).
  Status apply(const DeviceBatch& in, DeviceBatch& out, bool adjoint);

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit CudaDataOperator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The lower-level problems of one batch (nothing owned). The CudaFoe's parameters must be set.
struct CudaProblem {
  CudaFoe* foe = nullptr;
  CudaDataOperator* op = nullptr;
  const DeviceBatch* measured = nullptr;  // y
  double mu0 = 0.0;
};

class CudaSolver {
 public:
  // Works on the CudaFoe's stream; workspaces grow with the batches it is given.
  static std::unique_ptr<CudaSolver> Create(CudaFoe& foe, Status* status);
  ~CudaSolver();
  CudaSolver(const CudaSolver&) = delete;
  CudaSolver& operator=(const CudaSolver&) = delete;

  // FISTA from the warm starts in x (solutions out), as SolveFista. start_ids[i] chooses image i's
  // power-method start vector, the one the CPU gives image start_ids[i] of its batch (the CPU
  // now gives every position the same vector drawn from seed); empty: ids 0..n-1.
  SolveSummary fista(const FistaOptions& options, const CudaProblem& problem, DeviceBatch& x,
                     const std::vector<int>& start_ids = {});
  // lambda_max of each image's curvature bound (A^T A + (a / nu) sum_j b_j K_j^T K_j + mu0 I) by
  // power iteration, as PowerMethod. Empty when cancelled or on failure (then *status says why).
  std::vector<double> powerMethod(const CudaProblem& problem, int iterations, unsigned seed,
                                  const std::function<bool()>& keep_going,
                                  const std::vector<int>& start_ids, Status* status);
  // CG on H_i q_i = b_i from the warm starts in q, as SolveCg, with H the Hessian of h at the x
  // of the last problem.foe->prepareHessian(x).
  SolveSummary cg(const CgOptions& options, const CudaProblem& problem, const DeviceBatch& b,
                  DeviceBatch& q);

  // The problem's operators on every image: grad h(x), the Hessian at the prepared x, and the
  // curvature bound the power method uses. Outputs are allocated to the input's shape.
  Status gradient(const CudaProblem& problem, const DeviceBatch& x, DeviceBatch& grad);
  Status hessian(const CudaProblem& problem, const DeviceBatch& v, DeviceBatch& out);
  Status curvatureBound(const CudaProblem& problem, const DeviceBatch& v, DeviceBatch& out);

  // Per-image batch operations (base/batch_ops.h) on the listed images, waiting for the result:
  // out is resized to the batch size and entries of unlisted images are left alone.
  Status dots(const std::vector<int>& active, const DeviceBatch& a, const DeviceBatch& b,
              std::vector<double>* out);
  Status norms(const std::vector<int>& active, const DeviceBatch& a, std::vector<double>* out);
  // ||a_i - b_i||^2 for every image, accumulated in double (as SquaredError).
  Status squaredDistances(const DeviceBatch& a, const DeviceBatch& b, std::vector<double>* out);
  // y_i = float(alpha[i]) x_i + float(beta[i]) y_i.
  Status axpby(const std::vector<int>& active, const std::vector<double>& alpha,
               const DeviceBatch& x, const std::vector<double>& beta, DeviceBatch& y);
  // out = a x + b y (every value; out allocated to x's shape, it may be x or y).
  Status linear(float a, const DeviceBatch& x, float b, const DeviceBatch& y, DeviceBatch& out);
  // to = images[0], images[1], ... of from (gather), or image images[k] of `to` = image k of
  // from (scatter). to must exist for a scatter; a gather allocates it.
  Status gather(const DeviceBatch& from, const std::vector<int>& images, DeviceBatch& to);
  Status scatter(const DeviceBatch& from, const std::vector<int>& images, DeviceBatch& to);

  // For benchmarks: while set, fista() and cg() record a CUDA event on the stream at the start of
  // every iteration and after the last, and store the milliseconds between consecutive events
  // (one entry per iteration). nullptr stops recording.
  void recordIterationTimes(std::vector<double>* milliseconds);

 private:
  struct Impl;
  explicit CudaSolver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bilevel
