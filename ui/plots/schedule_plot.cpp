#include "schedule_plot.h"

#include <cmath>

#include "plot_axes.h"

namespace studio {

SchedulePlot::SchedulePlot(QWidget* parent) : QCustomPlot(parent) {
  setMinimumHeight(130);
  QFont small = font();
  small.setPointSizeF(std::max(7.0, font().pointSizeF() * 0.85));
  for (QCPAxis* axis : {xAxis, yAxis}) {
    axis->setScaleType(QCPAxis::stLogarithmic);
    axis->setTicker(QSharedPointer<LogTicker>::create());  // distinct labels on short ranges
    axis->setNumberFormat(QStringLiteral("eb"));
    axis->setNumberPrecision(0);
    axis->setTickLabelFont(small);
    axis->setLabelFont(small);
    axis->grid()->setPen(QPen(QColor(0, 0, 0, 25)));
    axis->grid()->setSubGridVisible(false);
  }
  xAxis->setLabel(tr("iteration k+1"));
  const QColor alpha(0x4e, 0x79, 0xa7), eps(0xf2, 0x8e, 0x2b);
  // Subscript k: an underscore would sit below the legend item's text line and be cut off.
  addGraph()->setPen(QPen(alpha, 1.6));
  graph(0)->setName(tr("αₖ"));
  addGraph()->setPen(QPen(eps, 1.6));
  graph(1)->setName(tr("εₖ"));
  addGraph()->setPen(QPen(eps.darker(140), 1.2, Qt::DotLine));
  graph(2)->setName(tr("δₖ"));
  // The legend is one row below the axes, where it hides no curve.
  axisRect()->insetLayout()->take(legend);
  plotLayout()->addElement(1, 0, legend);
  plotLayout()->setRowStretchFactor(1, 0.001);
  legend->setVisible(true);
  legend->setFont(small);
  legend->setIconSize(14, 6);
  legend->setBrush(Qt::NoBrush);
  legend->setBorderPen(Qt::NoPen);
  legend->setMargins(QMargins(4, 0, 4, 0));
  legend->setColumnSpacing(12);
  legend->setWrap(3);
  legend->setFillOrder(QCPLayoutGrid::foColumnsFirst, true);
  axisRect()->setAutoMargins(QCP::msLeft | QCP::msBottom);
  axisRect()->setMargins(QMargins(0, 6, 8, 0));
  now_ = new QCPItemStraightLine(this);
  now_->setPen(QPen(QColor(0xe1, 0x57, 0x59), 1, Qt::DashLine));
  now_->setVisible(false);
}

void SchedulePlot::setSchedules(const bilevel::Schedule& step, const bilevel::Schedule& accuracy,
                                const bilevel::DeltaSetting& delta, long iterations) {
  const long n = std::max(10L, iterations);
  QVector<double> k[3], v[3];  // alpha, eps, delta: positive values only (log axes)
  const auto add = [&k, &v](int g, long it, double value) {
    if (value > 0 && std::isfinite(value)) {
      k[g] << double(it);
      v[g] << value;
    }
  };
  const int samples = 120;
  long last = 0;
  for (int s = 0; s <= samples; ++s) {
    const long it = std::lround(std::pow(double(n), double(s) / samples));  // 1..n, log-spaced
    if (it <= last) continue;
    last = it;
    add(0, it, step.value(it - 1));
    add(1, it, accuracy.value(it - 1));
    add(2, it, delta.delta(accuracy.value(it - 1)));
  }
  for (int g = 0; g < 3; ++g)
    graph(g)->setData(k[g], v[g], true);
  graph(2)->setVisible(delta.rule != bilevel::DeltaRule::kEqualEpsilon);
  if (delta.rule == bilevel::DeltaRule::kEqualEpsilon)
    graph(2)->removeFromLegend();
  else
    graph(2)->addToLegend();
  // The curves' own decades (a constant schedule: one decade around it), whatever came before.
  double lowest = 0, highest = 0;
  if (DataRange(*this, yAxis, false, &lowest, &highest)) yAxis->setRange(LogRange(lowest, highest));
  xAxis->setRange(1, double(n));
  replot(QCustomPlot::rpQueuedReplot);
}

void SchedulePlot::setCurrentIteration(long iteration) {
  now_->setVisible(iteration > 0);
  if (iteration > 0) {
    now_->point1->setCoords(double(iteration), 1e-30);
    now_->point2->setCoords(double(iteration), 1e30);
  }
  replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace studio
