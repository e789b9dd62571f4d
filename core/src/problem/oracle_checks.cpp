#include "problem/oracle_checks.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace bilevel {

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

Status CheckProblemData(const Dataset& dataset, const ProblemData& problem) {
  if (dataset.train.n() == 0) return Status::Error("the training set is empty");
  if (!problem.train_op || problem.train_measured.shape() != dataset.train.shape())
    return Status::Error("the measurements do not match the training images");
  if (dataset.test.n() > 0 &&
      (!problem.test_op || problem.test_measured.shape() != dataset.test.shape()))
    return Status::Error("the measurements do not match the test images");
  return Status::Ok();
}

bool CheckOracleRequest(const OracleRequest& request, int training_size,
                        const Eigen::VectorXd& theta, OracleResult* result) {
  std::vector<char> seen(std::size_t(std::max(training_size, 0)), 0);
  for (int i : request.images) {
    if (i < 0 || i >= training_size) {
      result->message = "training image index " + std::to_string(i) + " out of range";
      return false;
    }
    if (std::exchange(seen[std::size_t(i)], 1)) {
      result->message = "training image " + std::to_string(i) + " appears twice in the batch";
      return false;
    }
  }
  if (request.images.empty()) {
    result->message = "empty batch";
    return false;
  }
  if (!theta.cast<float>().allFinite()) {
    result->status = OracleStatus::kNonFinite;
    result->message = "the parameters are not finite";
    return false;
  }
  return true;
}

}  // namespace bilevel
