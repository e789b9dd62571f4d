// The quantity on the horizontal axis of training curves: computations (the papers' x-axis),
// upper iterations, epochs or training time. Shared by bilevel-cli plot and the application.
#pragma once

#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include "bilevel/run_record.h"
#include "bilevel/trainer_options.h"

namespace bilevel {

enum class XAxis { kComputations, kIterations, kEpochs, kWallTime };
inline constexpr XAxis kAllXAxes[] = {XAxis::kComputations, XAxis::kIterations, XAxis::kEpochs,
                                      XAxis::kWallTime};

const char* ToString(XAxis axis);  // "computations", "iterations", "epochs", "seconds"
// Also takes "wall" and "time" for the training time.
std::optional<XAxis> XAxisFromString(std::string_view text);
// The record's value on that axis.
double XValue(const IterationRecord& record, XAxis axis);

// A budget's limit on an axis (0: none) and the budget with that limit set.
double BudgetLimit(const Budget& budget, XAxis axis);
void SetBudgetLimit(Budget* budget, XAxis axis, double value);  // rounded up for counts

// A run's test PSNR at a budget on an axis: its last measurement at or before the budget (the
// initial one, at 0, when there is none and initial is a number), where on the axis that was,
// and whether the run reached the budget at all.
struct PsnrAtBudget {
  double psnr = std::numeric_limits<double>::quiet_NaN();
  double at = std::numeric_limits<double>::quiet_NaN();
  bool reached = false;
};
PsnrAtBudget TestPsnrAtBudget(const std::vector<IterationRecord>& log, XAxis axis, double budget,
                              double initial);

}  // namespace bilevel
