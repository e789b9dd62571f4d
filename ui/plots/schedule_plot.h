// A small live plot of the step sizes alpha_k and accuracies eps_k (and delta_k) that the current
// knobs give, on log-log axes, with the current iteration marked while a run goes.
#pragma once

#include <qcustomplot.h>

#include "bilevel/schedule.h"

namespace studio {

class SchedulePlot final : public QCustomPlot {
  Q_OBJECT

 public:
  explicit SchedulePlot(QWidget* parent = nullptr);
  // iterations: how far to draw (the budget's iterations, or a default).
  void setSchedules(const bilevel::Schedule& step, const bilevel::Schedule& accuracy,
                    const bilevel::DeltaSetting& delta, long iterations);
  void setCurrentIteration(long iteration);  // 0 hides the marker
  QSize sizeHint() const override { return {280, 150}; }

 private:
  QCPItemStraightLine* now_ = nullptr;
};

}  // namespace studio
