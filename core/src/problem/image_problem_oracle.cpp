#include "problem/image_problem_oracle.h"

#include "bilevel/reconstruct.h"
#include "bilevel/regularizer_registry.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "bilevel/backend_info.h"

namespace bilevel {
namespace {

Batch<float> Gather(const Batch<float>& from, const std::vector<int>& images) {
  Batch<float> out(Shape{int(images.size()), from.c(), from.h(), from.w()});
  for (std::size_t k = 0; k < images.size(); ++k)
    std::copy(from.image(images[k]), from.image(images[k]) + from.imageSize(), out.image(int(k)));
  return out;
}

void Scatter(const Batch<float>& from, const std::vector<int>& images, Batch<float>& to) {
  for (std::size_t k = 0; k < images.size(); ++k)
    std::copy(from.image(int(k)), from.image(int(k)) + from.imageSize(), to.image(images[k]));
}

}  // namespace

ImageProblemOracle::ImageProblemOracle(const ImageProblemOptions& options, Dataset dataset,
                                       ProblemData problem, std::unique_ptr<Regularizer<float>> reg)
    : options_(options),
      dataset_(std::move(dataset)),
      problem_(std::move(problem)),
      reg_(std::move(reg)) {
  x_warm_ = problem_.train_measured;
  q_warm_.resize(dataset_.train.shape());
  test_warm_ = problem_.test_measured;
}

Status ImageProblemOracle::Create(const ImageProblemOptions& options,
                                  const RegularizerSettings& regularizer, Dataset dataset,
                                  ProblemData problem, std::unique_ptr<ImageProblemOracle>* out,
                                  OracleDevice device) {
  if (Status s = options.validate(); !s.ok()) return s;
  std::unique_ptr<Regularizer<float>> reg;
  const bool on_device = device.ops != nullptr;
  if (Status s = on_device ? CreateRegularizerOn(regularizer, std::move(device.ops), &reg)
                           : CreateRegularizer(regularizer, &reg);
      !s.ok())
    return s;
  std::unique_ptr<Regularizer<double>> projector;
  if (Status s = CreateRegularizer(regularizer, &projector); !s.ok()) return s;
  if (Status s = CheckProblemData(dataset, problem); !s.ok()) return s;
  if (Status s = reg->checkImages(dataset.train.shape()); !s.ok()) return s;
  out->reset(
      new ImageProblemOracle(options, std::move(dataset), std::move(problem), std::move(reg)));
  (*out)->projector_ = std::move(projector);
  if (on_device) {
    (*out)->device_name_ = device.name.empty() ? "GPU" : device.name;
    (*out)->cpu_on_failure_ = device.cpu_on_failure;
  }
  return Status::Ok();
}

std::string ImageProblemOracle::backendName() const {
  return device_name_.empty() ? CpuBackendDescription() : device_name_;
}

Batch<float> ImageProblemOracle::placed(Batch<float> batch) const {
  if (device_name_.empty()) return batch;
  return OnBackend(batch, reg_->backend());
}

Batch<float> ImageProblemOracle::returned(Batch<float> batch) const {
  if (batch.onHost()) return batch;
  return OnHost(batch);
}

std::string ImageProblemOracle::deviceError() const {
  const std::string e = reg_->backend() ? reg_->backend()->error() : std::string();
  return e.empty() ? e : device_name_ + " failed: " + e;
}

bool ImageProblemOracle::movedToCpu(const std::string& error) {
  if (!cpu_on_failure_ || device_name_.empty()) return false;
  std::unique_ptr<Regularizer<float>> cpu;
  if (!CreateRegularizer(reg_->settings(), &cpu).ok()) return false;
  reg_ = std::move(cpu);
  device_name_.clear();
  move_.backend = backendName();
  move_.why = error + "; running on the CPU from here on";
  return true;
}

ImageOracle::BackendMove ImageProblemOracle::takeBackendMove() {
  return std::exchange(move_, BackendMove{});
}

Eigen::VectorXd ImageProblemOracle::initialParameters() const {
  return reg_->initialParameters().cast<double>();
}

void ImageProblemOracle::project(Eigen::VectorXd& theta) const {
  projector_->project(theta);  // in double: the constraints hold exactly on theta itself
}

ImageProblemOracle::Solution ImageProblemOracle::solve(const Eigen::VectorXd& theta,
                                                       const OracleRequest& request) {
  Solution solution;
  OracleResult& result = solution.failure;
  if (!CheckOracleRequest(request, trainingSize(), theta, &result)) return solution;
  const Vector<float> t = theta.cast<float>();
  const std::unique_ptr<ForwardOperator<float>> op = problem_.train_op->select(request.images);
  const Batch<float> clean = placed(Gather(dataset_.train, request.images));
  const Batch<float> measured = placed(Gather(problem_.train_measured, request.images));
  Batch<float> x = placed(Gather(x_warm_, request.images)), q;
  if (request.gradient) q = placed(Gather(q_warm_, request.images));
  const BatchData<float> data{op.get(), &clean, &measured};
  const HypergradientOptions options =
      options_.solvers(request.epsilon, request.delta, request.keep_going);
  const HypergradientResult<float> r = request.gradient
                                           ? ComputeHypergradient(options, *reg_, t, data, x, q)
                                           : EvaluateLoss(options, *reg_, t, data, x);
  result.status = ToOracleStatus(r.status);
  result.message = r.message;
  result.lower_iterations = r.lower.totalIterations();
  result.cg_iterations = r.linear.totalIterations();
  result.power_iterations = r.lower.totalPowerIterations();
  if (const std::string e = deviceError(); !e.empty()) {
    if (movedToCpu(e)) return solve(theta, request);  // from the same warm starts, on the host
    result.status = OracleStatus::kError;
    result.message = e;
  }
  if (!result.ok()) return solution;
  solution.x = returned(std::move(x));
  if (request.gradient) solution.q = returned(std::move(q));
  solution.images = OutcomesOf(r, request.gradient);
  solution.indices = request.images;
  solution.gradient = request.gradient;
  return solution;
}

void ImageProblemOracle::commit(const Solution& solution) {
  Scatter(solution.x, solution.indices, x_warm_);
  if (solution.gradient) Scatter(solution.q, solution.indices, q_warm_);
}

OracleResult ImageProblemOracle::evaluate(const Eigen::VectorXd& theta,
                                          const OracleRequest& request) {
  Solution solution = solve(theta, request);
  if (!solution.failure.ok()) return solution.failure;
  OracleResult result = ReduceOutcomes(solution.images, request);
  if (result.message.empty()) result.message = solution.failure.message;
  commit(solution);
  return result;
}

OracleStatus ImageProblemOracle::testPsnrs(const Eigen::VectorXd& theta, double epsilon,
                                           const std::function<bool()>& keep_going,
                                           std::vector<double>* psnr, std::string* failure) {
  psnr->clear();
  test_unconverged_ = 0;
  const auto fail = [&](const std::string& why) {
    if (failure) *failure = why;
    return OracleStatus::kError;
  };
  const int n = dataset_.test.n();
  const Vector<float> t = theta.cast<float>();
  if (!t.allFinite()) return fail("the parameters are not finite");
  constexpr int kChunk = 16;  // bounds the regularizer's workspace on large test sets
  for (int first = 0; first < n; first += kChunk) {
    std::vector<int> images;
    for (int i = first; i < std::min(n, first + kChunk); ++i)
      images.push_back(i);
    const std::unique_ptr<ForwardOperator<float>> op = problem_.test_op->select(images);
    const Batch<float> clean = placed(Gather(dataset_.test, images));
    const Batch<float> measured = placed(Gather(problem_.test_measured, images));
    Batch<float> x = placed(Gather(test_warm_, images));
    const BatchData<float> data{op.get(), &clean, &measured};
    const HypergradientResult<float> r =
        EvaluateLoss(options_.solvers(epsilon, epsilon, keep_going), *reg_, t, data, x);
    if (const std::string e = deviceError(); !e.empty()) {
      if (!movedToCpu(e)) return fail(e);
      first -= kChunk;  // these images again, on the CPU
      continue;
    }
    if (r.status == SolverStatus::kCancelled) return OracleStatus::kCancelled;
    if (!r.usable()) return fail(r.message.empty() ? ToString(r.status) : r.message);
    Scatter(returned(std::move(x)), images, test_warm_);
    psnr->insert(psnr->end(), r.psnr.begin(), r.psnr.end());
    test_unconverged_ += r.lower.unconvergedImages();
  }
  return OracleStatus::kOk;
}

double ImageProblemOracle::testPsnr(const Eigen::VectorXd& theta, double epsilon,
                                    const std::function<bool()>& keep_going, std::string* failure) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  if (dataset_.test.n() == 0) return kNaN;
  std::vector<double> psnr;
  if (testPsnrs(theta, epsilon, keep_going, &psnr, failure) != OracleStatus::kOk) return kNaN;
  return MeanInOrder(psnr);
}

