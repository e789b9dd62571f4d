// CudaFoeOracle (bilevel/cuda/cuda_oracle.h): ImageProblemOracle's evaluate, testPsnr and
// reconstruct with the data, the warm starts and the solvers on the device. The structure follows
// core/src/image_problem_oracle.cpp and core/src/hypergradient.cpp, check for check and message for
// message.
#include "bilevel/cuda/cuda_oracle.h"

#include "bilevel/image_problem_options.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <new>
#include <utility>

#include "bilevel/cuda/cuda_foe.h"
#include "bilevel/cuda/cuda_solvers.h"
#include "bilevel/hypergradient.h"
#include "device_array.h"

namespace bilevel {
namespace {

OracleStatus ToOracleStatus(SolverStatus status) {
  switch (status) {
    case SolverStatus::kConverged:
    case SolverStatus::kMaxIterations:
      return OracleStatus::kOk;
    case SolverStatus::kCancelled:
      return OracleStatus::kCancelled;
    case SolverStatus::kNonFinite:
      return OracleStatus::kNonFinite;
    case SolverStatus::kInvalidInput:
      return OracleStatus::kError;
  }
  return OracleStatus::kError;
}

// Per image: whether all its values are finite.
std::vector<char> FiniteImages(const Batch<float>& b) {
  std::vector<char> out(b.n(), 1);
  for (int i = 0; i < b.n(); ++i) {
    const float* p = b.image(i);
    for (std::size_t k = 0; k < b.imageSize(); ++k)
      if (!std::isfinite(p[k])) {
        out[i] = 0;
        break;
      }
  }
  return out;
}

bool AllOf(const std::vector<char>& flags, const std::vector<int>& images) {
  for (int i : images)
    if (!flags[std::size_t(i)]) return false;
  return true;
}

double PsnrOf(double squared_error, std::size_t size) {
  const double mse = squared_error / double(size);
  if (mse <= 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(1.0 / mse);
}

Status Upload(CudaFoe& foe, const Batch<float>& src, DeviceBatch& dst) {
  return foe.upload(src, dst);
}

}  // namespace

struct CudaFoeOracle::Impl {
  TrainingConfig config;
  Dataset dataset;
  ProblemData problem;
  FieldOfExperts<float> reg;  // host: parameter checks, initial parameters, projection
  std::unique_ptr<CudaFoe> foe;
  std::unique_ptr<CudaSolver> solver;
  // Operators of the whole sets (all masks) and of a batch (gathered masks).
  std::unique_ptr<CudaDataOperator> train_op, test_op, train_batch_op, test_batch_op;
  DeviceBatch train_clean, train_measured, x_warm, q_warm;
  DeviceBatch test_clean, test_measured, test_warm;
  DeviceBatch clean, measured, x, q, rhs;  // the current batch
  // Per image: whether its values are finite (CheckProblem's tests, without a pass over the data;
  // the warm starts may come from a checkpoint).
  std::vector<char> train_clean_finite, train_measured_finite, test_clean_finite,
      test_measured_finite;
  std::vector<char> x_finite, q_finite, test_warm_finite;

  explicit Impl(const TrainingConfig& c)
      : config(c), reg(FoeConfigFrom(c.regularizer), FoeInitFrom(c.regularizer)) {}

  cudaStream_t stream() const { return static_cast<cudaStream_t>(foe->stream()); }

  // Gathers a batch of the training (test = false) or test set: clean, measured, masks, and the
  // warm starts (x, and q when asked) unless from_measurements (then x = measured).
  Status gatherBatch(bool test, const std::vector<int>& images, bool with_q,
                     bool from_measurements) {
    CudaDataOperator& op = test ? *test_batch_op : *train_batch_op;
    const CudaDataOperator& full = test ? *test_op : *train_op;
    BILEVEL_STATUS_CHECK(solver->gather(test ? test_clean : train_clean, images, clean));
    BILEVEL_STATUS_CHECK(solver->gather(test ? test_measured : train_measured, images, measured));
    BILEVEL_STATUS_CHECK(solver->gather(
        from_measurements ? (test ? test_measured : train_measured) : (test ? test_warm : x_warm),
        images, x));
    if (with_q) BILEVEL_STATUS_CHECK(solver->gather(q_warm, images, q));
    if (op.kind() == OperatorKind::kInpainting)
      BILEVEL_STATUS_CHECK(solver->gather(full.masks(), images, op.masks()));
    return Status::Ok();
  }

