#include "x_axis_labels.h"

#include <algorithm>

namespace studio {

QString XAxisLabel(XAxis axis) {
  switch (axis) {
    case XAxis::kComputations:
      return QStringLiteral("computations");
    case XAxis::kIterations:
      return QStringLiteral("iterations");
    case XAxis::kEpochs:
      return QStringLiteral("epochs");
    case XAxis::kWallTime:
      return QStringLiteral("wall time (s)");
  }
  return {};
}

QString XAxisKey(XAxis axis) {
  return QString::fromLatin1(bilevel::ToString(axis));
}

std::optional<XAxis> XAxisFromKey(const QString& key) {
  return bilevel::XAxisFromString(key.toStdString());
}

double EventXValue(const std::vector<bilevel::IterationRecord>& records, long iteration,
                   double wall_seconds, XAxis axis) {
  if (axis == XAxis::kWallTime) return wall_seconds;
  if (axis == XAxis::kIterations) return double(iteration);
  const auto it =
      std::lower_bound(records.begin(), records.end(), iteration,
                       [](const bilevel::IterationRecord& r, long k) { return r.iteration < k; });
  if (it == records.end() || it->iteration != iteration) {
    // Before the first record (iteration 0) or a gap: the nearest earlier record.
    if (it == records.begin()) return 0.0;
    return XValue(*(it - 1), axis);
  }
  return XValue(*it, axis);
}

}  // namespace studio