Status ImageProblemOracle::reconstruct(const Eigen::VectorXd& theta, bool test,
                                       const std::vector<int>& images, double epsilon,
                                       Batch<float>* out) {
  const Batch<float>& clean_all = test ? dataset_.test : dataset_.train;
  const ForwardOperator<float>* op_all = test ? problem_.test_op.get() : problem_.train_op.get();
  for (int i : images)
    if (i < 0 || i >= clean_all.n())
      return Status::Error("image index " + std::to_string(i) + " out of range");
  if (images.empty() || !op_all) return Status::Error("no images to reconstruct");
  const std::unique_ptr<ForwardOperator<float>> op = op_all->select(images);
  const Batch<float> measured =
      Gather(test ? problem_.test_measured : problem_.train_measured, images);
  const HypergradientOptions solvers = options_.solvers(epsilon, epsilon, {});
  ReconstructOptions options;
  options.fista = solvers.lower;
  options.reference_side = 0;  // the run's own images: eps as in training
  options.mu0 = solvers.mu0;
  options.device = device_name_.empty() ? DevicePreference::kCpu : DevicePreference::kCuda;
  options.allow_cpu_fallback = cpu_on_failure_;
  ReconstructResult r = Reconstruct(reg_->settings(), theta, *op, measured, options);
  if (!r.status.ok()) return Status::Error("reconstruction failed: " + r.status.message());
  *out = std::move(r.x);
  return Status::Ok();
}

