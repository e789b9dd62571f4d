#include "bilevel/x_axis.h"

#include <cmath>

namespace bilevel {

const char* ToString(XAxis axis) {
  switch (axis) {
    case XAxis::kComputations:
      return "computations";
    case XAxis::kIterations:
      return "iterations";
    case XAxis::kEpochs:
      return "epochs";
    case XAxis::kWallTime:
      return "seconds";
  }
  return "unknown";
}

std::optional<XAxis> XAxisFromString(std::string_view text) {
  for (XAxis axis : kAllXAxes)
    if (text == ToString(axis)) return axis;
  if (text == "wall" || text == "time") return XAxis::kWallTime;
  return std::nullopt;
}

double XValue(const IterationRecord& r, XAxis axis) {
  switch (axis) {
    case XAxis::kComputations:
      return double(r.computations);
    case XAxis::kIterations:
      return double(r.iteration);
    case XAxis::kEpochs:
      return r.epoch;
    case XAxis::kWallTime:
      return r.wall_seconds;
  }
  return 0.0;
}

double BudgetLimit(const Budget& b, XAxis axis) {
  switch (axis) {
    case XAxis::kComputations:
      return double(b.computations);
    case XAxis::kIterations:
      return double(b.iterations);
    case XAxis::kEpochs:
      return b.epochs;
    case XAxis::kWallTime:
      return b.wall_seconds;
  }
  return 0.0;
}

void SetBudgetLimit(Budget* b, XAxis axis, double value) {
  switch (axis) {
    case XAxis::kComputations:
      b->computations = long(std::ceil(value));
      break;
    case XAxis::kIterations:
      b->iterations = long(std::ceil(value));
      break;
    case XAxis::kEpochs:
      b->epochs = value;
      break;
    case XAxis::kWallTime:
      b->wall_seconds = value;
      break;
  }
}

PsnrAtBudget TestPsnrAtBudget(const std::vector<IterationRecord>& log, XAxis axis, double budget,
                              double initial) {
  PsnrAtBudget result;
  if (!std::isnan(initial) && budget >= 0) {
    result.psnr = initial;
    result.at = 0.0;
  }
  for (const IterationRecord& r : log) {
    const double x = XValue(r, axis);
    if (x > budget) break;
    if (!std::isnan(r.test_psnr)) {
      result.psnr = r.test_psnr;
      result.at = x;
    }
  }
  result.reached = !log.empty() && XValue(log.back(), axis) >= budget;
  return result;
}

}  // namespace bilevel
