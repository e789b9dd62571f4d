#include "curve_plot.h"

#include <cmath>
#include <limits>

namespace studio {
namespace {

QString Number(double v) {
  if (v != 0 && (std::abs(v) >= 1e5 || std::abs(v) < 1e-3)) return QString::number(v, 'g', 4);
  return QString::number(v, 'g', 6);
}

// Tick labels that stay short on wide ranges: 2500, 7.5k, 1.25M.
class CompactTicker final : public QCPAxisTicker {
 protected:
  QString getTickLabel(double tick, const QLocale& locale, QChar format, int precision) override {
    const double a = std::abs(tick);
    if (a >= 1e6) return QString::number(tick / 1e6, 'g', 4) + QStringLiteral("M");
    if (a >= 1e4) return QString::number(tick / 1e3, 'g', 4) + QStringLiteral("k");
    return QCPAxisTicker::getTickLabel(tick, locale, format, precision);
  }
};

void StyleAxis(QCPAxis* axis) {
  const QColor text(0x33, 0x33, 0x33);
  axis->setBasePen(QPen(QColor(0x88, 0x88, 0x88), 1));
  axis->setTickPen(QPen(QColor(0x88, 0x88, 0x88), 1));
  axis->setSubTickPen(QPen(QColor(0xaa, 0xaa, 0xaa), 1));
  axis->setTickLabelColor(text);
  axis->setLabelColor(text);
  axis->grid()->setPen(QPen(QColor(0, 0, 0, 28), 1, Qt::SolidLine));
  axis->grid()->setZeroLinePen(Qt::NoPen);
  axis->grid()->setSubGridVisible(false);
}

}  // namespace

CurvePlot::CurvePlot(const QString& title, QWidget* parent) : QCustomPlot(parent), title_(title) {
  setObjectName(title);
  setMinimumSize(200, 150);
  setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  setNoAntialiasingOnDrag(true);
  setAntialiasedElements(QCP::aePlottables);
  setContextMenuPolicy(Qt::CustomContextMenu);

  plotLayout()->insertRow(0);
  QFont title_font = font();
  title_font.setBold(true);
  auto* heading = new QCPTextElement(this, title, title_font);
  heading->setMargins(QMargins(0, 4, 0, 0));
  plotLayout()->addElement(0, 0, heading);

  for (QCPAxis* axis : {xAxis, yAxis, yAxis2}) {
    StyleAxis(axis);
    ApplyScale(axis, false);
  }
  QFont small = font();
  small.setPointSizeF(std::max(7.0, font().pointSizeF() * 0.9));
  for (QCPAxis* axis : {xAxis, yAxis, yAxis2}) {
    axis->setTickLabelFont(small);
    axis->setLabelFont(small);
  }

  legend->setVisible(true);
  legend->setFont(small);
  legend->setBrush(QColor(255, 255, 255, 210));
  legend->setBorderPen(QPen(QColor(0, 0, 0, 40)));
  legend->setRowSpacing(-3);
  legend->setIconSize(18, 8);
  axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);

  addLayer(QStringLiteral("crosshair"), layer(QStringLiteral("main")), QCustomPlot::limAbove);
  QCPLayer* overlay = layer(QStringLiteral("crosshair"));
  overlay->setMode(QCPLayer::lmBuffered);
  cross_ = new QCPItemStraightLine(this);
  cross_->setLayer(overlay);
  cross_->setPen(QPen(QColor(0, 0, 0, 70), 1, Qt::DashLine));
  cross_->point1->setTypeX(QCPItemPosition::ptAbsolute);
  cross_->point1->setTypeY(QCPItemPosition::ptAxisRectRatio);
  cross_->point2->setTypeX(QCPItemPosition::ptAbsolute);
  cross_->point2->setTypeY(QCPItemPosition::ptAxisRectRatio);
  cross_->setClipToAxisRect(true);
  cross_->setVisible(false);
  tracer_ = new QCPItemTracer(this);
  tracer_->setLayer(overlay);
  tracer_->setStyle(QCPItemTracer::tsCircle);
  tracer_->setSize(8);
  tracer_->setInterpolating(false);
  tracer_->setVisible(false);
  readout_ = new QCPItemText(this);
  readout_->setLayer(overlay);
  readout_->position->setType(QCPItemPosition::ptAbsolute);
  readout_->setClipToAxisRect(false);
  readout_->setPadding(QMargins(5, 3, 5, 3));
  readout_->setBrush(QColor(255, 255, 240, 235));
  readout_->setPen(QPen(QColor(0, 0, 0, 90)));
  readout_->setFont(small);
  readout_->setTextAlignment(Qt::AlignLeft);
  readout_->setVisible(false);

