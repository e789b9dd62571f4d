// RunCudaBenchmark (bilevel/iteration_timing.h): FISTA and CG iterations of the GPU solvers, timed
// with CUDA events, and whole ISGD steps of CudaFoeOracle, on synthetic denoising problems.
#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

#include "bilevel/backend_info.h"
#include "bilevel/forward_operator.h"
#include "bilevel/iteration_timing.h"
#include "cuda/cuda_foe.h"
#include "cuda/cuda_oracle.h"
#include "cuda/cuda_solvers.h"
#include "data/synthetic.h"
#include "regularizers/foe.h"

namespace bilevel {
namespace {

double Median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

Status RunSize(const CudaBenchmarkOptions& o, int size, CudaBenchmarkRow* row) {
  row->size = size;
  FoeConfig config{o.channels, o.kernels, o.kernel_size, o.boundary};
  const Shape shape{o.batch, o.channels, size, size};
  Status status;
  auto foe = CudaFoe::Create(config, shape, &status);
  if (!foe) return status;
  auto solver = CudaSolver::Create(*foe, &status);
  if (!solver) return status;
  FieldOfExperts<float> host(config);
  const Vector<float> theta = host.initialParameters();
  if (Status s = foe->setParameters(theta); !s.ok()) return s;

  const Batch<float> clean = SyntheticImages<float>(shape, 1);
  Batch<float> noisy = clean;
  AddGaussianNoise(noisy, 25.0, 2);
  const IdentityOperator<float> identity(Shape{1, o.channels, size, size});
  std::unique_ptr<CudaDataOperator> op;
  if (Status s = CudaDataOperator::Create(identity, foe->stream(), &op); !s.ok()) return s;
  DeviceBatch measured, dclean, x, rhs, q;
  if (Status s = foe->upload(noisy, measured); !s.ok()) return s;
  if (Status s = foe->upload(clean, dclean); !s.ok()) return s;
  const CudaProblem problem{foe.get(), op.get(), &measured, 0.0};

  // FISTA: a warm-up solve, then `repeats` timed ones from the measurements.
  FistaOptions fista;
  fista.tolerance = 1e-30;  // never met: every solve runs max_iterations
  fista.max_iterations = o.fista_iterations;
  std::vector<double> times, lower, cg;
  for (int r = 0; r <= o.repeats; ++r) {
    if (Status s = foe->upload(noisy, x); !s.ok()) return s;
    solver->recordIterationTimes(r > 0 ? &times : nullptr);
    const SolveSummary summary = solver->fista(fista, problem, x);
    solver->recordIterationTimes(nullptr);
    if (!summary.usable()) return Status::Error("benchmark FISTA: " + summary.message);
    if (r > 0) lower.insert(lower.end(), times.begin(), times.end());
  }

  // CG at the last FISTA solution, from zero.
  CgOptions cgo;
  cgo.tolerance = 1e-30;
  cgo.max_iterations = o.cg_iterations;
  if (Status s = solver->linear(-2.0f, dclean, 2.0f, x, rhs); !s.ok()) return s;
  if (Status s = foe->prepareHessian(x); !s.ok()) return s;
  for (int r = 0; r <= o.repeats; ++r) {
    if (Status s = q.allocate(shape); !s.ok()) return s;
    if (Status s = foe->fill(q, 0.0f); !s.ok()) return s;
    solver->recordIterationTimes(r > 0 ? &times : nullptr);
    const SolveSummary summary = solver->cg(cgo, problem, rhs, q);
    solver->recordIterationTimes(nullptr);
    if (!summary.usable()) return Status::Error("benchmark CG: " + summary.message);
    if (r > 0) cg.insert(cg.end(), times.begin(), times.end());
  }
  row->lower_level_us = 1000.0 * Median(lower);
  row->cg_us = 1000.0 * Median(cg);
  solver.reset();
  foe.reset();

  // Whole ISGD steps: the oracle on a training set of one batch.
  ImageProblemOptions inner;
  inner.lower_max_iterations = o.fista_iterations;
  inner.cg_max_iterations = o.cg_iterations;
  Dataset dataset;
  dataset.train = clean;
  dataset.test.resize(Shape{0, o.channels, size, size});
  ProblemData data;
  data.train_op = std::make_unique<IdentityOperator<float>>(Shape{1, o.channels, size, size});
  data.test_op = std::make_unique<IdentityOperator<float>>(Shape{1, o.channels, size, size});
  data.train_measured = noisy;
  data.test_measured.resize(Shape{0, o.channels, size, size});
  std::unique_ptr<CudaFoeOracle> oracle;
  if (Status s = CudaFoeOracle::Create(inner, FoeSettings(config), o.batch, std::move(dataset),
                                       std::move(data), &oracle);
      !s.ok())
    return s;
  OracleRequest request;
  for (int i = 0; i < o.batch; ++i)
    request.images.push_back(i);
  request.epsilon = request.delta = 1e-30;
  const Eigen::VectorXd t = theta.cast<double>();
  std::vector<double> steps;
  for (int r = 0; r <= o.repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const OracleResult result = oracle->evaluate(t, request);
    const auto t1 = std::chrono::steady_clock::now();
    if (!result.ok()) return Status::Error("benchmark ISGD step: " + result.message);
    if (r > 0) steps.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    row->step_lower_iterations = result.lower_iterations;
    row->step_cg_iterations = result.cg_iterations;
  }
  row->step_ms = Median(steps);
  return Status::Ok();
}

}  // namespace

Status RunCudaBenchmark(const CudaBenchmarkOptions& options, CudaBenchmarkResult* result) {
  if (Status s = options.validate(); !s.ok()) return s;
  const CudaDeviceInfo info = QueryCudaDevice();
  if (!info.available) return Status::Error(info.message);
  *result = CudaBenchmarkResult{};
  result->device = info.name;
  for (int size : options.sizes) {
    CudaBenchmarkRow row;
    if (Status s = RunSize(options, size, &row); !s.ok())
      return Status::Error("bench at " + std::to_string(size) + "x" + std::to_string(size) + ": " +
                           s.message());
    result->rows.push_back(row);
  }
  return Status::Ok();
}

}  // namespace bilevel
