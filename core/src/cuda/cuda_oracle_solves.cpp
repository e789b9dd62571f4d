// CudaFoeOracle's evaluate, testPsnr and reconstruct: the hypergradient sequence of
// core/src/problem/hypergradient.cpp on the device, check for check and message for message.
#include "cuda_oracle_impl.h"

namespace bilevel {

OracleResult CudaFoeOracle::evaluate(const Eigen::VectorXd& theta, const OracleRequest& request) {
  Impl& m = *impl_;
  OracleResult result;
  if (!CheckOracleRequest(request, trainingSize(), theta, &result)) return result;
  const Vector<float> t = theta.cast<float>();
  try {
    const HypergradientOptions options =
        m.options.solvers(request.epsilon, request.delta, request.keep_going);
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
    SolveSummary linear;
    if (request.gradient) {
      // Right-hand side grad g_i(x_i) = 2 (x_i - x*_i), as Axpby(-2 x*, 2 x).
      Status s = m.solver->linear(-2.0f, m.clean, 2.0f, m.x, m.rhs);
      if (s.ok()) s = m.foe->prepareHessian(m.x);
      if (!s.ok()) {
        result.status = OracleStatus::kError;
        result.message = s.message();
        return result;
      }
      linear = m.solver->cg(options.linear, p, m.rhs, m.q);
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
    NoteUnconverged(SolveOutcomes(lower, request.gradient ? &linear : nullptr), request, &result);
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
  m.test_unconverged = 0;
  if (n == 0) return nan;
  const Vector<float> t = theta.cast<float>();
  if (!t.allFinite()) return fail("the parameters are not finite");
  try {
    const HypergradientOptions options = m.options.solvers(epsilon, epsilon, keep_going);
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
      m.test_unconverged += lower.unconvergedImages();
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
    const HypergradientOptions options = m.options.solvers(epsilon, epsilon, {});
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

}  // namespace bilevel