  connect(this, &QCustomPlot::mouseMove, this, &CurvePlot::onMouseMove);
  connect(this, &QCustomPlot::mousePress, this, &CurvePlot::onMousePress);
  connect(this, &QCustomPlot::mouseWheel, this, [this](QWheelEvent*) { user_view_ = true; });
  connect(this, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) { resetView(); });
}

void CurvePlot::ApplyScale(QCPAxis* axis, bool log) {
  if (log) {
    axis->setScaleType(QCPAxis::stLogarithmic);
    axis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    axis->setNumberFormat(QStringLiteral("gb"));
    axis->setNumberPrecision(3);
  } else {
    axis->setScaleType(QCPAxis::stLinear);
    axis->setTicker(QSharedPointer<CompactTicker>::create());
    axis->setNumberFormat(QStringLiteral("gb"));
    axis->setNumberPrecision(6);
  }
}

void CurvePlot::setLogX(bool log) {
  ApplyScale(xAxis, log);
  fit();
}

bool CurvePlot::logX() const {
  return xAxis->scaleType() == QCPAxis::stLogarithmic;
}

void CurvePlot::setLogY(bool log, QCPAxis* axis) {
  ApplyScale(axis ? axis : yAxis, log);
  fit();
}

QCPGraph* CurvePlot::findGraph(int run, int role) const {
  const auto it = graphs_.find({run, role});
  return it == graphs_.end() ? nullptr : it->second.data();
}

QCPGraph* CurvePlot::graph(int run, int role, QCPAxis* value_axis) {
  if (QCPGraph* g = findGraph(run, role)) return g;
  QCPGraph* g = addGraph(xAxis, value_axis ? value_axis : yAxis);
  g->setAdaptiveSampling(true);
  graphs_[{run, role}] = g;
  return g;
}

void CurvePlot::removeRun(int run) {
  for (auto it = graphs_.begin(); it != graphs_.end();) {
    if (it->first.first == run) {
      if (it->second) {
        if (tracer_->graph() == it->second) {
          tracer_->setGraph(nullptr);
          hideReadout();
        }
        removeGraph(it->second.data());
      }
      it = graphs_.erase(it);
    } else {
      ++it;
    }
  }
  clearMarkers(run);
}

void CurvePlot::setRunVisible(int run, bool visible) {
  for (auto& [key, g] : graphs_) {
    if (key.first != run || !g) continue;
    g->setVisible(visible);
    if (visible)
      g->addToLegend();
    else
      g->removeFromLegend();
  }
  for (Marker& m : markers_)
    if (m.run == run) {
      if (m.line) m.line->setVisible(visible);
      if (m.label) m.label->setVisible(visible);
    }
}

void CurvePlot::clearMarkers(int run) {
  for (auto it = markers_.begin(); it != markers_.end();) {
    if (it->run == run) {
      if (it->line) removeItem(it->line.data());
      if (it->label) removeItem(it->label.data());
      it = markers_.erase(it);
    } else {
      ++it;
    }
  }
}

void CurvePlot::addMarker(int run, double x, const QColor& color, const QString& label) {
  Marker m;
  m.run = run;
  m.line = new QCPItemStraightLine(this);
  QColor pen_color = color;
  pen_color.setAlpha(170);
  m.line->setPen(QPen(pen_color, 1.2, Qt::DashDotLine));
  for (QCPItemPosition* p : {m.line->point1, m.line->point2}) {
    p->setTypeX(QCPItemPosition::ptPlotCoords);
    p->setTypeY(QCPItemPosition::ptAxisRectRatio);
  }
  m.line->point1->setCoords(x, 0.0);
  m.line->point2->setCoords(x, 1.0);
  m.label = new QCPItemText(this);
  m.label->position->setTypeX(QCPItemPosition::ptPlotCoords);
  m.label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
  m.label->position->setCoords(x, 0.02);
  m.label->setRotation(-90);
  m.label->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
  m.label->setText(label);
  m.label->setColor(color.darker(130));
  QFont small = font();
  small.setPointSizeF(std::max(6.5, font().pointSizeF() * 0.8));
  m.label->setFont(small);
  m.label->setClipToAxisRect(true);
  markers_.push_back(m);
}