Status ImageProblemOracle::warmStarts(std::vector<float>* values) const {
  values->clear();
  values->reserve(x_warm_.size() + q_warm_.size() + test_warm_.size());
  for (const Batch<float>* b : {&x_warm_, &q_warm_, &test_warm_})
    values->insert(values->end(), b->values().begin(), b->values().end());
  return Status::Ok();
}

bool ImageProblemOracle::warmStartViews(std::vector<std::span<const float>>* parts) const {
  parts->clear();
  for (const Batch<float>* b : {&x_warm_, &q_warm_, &test_warm_})
    parts->emplace_back(b->values().data(), b->values().size());
  return true;
}

Status ImageProblemOracle::restoreWarmStarts(const std::vector<float>& values) {
  const std::size_t expected = x_warm_.size() + q_warm_.size() + test_warm_.size();
  if (values.size() != expected)
    return Status::Error("the checkpoint's warm starts have " + std::to_string(values.size()) +
                         " values, this problem needs " + std::to_string(expected));
  auto it = values.begin();
  for (Batch<float>* b : {&x_warm_, &q_warm_, &test_warm_}) {
    std::copy(it, it + std::ptrdiff_t(b->size()), b->data());
    it += std::ptrdiff_t(b->size());
  }
  return Status::Ok();
}

}  // namespace bilevel
