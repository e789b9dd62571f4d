// The quantity on the horizontal axis of training curves: computations (the papers' x-axis),
// upper iterations, epochs or training time. Shared by bilevel-cli plot and the application.
#pragma once

#include <optional>
#include <string_view>

#include "bilevel/run_record.h"

namespace bilevel {

enum class XAxis { kComputations, kIterations, kEpochs, kWallTime };
inline constexpr XAxis kAllXAxes[] = {XAxis::kComputations, XAxis::kIterations, XAxis::kEpochs,
                                      XAxis::kWallTime};

const char* ToString(XAxis axis);  // "computations", "iterations", "epochs", "seconds"
// Also takes "wall" and "time" for the training time.
std::optional<XAxis> XAxisFromString(std::string_view text);
// The record's value on that axis.
double XValue(const IterationRecord& record, XAxis axis);

}  // namespace bilevel
