// Bilevel problems with known answers for the upper-level methods, implementing BilevelOracle.
//
// QuadraticWeightOracle: one learnable weight w = exp(theta) on a quadratic lower level,
//   x_i(theta) = argmin_x 1/2 ||x - y_i||^2 + w/2 ||x||^2 = y_i / (1 + w),
// upper loss f(theta) = (1/m) sum_i ||x_i - x*_i||^2, minimised at 1/(1 + w*) = t* =
// sum <y_i, x*_i> / sum ||y_i||^2. The inexact solution is the exact one moved by eps/2 along a
// fixed direction, so the hypergradient is inexact in a controlled way.
//
// ScriptedOracle: f(theta) = ||theta - c||^2 with its exact gradient, for crafted MAID cases.
#pragma once

#include <Eigen/Core>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bilevel/oracle.h"

namespace bilevel::test {

class QuadraticWeightOracle final : public BilevelOracle {
 public:
  QuadraticWeightOracle(int images, int size, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal;
    for (int i = 0; i < images; ++i) {
      Eigen::VectorXd clean(size), measured(size);
      for (int k = 0; k < size; ++k) {
        clean(k) = normal(rng);
        measured(k) = clean(k) + 0.5 * normal(rng);
      }
      clean_.push_back(clean);
      measured_.push_back(measured);
    }
    direction_ = Eigen::VectorXd::Ones(size) / std::sqrt(double(size));
  }

  // theta* = log(1/t* - 1).
  double optimum() const {
    double num = 0.0, den = 0.0;
    for (std::size_t i = 0; i < clean_.size(); ++i) {
      num += measured_[i].dot(clean_[i]);
      den += measured_[i].squaredNorm();
    }
    return std::log(den / num - 1.0);
  }

  int trainingSize() const override { return int(clean_.size()); }
  int parameterCount() const override { return 1; }

  OracleResult evaluate(const Eigen::VectorXd& theta, const OracleRequest& request) override {
    OracleResult r;
    ++calls;
    inside = true;
    for (int k = 0; k < work_checks; ++k) {
      if (request.keep_going && !request.keep_going()) {
        r.status = OracleStatus::kCancelled;
        inside = false;
        return r;
      }
      if (work_sleep_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(work_sleep_us));
    }
    inside = false;
    const double w = std::exp(theta(0));
    if (!std::isfinite(w) || !std::isfinite(theta(0))) {
      r.status = OracleStatus::kNonFinite;
      r.message = "the weight is not finite";
      return r;
    }
    const double eps = request.epsilon;
    double loss = 0.0, gnorm = 0.0, grad = 0.0;
    for (int i : request.images) {
      const Eigen::VectorXd x = measured_[i] / (1.0 + w) + 0.5 * eps * direction_;
      const Eigen::VectorXd dx = -measured_[i] * w / ((1.0 + w) * (1.0 + w));
      loss += (x - clean_[i]).squaredNorm();
      gnorm += 2.0 * (x - clean_[i]).norm();
      grad += 2.0 * (x - clean_[i]).dot(dx);
    }
    const double n = double(request.images.size());
    r.status = OracleStatus::kOk;
    r.loss = loss / n;
    r.psnr = -10.0 * std::log10(r.loss);
    r.loss_gradient_norm = gnorm / n;
    if (request.gradient) r.gradient = Eigen::VectorXd::Constant(1, grad / n);
    // Cost: iterations that grow as the accuracy tightens, as for a linearly convergent solver.
    const long per_image = 1 + long(std::ceil(std::log2(1.0 / eps)));
    r.lower_iterations = per_image * long(request.images.size());
    r.cg_iterations = request.gradient ? r.lower_iterations / 2 : 0;
    r.power_iterations = long(request.images.size());
    r.warm_starts_changed = true;
    return r;
  }

  // No test images; with test_failure set, a test evaluation that fails for that reason.
  double testPsnr(const Eigen::VectorXd&, double, const std::function<bool()>&,
                  std::string* failure) override {
    if (failure && !test_failure.empty()) *failure = test_failure;
    return std::numeric_limits<double>::quiet_NaN();
  }

  // Fails like a device that cannot be read when warm_starts_readable is false.
  Status warmStarts(std::vector<float>* values) const override {
    values->clear();
    return warm_starts_readable ? Status::Ok() : Status::Error("the device cannot be read");
  }

  // Reported once by the next takeBackendMove(), as an oracle whose GPU failed does.
  BackendMove takeBackendMove() override { return std::exchange(pending_move, BackendMove{}); }

  std::atomic<long> calls{0};
  BackendMove pending_move;
  bool warm_starts_readable = true;
  std::string test_failure;
  std::atomic<bool> inside{false};  // an evaluation is under way
  int work_checks = 1;              // keep_going() calls per evaluation
  int work_sleep_us = 0;            // sleep after each, to emulate inner iterations

 private:
  std::vector<Eigen::VectorXd> clean_, measured_;
  Eigen::VectorXd direction_;
};

class ScriptedOracle final : public BilevelOracle {
 public:
  explicit ScriptedOracle(Eigen::VectorXd center, int images = 4)
      : center_(std::move(center)), images_(images) {}
  int trainingSize() const override { return images_; }
  int parameterCount() const override { return int(center_.size()); }
  OracleResult evaluate(const Eigen::VectorXd& theta, const OracleRequest& request) override {
    OracleResult r;
    r.status = OracleStatus::kOk;
    r.loss = (theta - center_).squaredNorm();
    r.loss_gradient_norm = loss_gradient_norm;
    if (request.gradient) r.gradient = 2.0 * (theta - center_);
    r.lower_iterations = 10;
    r.cg_iterations = request.gradient ? 5 : 0;
    requests.push_back(request);
    thetas.push_back(theta);
    return r;
  }
  double testPsnr(const Eigen::VectorXd&, double, const std::function<bool()>&,
                  std::string*) override {
    return std::numeric_limits<double>::quiet_NaN();
  }
  double loss_gradient_norm = 0.0;
  std::vector<OracleRequest> requests;
  std::vector<Eigen::VectorXd> thetas;

 private:
  Eigen::VectorXd center_;
  int images_;
};

}  // namespace bilevel::test
