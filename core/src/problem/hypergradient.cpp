#include "bilevel/hypergradient.h"

#include <algorithm>
#include <cmath>
#include <new>

#include "base/batch_ops.h"
#include "bilevel/metrics.h"
#include "bilevel/thread_pool.h"
#include "problem/lower_level.h"

namespace bilevel {
namespace {

template <typename T>
HypergradientResult<T> Invalid(const std::string& message) {
  HypergradientResult<T> result;
  result.status = SolverStatus::kInvalidInput;
  result.message = message;
  return result;
}

// The warm start for the lower level: the measurement, unless a start of the right shape is given.
template <typename T>
void PrepareStart(const Batch<T>& measured, Batch<T>& x) {
  if (x.shape() != measured.shape()) x = measured;
}

template <typename T>
void MeasureLoss(const Batch<T>& at, const Batch<T>& truth, HypergradientResult<T>& result) {
  const HostBatch<T> x_host(at), clean_host(truth);
  const Batch<T>& x = x_host.get();
  const Batch<T>& clean = clean_host.get();
  const int n = x.n();
  result.losses.assign(n, 0.0);
  result.psnr.assign(n, 0.0);
  ParallelFor(n, [&](int i) {
    result.losses[i] = SquaredError(x, clean, i);
    result.psnr[i] = Psnr(x, clean, i);
  });
  result.loss = MeanInOrder(result.losses);
}

// Lower-level solve shared by the loss and the hypergradient; false when the result is unusable.
template <typename T>
bool SolveLower(const HypergradientOptions& options, LowerLevelProblem<T>& problem,
                const BatchData<T>& data, Batch<T>& x, HypergradientResult<T>& result) {
  PrepareStart(*data.measured, x);
  problem.prepareCurvature(x);
  result.lower = SolveFista(options.lower, problem, x);
  result.status = result.lower.status;
  result.message = result.lower.message;
  if (!result.lower.usable()) return false;
  MeasureLoss(x, *data.clean, result);
  if (!std::isfinite(result.loss)) {
    result.status = SolverStatus::kNonFinite;
    result.message = "the upper-level loss is not finite";
    return false;
  }
  return true;
}

}  // namespace

Status HypergradientOptions::validate() const {
  if (Status s = lower.validate(); !s.ok()) return s;
  if (Status s = linear.validate(); !s.ok()) return s;
  if (!(mu0 >= 0.0) || !std::isfinite(mu0))
    return Status::Error("mu0 must be finite and non-negative, got " + std::to_string(mu0));
  return Status::Ok();
}

double MeanInOrder(const std::vector<double>& values) {
  if (values.empty()) return 0.0;
  double total = 0.0;
  for (double v : values)
    total += v;
  return total / double(values.size());
}

Eigen::VectorXd MeanInOrder(const Eigen::MatrixXd& columns) {
  Eigen::VectorXd total = Eigen::VectorXd::Zero(columns.rows());
  if (columns.cols() == 0) return total;
  for (Eigen::Index k = 0; k < columns.cols(); ++k)
    total += columns.col(k);
  return total / double(columns.cols());
}

template <typename T>
double HypergradientResult<T>::meanPsnr() const {
  return MeanInOrder(psnr);
}

template <typename T>
Status CheckProblem(const Regularizer<T>& reg, const Vector<T>& theta, const BatchData<T>& data,
                    const Batch<T>& x, const Batch<T>* q) {
  if (!data.op || !data.clean || !data.measured)
    return Status::Error("incomplete batch: operator, clean or measured images missing");
  const Batch<T>& clean = *data.clean;
  const Batch<T>& measured = *data.measured;
  if (clean.n() == 0 || measured.n() == 0) return Status::Error("empty batch: no images");
  if (clean.shape() != measured.shape())
    return Status::Error("shape mismatch: clean images are " + clean.shape().toString() +
                         ", measurements are " + measured.shape().toString());
  if (Status s = reg.checkImages(clean.shape()); !s.ok()) return s;
  if (Status s = CheckOperatorShape(*data.op, clean.shape()); !s.ok()) return s;
  if (x.n() != 0 && x.shape() != clean.shape())
    return Status::Error("shape mismatch: the lower-level start is " + x.shape().toString() +
                         ", the batch is " + clean.shape().toString());
  if (q && q->n() != 0 && q->shape() != clean.shape())
    return Status::Error("shape mismatch: the CG start is " + q->shape().toString() +
                         ", the batch is " + clean.shape().toString());
  if (Status s = reg.checkParameters(theta); !s.ok()) return s;
  if (!clean.allFinite()) return Status::Error("clean images contain non-finite values");
  if (!measured.allFinite()) return Status::Error("measurements contain non-finite values");
  if (x.n() != 0 && !x.allFinite())
    return Status::Error("the lower-level start contains non-finite values");
  if (q && q->n() != 0 && !q->allFinite())
    return Status::Error("the CG start contains non-finite values");
  return Status::Ok();
}

template <typename T>
HypergradientResult<T> ComputeHypergradient(const HypergradientOptions& options,
                                            Regularizer<T>& reg, const Vector<T>& theta,
                                            const BatchData<T>& data, Batch<T>& x, Batch<T>& q) {
  if (Status s = options.validate(); !s.ok()) return Invalid<T>(s.message());
  if (Status s = CheckProblem(reg, theta, data, x, &q); !s.ok()) return Invalid<T>(s.message());
  try {
    reg.setParameters(theta);
    LowerLevelProblem<T> problem(*data.op, *data.measured, reg, options.mu0);
    HypergradientResult<T> result;
    if (!SolveLower(options, problem, data, x, result)) return result;

    // Right-hand side grad g_i(x_i) = 2 (x_i - x*_i).
    const std::vector<int> all = AllImages(x.n());
    Batch<T> rhs = x;
    std::vector<double> two(x.n(), 2.0), minus_two(x.n(), -2.0);
    Axpby(all, minus_two, *data.clean, two, rhs);
    if (q.shape() != x.shape()) q = Batch<T>(x.shape(), x.backend());
    result.linear = SolveCg(options.linear, problem.hessianAt(x), rhs, q);
    if (!result.linear.usable()) {
      result.status = result.linear.status;
      result.message = result.linear.message;
      return result;
    }
    // In groups of images, so that a cancellation is seen between them on large batches; each
    // image's z_i on its own (Regularizer::mixedDerivatives).
    constexpr int kGroup = 8;
    result.image_gradients.resize(reg.parameterCount(), x.n());
    Eigen::MatrixXd part;
    for (int first = 0; first < x.n(); first += kGroup) {
      if (options.linear.keep_going && !options.linear.keep_going()) {
        result.status = SolverStatus::kCancelled;
        result.message = "cancelled";
        return result;
      }
      const std::vector<int> group(all.begin() + first,
                                   all.begin() + std::min(x.n(), first + kGroup));
      reg.mixedDerivatives(group, x, q, part);
      result.image_gradients.middleCols(first, part.cols()) = -part;
    }
    result.gradient = MeanInOrder(result.image_gradients).template cast<T>();
    if (!result.image_gradients.allFinite() || !result.gradient.allFinite()) {
      result.status = SolverStatus::kNonFinite;
      result.message = "the hypergradient is not finite";
      return result;
    }
    if (result.lower.status == SolverStatus::kConverged) result.status = result.linear.status;
    if (result.message.empty()) result.message = result.linear.message;
    return result;
  } catch (const std::bad_alloc&) {
    return Invalid<T>("out of memory for a batch of " + data.clean->shape().toString());
  }
}

template <typename T>
HypergradientResult<T> EvaluateLoss(const HypergradientOptions& options, Regularizer<T>& reg,
                                    const Vector<T>& theta, const BatchData<T>& data, Batch<T>& x) {
  if (Status s = options.validate(); !s.ok()) return Invalid<T>(s.message());
  if (Status s = CheckProblem<T>(reg, theta, data, x, nullptr); !s.ok())
    return Invalid<T>(s.message());
  try {
    reg.setParameters(theta);
    LowerLevelProblem<T> problem(*data.op, *data.measured, reg, options.mu0);
    HypergradientResult<T> result;
    SolveLower(options, problem, data, x, result);
    return result;
  } catch (const std::bad_alloc&) {
    return Invalid<T>("out of memory for a batch of " + data.clean->shape().toString());
  }
}

#define BILEVEL_INSTANTIATE(T)                                                                  \
  template struct HypergradientResult<T>;                                                       \
  template Status CheckProblem<T>(const Regularizer<T>&, const Vector<T>&, const BatchData<T>&, \
                                  const Batch<T>&, const Batch<T>*);                            \
  template HypergradientResult<T> ComputeHypergradient<T>(                                      \
      const HypergradientOptions&, Regularizer<T>&, const Vector<T>&, const BatchData<T>&,      \
      Batch<T>&, Batch<T>&);                                                                    \
  template HypergradientResult<T> EvaluateLoss<T>(const HypergradientOptions&, Regularizer<T>&, \
                                                  const Vector<T>&, const BatchData<T>&,        \
                                                  Batch<T>&);
BILEVEL_INSTANTIATE(float)
BILEVEL_INSTANTIATE(double)
#undef BILEVEL_INSTANTIATE

}  // namespace bilevel
