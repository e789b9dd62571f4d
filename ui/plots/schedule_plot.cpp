#include "schedule_plot.h"

#include <cmath>

namespace studio {

SchedulePlot::SchedulePlot(QWidget* parent) : QCustomPlot(parent) {
  setMinimumHeight(130);
  QFont small = font();
  small.setPointSizeF(std::max(7.0, font().pointSizeF() * 0.85));
  for (QCPAxis* axis : {xAxis, yAxis}) {
    axis->setScaleType(QCPAxis::stLogarithmic);
    axis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    axis->setNumberFormat(QStringLiteral("eb"));
    axis->setNumberPrecision(0);
    axis->setTickLabelFont(small);
    axis->setLabelFont(small);
    axis->grid()->setPen(QPen(QColor(0, 0, 0, 25)));
    axis->grid()->setSubGridVisible(false);
  }
  xAxis->setLabel(tr("iteration k+1"));
  const QColor alpha(0x4e, 0x79, 0xa7), eps(0xf2, 0x8e, 0x2b);
  addGraph()->setPen(QPen(alpha, 1.6));
  graph(0)->setName(tr("α_k"));
  addGraph()->setPen(QPen(eps, 1.6));
  graph(1)->setName(tr("ε_k"));
  addGraph()->setPen(QPen(eps.darker(140), 1.2, Qt::DotLine));
  graph(2)->setName(tr("δ_k"));
  legend->setVisible(true);
  legend->setFont(small);
  legend->setRowSpacing(-4);
  legend->setIconSize(14, 6);
  legend->setBrush(QColor(255, 255, 255, 200));
  axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignLeft);
  axisRect()->setAutoMargins(QCP::msLeft | QCP::msBottom);
  axisRect()->setMargins(QMargins(0, 6, 8, 0));
  now_ = new QCPItemStraightLine(this);
  now_->setPen(QPen(QColor(0xe1, 0x57, 0x59), 1, Qt::DashLine));
  now_->setVisible(false);
}

void SchedulePlot::setSchedules(const bilevel::Schedule& step, const bilevel::Schedule& accuracy,
                                const bilevel::DeltaSetting& delta, long iterations) {
  const long n = std::max(10L, iterations);
  QVector<double> k, a, e, d;
  const int samples = 120;
  for (int s = 0; s <= samples; ++s) {
    const long it = std::lround(std::pow(double(n), double(s) / samples));  // 1..n, log-spaced
    if (!k.isEmpty() && it <= long(k.back())) continue;
    k << double(it);
    a << step.value(it - 1);
    e << accuracy.value(it - 1);
    d << delta.delta(accuracy.value(it - 1));
  }
  graph(0)->setData(k, a, true);
  graph(1)->setData(k, e, true);
  graph(2)->setData(k, d, true);
  graph(2)->setVisible(delta.rule != bilevel::DeltaRule::kEqualEpsilon);
  if (delta.rule == bilevel::DeltaRule::kEqualEpsilon)
    graph(2)->removeFromLegend();
  else
    graph(2)->addToLegend();
  rescaleAxes(true);
  const QCPRange y = yAxis->range();
  if (y.lower > 0) yAxis->setRange(y.lower / 2, y.upper * 2);
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
