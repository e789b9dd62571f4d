// The quantity on the horizontal axis of the training plots: computations (the papers' x-axis),
// upper iterations, epochs or training time.
#pragma once

#include <QString>
#include <optional>

#include "bilevel/run_record.h"
#include "bilevel/x_axis.h"

namespace studio {

using bilevel::kAllXAxes;
using bilevel::XAxis;
using bilevel::XValue;

QString XAxisLabel(XAxis axis);  // "computations", "iterations", "epochs", "wall time (s)"
QString XAxisKey(XAxis axis);    // for settings and actions: bilevel::ToString(axis)
std::optional<XAxis> XAxisFromKey(const QString& key);
// Where an event that happened after `iteration` iterations lies on the axis, given the run's
// records (sorted by iteration) and the event's training time.
double EventXValue(const std::vector<bilevel::IterationRecord>& records, long iteration,
                   double wall_seconds, XAxis axis);

}  // namespace studio
