#include "bilevel/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>

namespace bilevel {
namespace {

StepOutcome Outcome(StepOutcome::Kind kind, std::string message) {
  StepOutcome outcome;
  outcome.kind = kind;
  outcome.message = std::move(message);
  return outcome;
}

// Maps a failed oracle call to the step's outcome.
StepOutcome Failure(const OracleResult& result) {
  switch (result.status) {
    case OracleStatus::kCancelled:
      return Outcome(StepOutcome::Kind::kCancelled, "cancelled");
    case OracleStatus::kNonFinite:
      return Outcome(StepOutcome::Kind::kDiverged, "diverged: " + result.message);
    default:
      return Outcome(StepOutcome::Kind::kError, result.message);
  }
}

}  // namespace

Trainer::Trainer(const TrainerOptions& options, const LiveKnobs& knobs, BilevelOracle& oracle)
    : options_(options), knobs_(knobs), oracle_(oracle), rng_(options.seed) {
  order_.resize(oracle_.trainingSize());
  std::iota(order_.begin(), order_.end(), 0);
  if (options_.method == Method::kIsgd || options_.method == Method::kAdam)
    std::shuffle(order_.begin(), order_.end(), rng_);
  maid_step_ = options_.maid.step;
  maid_epsilon_ = options_.maid.epsilon;
  maid_delta_ = options_.maid.delta;
}

double Trainer::now() const {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

double Trainer::epoch() const {
  const int m = oracle_.trainingSize();
  return m > 0 ? double(visited_) / double(m) : 0.0;
}

Status Trainer::initialize(const Eigen::VectorXd& theta0, const std::function<bool()>& keep_going,
                           bool measure_test) {
  if (oracle_.trainingSize() < 1) return Status::Error("the training set is empty");
  if (theta0.size() != oracle_.parameterCount())
    return Status::Error("the initial parameters have " + std::to_string(theta0.size()) +
                         " values, the regularizer needs " +
                         std::to_string(oracle_.parameterCount()));
  if (!theta0.allFinite()) return Status::Error("the initial parameters are not finite");
  theta_ = theta0;
  oracle_.project(theta_);
  adam_m_ = Eigen::VectorXd::Zero(theta_.size());
  adam_v_ = Eigen::VectorXd::Zero(theta_.size());
  std::string failure;
  initial_test_psnr_ = last_test_psnr_ =
      measure_test ? oracle_.testPsnr(theta_, options_.test_accuracy, keep_going, &failure)
                   : std::numeric_limits<double>::quiet_NaN();
  if (!failure.empty()) return Status::Error("the test images could not be evaluated: " + failure);
  if (measure_test) last_test_iteration_ = iteration_;
  return Status::Ok();
}

std::string Trainer::budgetReached() const {
  const Budget& b = options_.budget;
  std::ostringstream text;
  if (b.computations > 0 && computations() >= b.computations)
    text << "budget of " << b.computations << " computations reached";
  else if (b.epochs > 0 && epoch() >= b.epochs - 1e-12)
    text << "budget of " << b.epochs << " epochs reached";
  else if (b.wall_seconds > 0 && wall_seconds_ >= b.wall_seconds)
    text << "budget of " << b.wall_seconds << " s reached";
  else if (b.iterations > 0 && iteration_ >= b.iterations)
    text << "budget of " << b.iterations << " iterations reached";
  return text.str();
}

std::vector<int> Trainer::nextBatch() {
  const int m = int(order_.size());
  if (options_.method == Method::kIgd || options_.method == Method::kMaid) {
    visited_ += m;
    return order_;
  }
  // Without replacement within an epoch; the last batch of an epoch may be smaller.
  if (position_ >= m) {
    std::shuffle(order_.begin(), order_.end(), rng_);
    position_ = 0;
  }
  const int size = std::min(knobs_.batch_size, m - position_);
  std::vector<int> batch(order_.begin() + position_, order_.begin() + position_ + size);
  position_ += size;
  visited_ += size;
  return batch;
}

Trainer::SamplerState Trainer::samplerState() const {
  std::ostringstream rng;
  rng << rng_;
  return {order_, position_, visited_, rng.str()};
}

void Trainer::setSamplerState(const SamplerState& state) {
  order_ = state.order;
  position_ = state.position;
  visited_ = state.visited;
  std::istringstream rng(state.rng);
  rng >> rng_;
}

bool Trainer::testDue(long visited_before) const {
  if (options_.test_interval > 0) return iteration_ % options_.test_interval == 0;
  const long m = oracle_.trainingSize();
  return visited_ / m > visited_before / m;  // an epoch ended
}

StepOutcome Trainer::step(const std::function<bool()>& keep_going) {
  if (theta_.size() == 0) return Outcome(StepOutcome::Kind::kError, "not initialized");
  const double started = now();
  const double excluded_before = excluded_seconds_;
  const long visited_before = visited_;
  StepOutcome outcome =
      options_.method == Method::kMaid ? stepMaid(keep_going) : stepSgd(keep_going);
  if (outcome.kind != StepOutcome::Kind::kStep) return outcome;
  dirty_ = false;

  IterationRecord& record = outcome.record;
  record.iteration = iteration_;
  record.epoch = epoch();
  record.lower_iterations = lower_iterations_;
  record.cg_iterations = cg_iterations_;
  record.power_iterations = power_iterations_;
  record.computations = computations();
  wall_seconds_ += (now() - started) - (excluded_seconds_ - excluded_before);
  record.wall_seconds = wall_seconds_;

  if (testDue(visited_before)) {
    const double test_started = now();
    const double excluded_test = excluded_seconds_;
    std::string failure;
    const double psnr = oracle_.testPsnr(theta_, options_.test_accuracy, keep_going, &failure);
    // A cancelled or failed test evaluation leaves the value unmeasured; the step itself stands,
    // and a failure is reported with it.
    if (!std::isnan(psnr)) {
      last_test_psnr_ = record.test_psnr = psnr;
      last_test_iteration_ = iteration_;
    }
    if (!failure.empty())
      outcome.message +=
          std::string(outcome.message.empty() ? "" : "; ") + "test PSNR not measured: " + failure;
    else if (const long missed = oracle_.testUnconverged(); missed > 0)
      outcome.message += std::string(outcome.message.empty() ? "" : "; ") +
                         "test PSNR: " + std::to_string(missed) +
                         " test images stopped at the iteration limit (max_iterations) before "
                         "test_accuracy";
    excluded_seconds_ = excluded_test + (now() - test_started);  // test time is not training
  }
  // A backend that failed during the step and was left for the CPU (oracle.h).
  if (BilevelOracle::BackendMove move = oracle_.takeBackendMove(); !move.backend.empty()) {
    outcome.backend = std::move(move.backend);
    outcome.message += std::string(outcome.message.empty() ? "" : "; ") + move.why;
  }
  return outcome;
}

double Trainer::measureTestPsnr(const std::function<bool()>& keep_going, std::string* failure) {
  if (last_test_iteration_ == iteration_ && !std::isnan(last_test_psnr_)) return last_test_psnr_;
  const double started = now();
  const double excluded = excluded_seconds_;
  const double psnr = oracle_.testPsnr(theta_, options_.test_accuracy, keep_going, failure);
  excluded_seconds_ = excluded + (now() - started);
  if (!std::isnan(psnr)) {
    last_test_psnr_ = psnr;
    last_test_iteration_ = iteration_;
  }
  return psnr;
}

StepOutcome Trainer::stepSgd(const std::function<bool()>& keep_going) {
  const SamplerState before = samplerState();
  const long k = iteration_;
  const double alpha = knobs_.step.value(k);
  const double epsilon = knobs_.accuracy.value(k);
  const double delta = knobs_.delta.delta(epsilon);

  OracleRequest request;
  request.images = nextBatch();
  request.epsilon = epsilon;
  request.delta = delta;
  request.keep_going = keep_going;
  const OracleResult result = oracle_.evaluate(theta_, request);
  if (!result.ok()) {
    setSamplerState(before);  // the same batch again when the run continues
    return Failure(result);
  }
  lower_iterations_ += result.lower_iterations;
  cg_iterations_ += result.cg_iterations;
  power_iterations_ += result.power_iterations;
  if (!std::isfinite(result.loss) || !result.gradient.allFinite() ||
      result.gradient.size() != theta_.size()) {
    return Outcome(StepOutcome::Kind::kDiverged,
                   "diverged: non-finite loss or hypergradient at iteration " +
                       std::to_string(iteration_ + 1) + "; the last finite parameters are kept");
  }

  Eigen::VectorXd next = theta_;
  if (options_.method == Method::kAdam) {
    const AdamOptions& a = options_.adam;
    ++adam_t_;
    adam_m_ = a.beta1 * adam_m_ + (1.0 - a.beta1) * result.gradient;
    adam_v_ = a.beta2 * adam_v_ + (1.0 - a.beta2) * result.gradient.cwiseAbs2();
    const double c1 = 1.0 - std::pow(a.beta1, double(adam_t_));
    const double c2 = 1.0 - std::pow(a.beta2, double(adam_t_));
    next.array() -= alpha * (adam_m_.array() / c1) / ((adam_v_.array() / c2).sqrt() + a.epsilon);
  } else {
    next -= alpha * result.gradient;
  }
  oracle_.project(next);
  if (!next.allFinite())
    return Outcome(StepOutcome::Kind::kDiverged,
                   "diverged: the parameters became non-finite at iteration " +
                       std::to_string(iteration_ + 1) + "; the last finite parameters are kept");
  ++iteration_;
  theta_ = next;

  StepOutcome outcome = Outcome(StepOutcome::Kind::kStep, "");
  IterationRecord& record = outcome.record;
  record.loss = result.loss;
  record.psnr = result.psnr;
  record.alpha = alpha;
  record.epsilon = epsilon;
  record.delta = delta;
  record.hypergradient_norm = result.gradient.norm();
  record.batch_size = int(request.images.size());
  record.unconverged = result.unconverged;
  if (result.unconverged > 0) outcome.message = result.message;
  return outcome;
}

// One MAID iteration: a hypergradient at (eps, delta), then backtracking on the step until the
// inexact sufficient-decrease test holds; accuracies and step adapt to the outcome.
StepOutcome Trainer::stepMaid(const std::function<bool()>& keep_going) {
  const MaidOptions& o = options_.maid;
  const double eps = maid_epsilon_, delta = maid_delta_;
  OracleRequest request;
  request.images = order_;
  request.epsilon = eps;
  request.delta = delta;
  request.keep_going = keep_going;

  long unconverged = 0;
  std::string unconverged_message;
  const auto count = [&](const OracleResult& r) {
    lower_iterations_ += r.lower_iterations;
    cg_iterations_ += r.cg_iterations;
    power_iterations_ += r.power_iterations;
    unconverged += r.unconverged;
    if (r.unconverged > 0 && unconverged_message.empty()) unconverged_message = r.message;
  };
  const long lower0 = lower_iterations_, cg0 = cg_iterations_, power0 = power_iterations_;
  const auto undo = [&](const OracleResult& r, bool changed) {
    lower_iterations_ = lower0;
    cg_iterations_ = cg0;
    power_iterations_ = power0;
    if (changed) dirty_ = true;
    return Failure(r);
  };

  const OracleResult base = oracle_.evaluate(theta_, request);
  if (!base.ok()) return undo(base, false);
  count(base);
  if (!std::isfinite(base.loss) || !base.gradient.allFinite())
    return Outcome(
        StepOutcome::Kind::kDiverged,
        "diverged: non-finite loss or hypergradient; the last finite parameters are kept");
  const Eigen::VectorXd& z = base.gradient;
  const double z2 = z.squaredNorm();
  const double lower_bound =
      base.loss - base.loss_gradient_norm * eps - 0.5 * o.lipschitz_g * eps * eps;

  request.gradient = false;
  int rejected = 0;
  bool accepted = false;
  double step = maid_step_;
  OracleResult trial;
  Eigen::VectorXd candidate;
  for (int i = 0; i < o.max_backtracks; ++i, step *= o.rho) {
    candidate = theta_ - step * z;
    oracle_.project(candidate);
    if (!candidate.allFinite()) {
      ++rejected;
      continue;
    }
    trial = oracle_.evaluate(candidate, request);
    if (trial.status == OracleStatus::kNonFinite) {  // too long a step: backtrack further
      ++rejected;
      continue;
    }
    if (!trial.ok()) return undo(trial, true);
    count(trial);
    if (!std::isfinite(trial.loss)) {
      ++rejected;
      continue;
    }
    const double upper_bound =
        trial.loss + trial.loss_gradient_norm * eps + 0.5 * o.lipschitz_g * eps * eps;
    if (upper_bound - lower_bound <= -o.eta * step * z2) {
      accepted = true;
      break;
    }
    ++rejected;
  }
  visited_ += long(order_.size());
  ++iteration_;

  StepOutcome outcome = Outcome(StepOutcome::Kind::kStep, "");
  IterationRecord& record = outcome.record;
  record.epsilon = eps;
  record.delta = delta;
  record.hypergradient_norm = std::sqrt(z2);
  record.batch_size = int(order_.size());
  record.accepted = accepted ? 1 : 0;
  record.rejected = rejected;
  record.unconverged = unconverged;
  if (unconverged > 0) outcome.message = unconverged_message;
  if (accepted) {
    theta_ = candidate;
    record.alpha = step;
    record.loss = trial.loss;
    record.psnr = trial.psnr;
    maid_epsilon_ = eps * o.nu_high;
    maid_delta_ = delta * o.nu_high;
    maid_step_ = step * o.step_growth;
  } else {
    record.alpha = 0.0;
    record.loss = base.loss;
    record.psnr = base.psnr;
    maid_epsilon_ = std::max(o.min_epsilon, eps * o.nu_low);
    maid_delta_ = std::max(o.min_epsilon, delta * o.nu_low);
  }
  return outcome;
}

}  // namespace bilevel
