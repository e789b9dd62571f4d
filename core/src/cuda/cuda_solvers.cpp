// FISTA, the power method and CG on the device (bilevel/cuda/cuda_solvers.h): host loops that
// queue the solver kernels (solver_kernels.cuh) and the FoE kernels on the CudaFoe's stream. The
// per-image decisions are taken on the device; see core/src/solvers/fista.cpp and cg.cpp for the
// algorithms this mirrors.
#include "cuda_solver_impl.h"

namespace bilevel {

using namespace cuda_solver_detail;

// ------------------------------------------------------------------------------------------
// CudaSolver

CudaSolver::CudaSolver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CudaSolver::~CudaSolver() = default;

std::unique_ptr<CudaSolver> CudaSolver::Create(CudaFoe& foe, Status* status) {
  auto impl = std::make_unique<Impl>();
  impl->foe = &foe;
  impl->stream = static_cast<cudaStream_t>(foe.stream());
  for (cudaEvent_t& e : impl->done) {
    const cudaError_t err = cudaEventCreateWithFlags(&e, cudaEventDisableTiming);
    if (err != cudaSuccess) {
      e = nullptr;
      if (status) *status = CudaStatus(err, "creating events");
      return nullptr;
    }
  }
  if (Status s = impl->host_count.allocate(2, "image counts"); !s.ok()) {
    if (status) *status = s;
    return nullptr;
  }
  if (status) *status = Status::Ok();
  return std::unique_ptr<CudaSolver>(new CudaSolver(std::move(impl)));
}

void CudaSolver::recordIterationTimes(std::vector<double>* milliseconds) {
  impl_->times = milliseconds;
}

// ------------------------------------------------------------------------------------------
// Power method

Status CudaSolver::Impl::runPower(const CudaProblem& problem, int iterations, unsigned seed,
                                  const std::function<bool()>& keep_going,
                                  const std::vector<int>& start_ids, std::vector<double>* lambda) {
  lambda->clear();
  const Shape shape = problem.measured->shape();
  const int images = shape.n;
  if (images == 0) return Status::Ok();
  std::vector<int> ids = start_ids;
  if (ids.empty()) ids = AllImages(images);
  if (int(ids.size()) != images)
    return Status::Error("power method: " + std::to_string(ids.size()) + " start ids for " +
                         std::to_string(images) + " images");
  int count_needed = 0;
  for (int id : ids) {
    if (id < 0) return Status::Error("power method: negative start id");
    count_needed = std::max(count_needed, id + 1);
  }
  const cuda::VecDims vd = cuda::MakeVecDims(images, shape.imageSize());
  BILEVEL_STATUS_CHECK(ensure(images, vd));
  BILEVEL_STATUS_CHECK(ensureStartVectors(seed, shape, count_needed));
  BILEVEL_STATUS_CHECK(uploadIndex(ids));
  BILEVEL_STATUS_CHECK(a.allocate(shape));
  BILEVEL_STATUS_CHECK(b.allocate(shape));
  BILEVEL_CUDA_CHECK(
      cuda::LaunchGather(shape.imageSize(), images, index.data(), start.data(), a.data(), stream),
      "gathering start vectors");
  BILEVEL_STATUS_CHECK(arrivals.zero(stream, "solver counters"));
  cuda::PowerDevice pw;
  pw.lambda = dptr(kLambda);
  pw.scale = dptr(kScale);
  const cuda::Progress pr = progress(-1, -1);
  for (int it = 0; it < iterations; ++it) {
    if (keep_going && !keep_going()) {
      BILEVEL_CUDA_CHECK(cudaStreamSynchronize(stream), "power iterations");
      return Status::Ok();  // cancelled: lambda stays empty
    }
    BILEVEL_STATUS_CHECK(hessianOn(problem, a, b, {}, true));
    BILEVEL_CUDA_CHECK(cuda::LaunchPowerReduce(vd, pw, pr, a.data(), b.data(), stream),
                       "power-method reduction");
    BILEVEL_CUDA_CHECK(cuda::LaunchPowerNormalize(vd, pw, b.data(), a.data(), stream),
                       "power-method normalisation");
  }
  std::vector<double> values(images, 0.0);
  if (iterations > 0)
    BILEVEL_CUDA_CHECK(cudaMemcpyAsync(values.data(), pw.lambda, images * sizeof(double),
                                       cudaMemcpyDeviceToHost, stream),
                       "downloading eigenvalue estimates");
  BILEVEL_CUDA_CHECK(cudaStreamSynchronize(stream), "power iterations");
  *lambda = std::move(values);
  return Status::Ok();
}

std::vector<double> CudaSolver::powerMethod(const CudaProblem& problem, int iterations,
                                            unsigned seed, const std::function<bool()>& keep_going,
                                            const std::vector<int>& start_ids, Status* status) {
  std::vector<double> lambda;
  Status s = problem.measured ? impl_->checkProblem(problem, problem.measured->shape())
                              : Status::Error("no measurements");
  if (s.ok()) {
    try {
      s = impl_->runPower(problem, iterations, seed, keep_going, start_ids, &lambda);
    } catch (const std::bad_alloc&) {
      s = Status::Error("power method: out of host memory");
    }
  }
  if (!s.ok()) lambda.clear();
  if (status) *status = s;
  return lambda;
}

// ------------------------------------------------------------------------------------------
// FISTA

Status CudaSolver::Impl::runFista(const FistaOptions& options, const CudaProblem& problem,
                                  DeviceBatch& x, const std::vector<double>& L,
                                  SolveSummary* summary) {
  const Shape shape = x.shape();
  const int images = shape.n;
  const cuda::VecDims vd = cuda::MakeVecDims(images, shape.imageSize());
  BILEVEL_STATUS_CHECK(ensure(images, vd));

  // Host side of the set-up, as SolveFista: momentum, the active images, per-image state.
  std::vector<double> doubles(std::size_t(kDoubles) * n, 0.0);
  std::vector<int> counters(std::size_t(kInts) * n, 0);
  std::vector<float> floats(std::size_t(kFloats) * n, 0.0f);
  std::vector<int> lists(std::size_t(3) * n + 3, 0);
  const double mu = problem.op->normalLowerBound() + problem.mu0;
  int active = 0;
  bool bad_lipschitz = false;
  for (int i = 0; i < images; ++i) {
    const double momentum =
        steps::StronglyConvexMomentum(options.strongly_convex_momentum, L[i], mu);
    doubles[std::size_t(kMomentum) * n + i] = momentum;
    doubles[std::size_t(kT) * n + i] = 1.0;
    doubles[std::size_t(kLipschitz) * n + i] = L[i];
    doubles[std::size_t(kBest) * n + i] = std::numeric_limits<double>::infinity();
    if (PositiveFinite(L[i])) {
      floats[std::size_t(kInvL) * n + i] = float(1.0 / L[i]);
      lists[std::size_t(active++)] = i;
    } else {
      bad_lipschitz = true;
      counters[std::size_t(kState) * n + i] = cuda::kNonFinite;
    }
  }
  lists[std::size_t(3) * n] = active;  // counts of slots 0, 1, 2
  BILEVEL_STATUS_CHECK(dbl.upload(doubles.data(), doubles.size(), stream, "solver scalars"));
  BILEVEL_STATUS_CHECK(ints.upload(counters.data(), counters.size(), stream, "solver counters"));
  BILEVEL_STATUS_CHECK(flt.upload(floats.data(), floats.size(), stream, "solver scalars"));
  BILEVEL_STATUS_CHECK(control.upload(lists.data(), lists.size(), stream, "image lists"));
  BILEVEL_STATUS_CHECK(arrivals.zero(stream, "solver counters"));
  // y = x; a = y, b = grad; c and d the previous grad and y.
  BILEVEL_STATUS_CHECK(a.allocate(shape));
  BILEVEL_STATUS_CHECK(b.allocate(shape));
  BILEVEL_STATUS_CHECK(c.allocate(shape));
  BILEVEL_STATUS_CHECK(d.allocate(shape));
  if (shape.size() > 0)
    BILEVEL_CUDA_CHECK(cudaMemcpyAsync(a.data(), x.data(), shape.size() * sizeof(float),
                                       cudaMemcpyDeviceToDevice, stream),
                       "copying the starting points");

  cuda::FistaDevice f = fistaDevice(options);
  f.mu = mu;
  f.tolerance = steps::ScaledTolerance(options.tolerance, double(shape.imageSize()),
                                       double(options.reference_size));
  auto enqueue = [&](int k) -> Status {
    const int cur = k % 3, next = (k + 1) % 3, clear = (k + 2) % 3;
    const cuda::ImageList current = slot(cur);
    BILEVEL_STATUS_CHECK(gradientOn(problem, a, b, current));
    BILEVEL_CUDA_CHECK(cuda::LaunchFistaReduce(vd, current, f, progress(next, clear), b.data(),
                                               a.data(), x.data(), c.data(), d.data(), stream),
                       "FISTA reduction");
    BILEVEL_CUDA_CHECK(cuda::LaunchFistaUpdate(vd, current, f, b.data(), a.data(), x.data(),
                                               c.data(), d.data(), stream),
                       "FISTA update");
    return sendCount(count(next), k % 2);
  };
  bool cancelled = false;
  BILEVEL_STATUS_CHECK(run(false, active, options.keep_going, enqueue, &cancelled));

  std::vector<int> its, states, increases;
  std::vector<double> residuals, lipschitz;
  BILEVEL_STATUS_CHECK(results(images, &its, &states, &residuals));
  BILEVEL_STATUS_CHECK(lipschitzResults(images, &lipschitz, &increases));
  bool non_finite = bad_lipschitz, hit_limit = false;
  for (int i = 0; i < images; ++i) {
    ImageSolveReport& rep = summary->images[i];
    rep.power_iterations = options.power_iterations;
    rep.lipschitz = L[i];
    if (!PositiveFinite(L[i])) {
      rep.residual = std::nan("");
      continue;
    }
    rep.iterations = its[i];
    rep.residual = residuals[i];
    rep.lipschitz = lipschitz[i];
    rep.lipschitz_increases = increases[i];
    rep.converged = states[i] == cuda::kConverged || states[i] == cuda::kStalled;
    rep.stalled = states[i] == cuda::kStalled;
    if (states[i] == cuda::kNonFinite) non_finite = true;
    if (states[i] == cuda::kLimit) hit_limit = true;
  }
  if (cancelled) {
    summary->status = SolverStatus::kCancelled;
    summary->message = "FISTA: cancelled";
  } else if (non_finite) {
    summary->status = SolverStatus::kNonFinite;
    summary->message = bad_lipschitz ? "FISTA: the Lipschitz estimate is not finite and positive"
                                     : "FISTA: the gradient became non-finite";
  } else if (hit_limit) {
    summary->status = SolverStatus::kMaxIterations;
    summary->message = "FISTA: some images reached max_iterations before the tolerance";
  } else {
    summary->status = SolverStatus::kConverged;
  }
  const bool stalled = std::any_of(summary->images.begin(), summary->images.end(),
                                   [](const ImageSolveReport& r) { return r.stalled; });
  if (stalled && summary->message.empty()) summary->message = StallMessage(*summary, f.tolerance);
  return Status::Ok();
}

// Per-image results of FISTA's safeguard: the final L and the times it grew.
Status CudaSolver::Impl::lipschitzResults(int images, std::vector<double>* lipschitz,
                                          std::vector<int>* increases) {
  lipschitz->resize(images);
  increases->resize(images);
  BILEVEL_CUDA_CHECK(cudaMemcpyAsync(lipschitz->data(), dptr(kLipschitz), images * sizeof(double),
                                     cudaMemcpyDeviceToHost, stream),
                     "downloading Lipschitz estimates");
  BILEVEL_CUDA_CHECK(cudaMemcpyAsync(increases->data(), iptr(kIncreases), images * sizeof(int),
                                     cudaMemcpyDeviceToHost, stream),
                     "downloading Lipschitz estimates");
  BILEVEL_CUDA_CHECK(cudaStreamSynchronize(stream), "downloading Lipschitz estimates");
  return Status::Ok();
}

SolveSummary CudaSolver::fista(const FistaOptions& options, const CudaProblem& problem,
                               DeviceBatch& x, const std::vector<int>& start_ids) {
  SolveSummary summary;
  if (Status s = options.validate(); !s.ok()) {
    summary.message = s.message();
    return summary;
  }
  const Shape shape = x.shape();
  if (Status s = impl_->checkProblem(problem, shape); !s.ok())
    return Failed(std::move(summary), "FISTA: ", s);
  if (x.data() != nullptr && x.data() == problem.measured->data())
    return Failed(std::move(summary),
                  "FISTA: ", Status::Error("the starting points must not be the measurements"));
  const int images = shape.n;
  summary.images.assign(images, {});
  try {
    Status st;
    std::vector<double> L = powerMethod(problem, options.power_iterations, options.seed,
                                        options.keep_going, start_ids, &st);
    if (!st.ok()) return Failed(std::move(summary), "FISTA: ", st);
    if (images > 0 && L.empty()) {
      summary.status = SolverStatus::kCancelled;
      summary.message = "FISTA: cancelled";
      return summary;
    }
    for (double& l : L)
      l *= options.lipschitz_safety;
    if (images == 0) {
      summary.status = SolverStatus::kConverged;
      return summary;
    }
    if (Status s = impl_->runFista(options, problem, x, L, &summary); !s.ok())
      return Failed(std::move(summary), "FISTA: ", s);
  } catch (const std::bad_alloc&) {
    return Failed(std::move(summary), "FISTA: ", Status::Error("out of host memory"));
  }
  return summary;
}

}  // namespace bilevel