  CudaProblem batchProblem(bool test) {
    CudaProblem p;
    p.foe = foe.get();
    p.op = test ? test_batch_op.get() : train_batch_op.get();
    p.measured = &measured;
    p.mu0 = config.problem.mu0;
    return p;
  }
};

CudaFoeOracle::CudaFoeOracle(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CudaFoeOracle::~CudaFoeOracle() = default;

Status CudaFoeOracle::Create(const TrainingConfig& config, Dataset dataset, ProblemData problem,
                             std::unique_ptr<CudaFoeOracle>* out) {
  return TryCreate(config, std::move(dataset), std::move(problem), out);
}

Status CudaFoeOracle::TryCreate(const TrainingConfig& config, Dataset&& dataset,
                                ProblemData&& problem, std::unique_ptr<CudaFoeOracle>* out) {
  if (config.regularizer.type != "field_of_experts")
    return Status::Error("the GPU engine has no \"" + config.regularizer.type + "\" regularizer");
  if (Status s = ValidateRegularizerSettings(config.regularizer); !s.ok()) return s;
  const FoeConfig foe_config = FoeConfigFrom(config.regularizer);
  if (dataset.train.n() == 0) return Status::Error("the training set is empty");
  if (!problem.train_op || problem.train_measured.shape() != dataset.train.shape())
    return Status::Error("the measurements do not match the training images");
  if (dataset.test.n() > 0 &&
      (!problem.test_op || problem.test_measured.shape() != dataset.test.shape()))
    return Status::Error("the measurements do not match the test images");
  FieldOfExperts<float> probe(foe_config);
  if (Status s = probe.checkImages(dataset.train.shape()); !s.ok()) return s;
  if (Status s = CheckOperatorShape(*problem.train_op, dataset.train.shape()); !s.ok()) return s;
  try {
    auto impl = std::make_unique<Impl>(config);
    const Shape train = dataset.train.shape();
    const Shape test{dataset.test.n(), train.c, train.h, train.w};
    // The largest batch the trainer asks for, to fail here rather than in the middle of a run.
    const bool minibatch = config.method == Method::kIsgd || config.method == Method::kAdam;
    const int batch = minibatch ? std::min(std::max(1, config.batch_size), train.n) : train.n;
    const Shape batch_shape{batch, train.c, train.h, train.w};

    Status status;
    impl->foe = CudaFoe::Create(foe_config, batch_shape, &status);
    if (!impl->foe) return status;
    impl->solver = CudaSolver::Create(*impl->foe, &status);
    if (!impl->solver) return status;
    CudaFoe& foe = *impl->foe;
    void* stream = foe.stream();

    // Device memory: the data sets with their warm starts, plus the vectors of the largest batch
    // worked on, a training batch or a chunk of test images (the oracle's five, the solvers' four
    // and the start vectors), and the regularizer's three n x J x h x w buffers (responses,
    // Hessian diagonal, mixed-derivative responses).
    const double image_bytes = double(train.imageSize()) * sizeof(float);
    const double response_bytes = double(foe_config.kernels) * train.h * train.w * 4.0;
    const double masks = problem.train_op->kind() == OperatorKind::kInpainting ? 1.0 : 0.0;
    const int working = std::max(batch, std::min(kTestChunk, test.n));
    const double need = image_bytes * (train.n * (4.0 + masks) + test.n * (3.0 + masks)) +
                        working * (image_bytes * (10.0 + masks) + 3.0 * response_bytes);
    std::size_t free_bytes = 0, total_bytes = 0;
    if (const cudaError_t e = cudaMemGetInfo(&free_bytes, &total_bytes); e != cudaSuccess)
      return cuda::CudaStatus(e, "reading the device memory");
    if (need > 0.95 * double(free_bytes))
      return Status::Error("CUDA: the problem needs about " + std::to_string(int(need / 1048576)) +
                           " MiB of device memory, " + std::to_string(free_bytes >> 20) +
                           " MiB are free");

    if (Status s = CudaDataOperator::Create(*problem.train_op, stream, &impl->train_op); !s.ok())
      return s;
    if (Status s =
            CudaDataOperator::Create(*problem.train_op->select({}), stream, &impl->train_batch_op);
        !s.ok())
      return s;
    if (problem.test_op) {
      if (Status s = CudaDataOperator::Create(*problem.test_op, stream, &impl->test_op); !s.ok())
        return s;
      if (Status s =
              CudaDataOperator::Create(*problem.test_op->select({}), stream, &impl->test_batch_op);
          !s.ok())
        return s;
    } else {
      if (Status s =
              CudaDataOperator::Create(*problem.train_op->select({}), stream, &impl->test_op);
          !s.ok())
        return s;
      if (Status s =
              CudaDataOperator::Create(*problem.train_op->select({}), stream, &impl->test_batch_op);
          !s.ok())
        return s;
    }
    BILEVEL_STATUS_CHECK(Upload(foe, dataset.train, impl->train_clean));
    BILEVEL_STATUS_CHECK(Upload(foe, problem.train_measured, impl->train_measured));
    BILEVEL_STATUS_CHECK(Upload(foe, problem.train_measured, impl->x_warm));
    BILEVEL_STATUS_CHECK(impl->q_warm.allocate(train));
    BILEVEL_STATUS_CHECK(foe.fill(impl->q_warm, 0.0f));
    BILEVEL_STATUS_CHECK(Upload(foe, dataset.test, impl->test_clean));
    BILEVEL_STATUS_CHECK(impl->test_clean.allocate(test));
    BILEVEL_STATUS_CHECK(Upload(foe, problem.test_measured, impl->test_measured));
    BILEVEL_STATUS_CHECK(impl->test_measured.allocate(test));
    BILEVEL_STATUS_CHECK(Upload(foe, problem.test_measured, impl->test_warm));
    BILEVEL_STATUS_CHECK(impl->test_warm.allocate(test));
    BILEVEL_STATUS_CHECK(foe.synchronize());
    impl->train_clean_finite = FiniteImages(dataset.train);
    impl->train_measured_finite = FiniteImages(problem.train_measured);
    impl->test_clean_finite = FiniteImages(dataset.test);
    impl->test_measured_finite = FiniteImages(problem.test_measured);
    impl->x_finite = impl->train_measured_finite;
    impl->q_finite.assign(train.n, 1);
    impl->test_warm_finite = FiniteImages(problem.test_measured);
    impl->test_warm_finite.resize(test.n, 1);

    // The oracle exists before the data move in: a failed allocation leaves them to the caller.
    std::unique_ptr<CudaFoeOracle> oracle(new CudaFoeOracle(std::move(impl)));
    oracle->impl_->dataset = std::move(dataset);
    oracle->impl_->problem = std::move(problem);
    *out = std::move(oracle);
    return Status::Ok();
  } catch (const std::bad_alloc&) {
    return Status::Error("out of host memory while setting up the GPU problem");
  }
}

int CudaFoeOracle::trainingSize() const {
  return impl_->dataset.train.n();
}
int CudaFoeOracle::parameterCount() const {
  return impl_->reg.parameterCount();
}
const Dataset& CudaFoeOracle::dataset() const {
  return impl_->dataset;
}
const ProblemData& CudaFoeOracle::problem() const {
  return impl_->problem;
}
const RegularizerSettings& CudaFoeOracle::regularizerSettings() const {
  return impl_->reg.settings();
}
std::string CudaFoeOracle::backendName() const {
  return "GPU: " + impl_->foe->deviceName();
}

Eigen::VectorXd CudaFoeOracle::initialParameters() const {
  return impl_->reg.initialParameters().cast<double>();
}

void CudaFoeOracle::project(Eigen::VectorXd& theta) const {
  Vector<float> t = theta.cast<float>();
  const Vector<float> before = t;
  if (!impl_->reg.project(t)) return;
  theta += (t - before).cast<double>();  // keeps the double precision of untouched values
}

OracleResult CudaFoeOracle::evaluate(const Eigen::VectorXd& theta, const OracleRequest& request) {
  Impl& m = *impl_;
  OracleResult result;
  if (!CheckOracleRequest(request, trainingSize(), theta, &result)) return result;
  const Vector<float> t = theta.cast<float>();
  try {
    const HypergradientOptions options = ImageProblemOptions::From(m.config).solvers(
        request.epsilon, request.delta, request.keep_going);
    // The checks of ComputeHypergradient / EvaluateLoss (CheckProblem), in the same order.
    Status check = options.validate();
    if (check.ok()) check = m.reg.checkParameters(t);
    if (check.ok() && !AllOf(m.train_clean_finite, request.images))
      check = Status::Error("clean images contain non-finite values");
    if (check.ok() && !AllOf(m.train_measured_finite, request.images))
      check = Status::Error("measurements contain non-finite values");
    if (check.ok() && !AllOf(m.x_finite, request.images))
      check = Status::Error("the lower-level start contains non-finite values");
    if (check.ok() && request.gradient && !AllOf(m.q_finite, request.images))
      check = Status::Error("the CG start contains non-finite values");
    if (check.ok()) check = m.foe->setParameters(t);
    if (check.ok()) check = m.gatherBatch(false, request.images, request.gradient, false);
    if (!check.ok()) {
      result.message = check.message();
      return result;
    }
    const int n = int(request.images.size());
    const CudaProblem p = m.batchProblem(false);

    const SolveSummary lower = m.solver->fista(options.lower, p, m.x);
    result.status = ToOracleStatus(lower.status);
    result.message = lower.message;
    result.lower_iterations = lower.totalIterations();
    result.power_iterations = lower.totalPowerIterations();
    if (!lower.usable()) return result;

    std::vector<double> losses;
    if (Status s = m.solver->squaredDistances(m.x, m.clean, &losses); !s.ok()) {
      result.status = OracleStatus::kError;
      result.message = s.message();
      return result;
    }
    double total = 0.0;
    for (double l : losses)
      total += l;
    const double loss = total / n;
    if (!std::isfinite(loss)) {
      result.status = OracleStatus::kNonFinite;
      result.message = "the upper-level loss is not finite";
      return result;
    }

    Vector<float> gradient;
    if (request.gradient) {
      // Right-hand side grad g_i(x_i) = 2 (x_i - x*_i), as Axpby(-2 x*, 2 x).
      Status s = m.solver->linear(-2.0f, m.clean, 2.0f, m.x, m.rhs);
      if (s.ok()) s = m.foe->prepareHessian(m.x);
      if (!s.ok()) {
        result.status = OracleStatus::kError;
        result.message = s.message();
        return result;
      }
      const SolveSummary linear = m.solver->cg(options.linear, p, m.rhs, m.q);
      result.cg_iterations = linear.totalIterations();
      if (!linear.usable()) {
        result.status = ToOracleStatus(linear.status);
        result.message = linear.message;
        return result;
      }
      // The CPU asks keep_going before each group of 8 images of the mixed derivative.
      for (int first = 0; first < n; first += 8)
        if (options.linear.keep_going && !options.linear.keep_going()) {
          result.status = OracleStatus::kCancelled;
          result.message = "cancelled";
          return result;
        }
      Vector<float> mixed = Vector<float>::Zero(parameterCount());  // sized here, filled there
      if (s = m.foe->mixedDerivative(m.x, m.q, mixed); !s.ok()) {
        result.status = OracleStatus::kError;
        result.message = s.message();
        return result;
      }
      gradient = -mixed / float(n);
      if (!gradient.allFinite()) {
        result.status = OracleStatus::kNonFinite;
        result.message = "the hypergradient is not finite";
        return result;
      }
      if (lower.status == SolverStatus::kConverged) result.status = ToOracleStatus(linear.status);
      if (result.message.empty()) result.message = linear.message;
    }

    result.loss = loss;
    double psnr = 0.0, norms = 0.0;
    for (double l : losses) {
      psnr += PsnrOf(l, m.x.shape().imageSize());
      norms += 2.0 * std::sqrt(l);  // ||grad g_i|| = ||2 (x_i - x*_i)||
    }
    result.psnr = psnr / n;
    result.loss_gradient_norm = norms / n;
    if (request.gradient) result.gradient = gradient.cast<double>();
    Status s = m.solver->scatter(m.x, request.images, m.x_warm);
    if (s.ok() && request.gradient) s = m.solver->scatter(m.q, request.images, m.q_warm);
    if (s.ok()) s = m.foe->synchronize();
    if (!s.ok()) {
      result.status = OracleStatus::kError;
      result.message = s.message();
      return result;
    }
    for (int i : request.images) {
      m.x_finite[std::size_t(i)] = 1;
      if (request.gradient) m.q_finite[std::size_t(i)] = 1;
    }
    result.warm_starts_changed = true;
    return result;
  } catch (const std::bad_alloc&) {
    result.status = OracleStatus::kError;
    result.message = "out of memory for a batch of " + std::to_string(request.images.size());
    return result;
  }
}

double CudaFoeOracle::testPsnr(const Eigen::VectorXd& theta, double epsilon,
                               const std::function<bool()>& keep_going, std::string* failure) {
  Impl& m = *impl_;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto fail = [&](const std::string& why) {
    if (failure) *failure = why;
    return nan;
  };
  const int n = m.dataset.test.n();
  if (n == 0) return nan;
  const Vector<float> t = theta.cast<float>();
  if (!t.allFinite()) return fail("the parameters are not finite");
  try {
    const HypergradientOptions options =
        ImageProblemOptions::From(m.config).solvers(epsilon, epsilon, keep_going);
    if (Status s = options.validate(); !s.ok()) return fail(s.message());
    if (Status s = m.reg.checkParameters(t); !s.ok()) return fail(s.message());
    if (Status s = m.foe->setParameters(t); !s.ok()) return fail(s.message());
    const CudaProblem p = m.batchProblem(true);
    double total = 0.0;
    for (int first = 0; first < n; first += kTestChunk) {
      std::vector<int> images, start_ids;
      for (int i = first; i < std::min(n, first + kTestChunk); ++i) {
        images.push_back(i);
        start_ids.push_back(i % 16);  // the position in the CPU's chunk of 16
      }
      if (!AllOf(m.test_clean_finite, images) || !AllOf(m.test_measured_finite, images) ||
          !AllOf(m.test_warm_finite, images))
        return fail("a test image, its measurement or its warm start is not finite");
      if (Status s = m.gatherBatch(true, images, false, false); !s.ok()) return fail(s.message());
      const SolveSummary lower = m.solver->fista(options.lower, p, m.x, start_ids);
      if (lower.status == SolverStatus::kCancelled) return nan;
      if (!lower.usable())
        return fail(lower.message.empty() ? ToString(lower.status) : lower.message);
      std::vector<double> losses;
      if (Status s = m.solver->squaredDistances(m.x, m.clean, &losses); !s.ok())
        return fail(s.message());
      double chunk_loss = 0.0;
      for (double l : losses)
        chunk_loss += l;
      if (!std::isfinite(chunk_loss)) return fail("the upper-level loss is not finite");
      if (Status s = m.solver->scatter(m.x, images, m.test_warm); !s.ok()) return fail(s.message());
      for (int i : images)
        m.test_warm_finite[std::size_t(i)] = 1;
      for (double l : losses)
        total += PsnrOf(l, m.x.shape().imageSize());
    }
    if (Status s = m.foe->synchronize(); !s.ok()) return fail(s.message());
    return total / n;
  } catch (const std::bad_alloc&) {
    return fail("out of host memory for the test evaluation");
  }
}

Status CudaFoeOracle::reconstruct(const Eigen::VectorXd& theta, bool test,
                                  const std::vector<int>& images, double epsilon,
                                  Batch<float>* out) {
  Impl& m = *impl_;
  const Batch<float>& clean_all = test ? m.dataset.test : m.dataset.train;
  for (int i : images)
    if (i < 0 || i >= clean_all.n())
      return Status::Error("image index " + std::to_string(i) + " out of range");
  if (images.empty()) return Status::Error("no images to reconstruct");
  try {
    const HypergradientOptions options =
        ImageProblemOptions::From(m.config).solvers(epsilon, epsilon, {});
    const Vector<float> t = theta.cast<float>();
    Status check = options.validate();
    if (check.ok()) check = m.reg.checkParameters(t);
    if (check.ok() && !AllOf(test ? m.test_clean_finite : m.train_clean_finite, images))
      check = Status::Error("clean images contain non-finite values");
    if (check.ok() && !AllOf(test ? m.test_measured_finite : m.train_measured_finite, images))
      check = Status::Error("measurements contain non-finite values");
    if (!check.ok()) return Status::Error("reconstruction failed: " + check.message());
    BILEVEL_STATUS_CHECK(m.foe->setParameters(t));
    BILEVEL_STATUS_CHECK(m.gatherBatch(test, images, false, true));
    const SolveSummary lower = m.solver->fista(options.lower, m.batchProblem(test), m.x);
    if (!lower.usable()) return Status::Error("reconstruction failed: " + lower.message);
    std::vector<double> losses;
    BILEVEL_STATUS_CHECK(m.solver->squaredDistances(m.x, m.clean, &losses));
    double total = 0.0;
    for (double l : losses)
      total += l;
    if (!std::isfinite(total))
      return Status::Error("reconstruction failed: the upper-level loss is not finite");
    Batch<float> result;
    BILEVEL_STATUS_CHECK(m.foe->download(m.x, result));
    *out = std::move(result);
    return Status::Ok();
  } catch (const std::bad_alloc&) {
    return Status::Error("out of memory for the reconstruction");
  }
}

Status CudaFoeOracle::warmStarts(std::vector<float>* values) const {
  Impl& m = *impl_;
  values->clear();
  try {
    Batch<float> part;
    for (const DeviceBatch* b : {&m.x_warm, &m.q_warm, &m.test_warm}) {
      if (b->size() == 0) continue;
      if (Status s = m.foe->download(*b, part); !s.ok()) {
        values->clear();
        return Status::Error("reading the warm starts from the device: " + s.message());
      }
      values->insert(values->end(), part.values().begin(), part.values().end());
    }
  } catch (const std::bad_alloc&) {
    values->clear();
    return Status::Error("out of host memory for the warm starts");
  }
  return Status::Ok();
}

Status CudaFoeOracle::restoreWarmStarts(const std::vector<float>& values) {
  Impl& m = *impl_;
  const std::size_t expected = m.x_warm.size() + m.q_warm.size() + m.test_warm.size();
  if (values.size() != expected)
    return Status::Error("the checkpoint's warm starts have " + std::to_string(values.size()) +
                         " values, this problem needs " + std::to_string(expected));
  try {
    auto it = values.begin();
    std::vector<char>* flags[] = {&m.x_finite, &m.q_finite, &m.test_warm_finite};
    DeviceBatch* targets[] = {&m.x_warm, &m.q_warm, &m.test_warm};
    for (int k = 0; k < 3; ++k) {
      DeviceBatch& target = *targets[k];
      Batch<float> part(target.shape());
      std::copy(it, it + std::ptrdiff_t(part.size()), part.data());
      it += std::ptrdiff_t(part.size());
      BILEVEL_STATUS_CHECK(m.foe->upload(part, target));
      BILEVEL_STATUS_CHECK(m.foe->synchronize());
      *flags[k] = FiniteImages(part);
    }
  } catch (const std::bad_alloc&) {
    return Status::Error("out of memory while restoring the warm starts");
  }
  return Status::Ok();
}

}  // namespace bilevel
