// CG on the device (CudaSolver::cg): the host loop of core/src/solvers/cg.cpp, with the per-image
// decisions taken by the kernels.
#include "cuda_solver_impl.h"

namespace bilevel {

using namespace cuda_solver_detail;

// ------------------------------------------------------------------------------------------
// CG

Status CudaSolver::Impl::runCg(const CgOptions& options, const CudaProblem& problem,
                               const DeviceBatch& rhs, DeviceBatch& q, SolveSummary* summary) {
  const Shape shape = rhs.shape();
  const int images = shape.n;
  const cuda::VecDims vd = cuda::MakeVecDims(images, shape.imageSize());
  BILEVEL_STATUS_CHECK(ensure(images, vd));
  BILEVEL_STATUS_CHECK(a.allocate(shape));  // r
  BILEVEL_STATUS_CHECK(b.allocate(shape));  // p
  BILEVEL_STATUS_CHECK(c.allocate(shape));  // H p
  BILEVEL_STATUS_CHECK(arrivals.zero(stream, "solver counters"));
  BILEVEL_CUDA_CHECK(cudaMemsetAsync(count(0), 0, 3 * sizeof(int), stream),
                     "clearing image counts");
  cuda::CgDevice g = cgDevice(options);
  g.tolerance = steps::ScaledTolerance(options.tolerance, double(shape.imageSize()),
                                       double(options.reference_size));

  // The initial residual r = b - H q costs a product only where the warm start is nonzero (those
  // images are listed in slot 2, which iteration 0 clears).
  BILEVEL_CUDA_CHECK(cuda::LaunchReduce(vd, {}, cuda::Reduction::kDot, q.data(), q.data(),
                                        partial.data(), dptr(kQq), stream),
                     "norms of the warm starts");
  BILEVEL_CUDA_CHECK(cuda::LaunchCgSelect(images, dptr(kQq), g, list(2), count(2), stream),
                     "CG set-up");
  BILEVEL_STATUS_CHECK(hessianOn(problem, q, c, slot(2), false));
  BILEVEL_CUDA_CHECK(
      cuda::LaunchCgStart(vd, g, progress(0, -1), rhs.data(), c.data(), a.data(), b.data(), stream),
      "CG initial residual");
  BILEVEL_STATUS_CHECK(sendCount(count(0), 1));

  auto enqueue = [&](int k) -> Status {
    const int cur = k % 3, next = (k + 1) % 3, clear = (k + 2) % 3;
    const cuda::ImageList current = slot(cur);
    BILEVEL_STATUS_CHECK(hessianOn(problem, b, c, current, false));
    BILEVEL_CUDA_CHECK(
        cuda::LaunchCgCurvature(vd, current, g, progress(-1, clear), b.data(), c.data(), stream),
        "CG curvature");
    BILEVEL_CUDA_CHECK(cuda::LaunchCgUpdate(vd, current, g, progress(next, -1), b.data(), c.data(),
                                            q.data(), a.data(), stream),
                       "CG update");
    BILEVEL_CUDA_CHECK(cuda::LaunchCgDirection(vd, slot(next), g, a.data(), b.data(), stream),
                       "CG direction");
    return sendCount(count(next), k % 2);
  };
  bool cancelled = false;
  BILEVEL_STATUS_CHECK(run(true, 0, options.keep_going, enqueue, &cancelled));

  std::vector<int> its, states;
  std::vector<double> residuals;
  BILEVEL_STATUS_CHECK(results(images, &its, &states, &residuals));
  bool non_finite = false, indefinite = false, hit_limit = false;
  for (int i = 0; i < images; ++i) {
    ImageSolveReport& rep = summary->images[i];
    rep.iterations = its[i];
    rep.residual = residuals[i];
    rep.converged = states[i] == cuda::kConverged;
    if (states[i] == cuda::kNonFinite) non_finite = true;
    if (states[i] == cuda::kIndefinite) indefinite = true;
    if (states[i] == cuda::kLimit) hit_limit = true;
  }
  if (cancelled) {
    summary->status = SolverStatus::kCancelled;
    summary->message = "CG: cancelled";
  } else if (non_finite || indefinite) {
    summary->status = SolverStatus::kNonFinite;
    summary->message = non_finite ? "CG: a non-finite value appeared"
                                  : "CG: the operator is not positive definite";
  } else if (hit_limit) {
    summary->status = SolverStatus::kMaxIterations;
    summary->message = "CG: some images reached max_iterations before the tolerance";
  } else {
    summary->status = SolverStatus::kConverged;
  }
  return Status::Ok();
}

SolveSummary CudaSolver::cg(const CgOptions& options, const CudaProblem& problem,
                            const DeviceBatch& rhs, DeviceBatch& q) {
  SolveSummary summary;
  if (Status s = options.validate(); !s.ok()) {
    summary.message = s.message();
    return summary;
  }
  if (q.shape() != rhs.shape()) {
    summary.message = "CG: starting point has shape " + q.shape().toString() +
                      ", the right-hand side has " + rhs.shape().toString();
    return summary;
  }
  if (Status s = impl_->checkProblem(problem, rhs.shape()); !s.ok())
    return Failed(std::move(summary), "CG: ", s);
  if (&q == &rhs || (q.data() == rhs.data() && q.data() != nullptr))
    return Failed(std::move(summary),
                  "CG: ", Status::Error("the right-hand side and the solution must differ"));
  const int images = rhs.shape().n;
  summary.images.assign(images, {});
  if (images == 0) {
    summary.status = SolverStatus::kConverged;
    return summary;
  }
  try {
    if (Status s = impl_->runCg(options, problem, rhs, q, &summary); !s.ok())
      return Failed(std::move(summary), "CG: ", s);
  } catch (const std::bad_alloc&) {
    return Failed(std::move(summary), "CG: ", Status::Error("out of host memory"));
  }
  return summary;
}

}  // namespace bilevel