void CurvePlot::fit() {
  if (user_view_) return;
  bool any = false;
  for (int i = 0; i < graphCount(); ++i)
    if (QCustomPlot::graph(i)->visible() && !QCustomPlot::graph(i)->data()->isEmpty()) any = true;
  if (!any) return;
  rescaleAxes(true);
  for (QCPAxis* axis : {yAxis, yAxis2}) {
    if (!axis->visible() && axis == yAxis2) continue;
    QCPRange r = axis->range();
    if (axis->scaleType() == QCPAxis::stLogarithmic) {
      if (r.lower > 0 && r.upper > 0) axis->setRange(r.lower / 1.25, r.upper * 1.25);
    } else {
      const double pad = r.size() > 0 ? 0.06 * r.size() : std::max(1e-3, std::abs(r.upper) * 0.05);
      axis->setRange(r.lower - pad, r.upper + pad);
    }
  }
  if (xAxis->scaleType() == QCPAxis::stLinear) {
    QCPRange r = xAxis->range();
    xAxis->setRange(std::min(0.0, r.lower), r.upper + 0.02 * std::max(r.size(), 1e-9));
  }
}

void CurvePlot::resetView() {
  user_view_ = false;
  fit();
  requestReplot();
}

void CurvePlot::onMousePress(QMouseEvent* event) {
  if (event->button() == Qt::LeftButton && axisRect()->rect().contains(event->pos()))
    user_view_ = true;
}

void CurvePlot::leaveEvent(QEvent* event) {
  hideReadout();
  QCustomPlot::leaveEvent(event);
}

void CurvePlot::hideReadout() {
  if (!readout_->visible() && !tracer_->visible() && !cross_->visible()) return;
  readout_->setVisible(false);
  tracer_->setVisible(false);
  cross_->setVisible(false);
  layer(QStringLiteral("crosshair"))->replot();
}

QString CurvePlot::readout() const {
  return readout_->visible() ? readout_->text() : QString();
}

void CurvePlot::onMouseMove(QMouseEvent* event) {
  showReadoutAt(event->position());
}

void CurvePlot::showReadoutAt(const QPointF& pos) {
  const QRect area = axisRect()->rect();
  if (!area.contains(pos.toPoint())) {
    hideReadout();
    return;
  }
  // The data point nearest to the mouse on screen, among the visible graphs.
  QCPGraph* best = nullptr;
  double best_key = 0, best_value = 0;
  double best_distance = 30.0 * 30.0;
  for (int i = 0; i < graphCount(); ++i) {
    QCPGraph* g = QCustomPlot::graph(i);
    if (!g->visible() || g->data()->isEmpty()) continue;
    const double key = g->keyAxis()->pixelToCoord(pos.x());
    auto it = g->data()->findBegin(key, true);
    for (int step = 0; step < 3 && it != g->data()->constEnd(); ++step, ++it) {
      const double px = g->keyAxis()->coordToPixel(it->key);
      const double py = g->valueAxis()->coordToPixel(it->value);
      if (!std::isfinite(px) || !std::isfinite(py)) continue;
      const double d = (px - pos.x()) * (px - pos.x()) + (py - pos.y()) * (py - pos.y());
      if (d < best_distance) {
        best_distance = d;
        best = g;
        best_key = it->key;
        best_value = it->value;
      }
    }
  }
  QString text;
  QPointF anchor = pos;
  if (best) {
    tracer_->setGraph(best);
    tracer_->setGraphKey(best_key);
    tracer_->setPen(QPen(best->pen().color().darker(120), 1.5));
    tracer_->setBrush(QColor(255, 255, 255, 200));
    tracer_->setVisible(true);
    text = QStringLiteral("%1\n%2: %3\n%4: %5")
               .arg(best->name(), xAxis->label().isEmpty() ? QStringLiteral("x") : xAxis->label(),
                    Number(best_key),
                    best->valueAxis()->label().isEmpty() ? QStringLiteral("y")
                                                         : best->valueAxis()->label(),
                    Number(best_value));
    anchor = QPointF(best->keyAxis()->coordToPixel(best_key),
                     best->valueAxis()->coordToPixel(best_value));
  } else {
    tracer_->setVisible(false);
    text = QStringLiteral("%1: %2\n%3: %4")
               .arg(xAxis->label(), Number(xAxis->pixelToCoord(pos.x())), yAxis->label(),
                    Number(yAxis->pixelToCoord(pos.y())));
  }
  cross_->point1->setCoords(anchor.x(), 0.0);
  cross_->point2->setCoords(anchor.x(), 1.0);
  cross_->setVisible(true);
  readout_->setText(text);
  const bool right = anchor.x() > area.center().x();
  const bool below = anchor.y() < area.center().y();
  readout_->setPositionAlignment((right ? Qt::AlignRight : Qt::AlignLeft) |
                                 (below ? Qt::AlignTop : Qt::AlignBottom));
  readout_->position->setCoords(anchor.x() + (right ? -10 : 10), anchor.y() + (below ? 10 : -10));
  readout_->setVisible(true);
  layer(QStringLiteral("crosshair"))->replot();
}

}  // namespace studio
