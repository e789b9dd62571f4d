// The cursors of a plot. The readout that follows the mouse: the nearest data point's run, x and
// y, in a box that stays inside the plot. And jumping to an iteration (from the events pane): a
// CurvePlot centres its x range on a value and marks it with a cursor line that goes away after a
// few seconds; the PlotsPanel centres each of its plots on where the iteration lies on that plot's
// x-axis.
#include <algorithm>
#include <cmath>

#include <QFontMetrics>

#include "curve_plot.h"
#include "plots_panel.h"

namespace studio {
namespace {

constexpr int kCursorMs = 4000;

QString Number(double v) {
  if (v != 0 && (std::abs(v) >= 1e5 || std::abs(v) < 1e-3)) return QString::number(v, 'g', 4);
  return QString::number(v, 'g', 6);
}

}  // namespace

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

QRectF CurvePlot::readoutRect() const {
  if (!readout_->visible()) return {};
  return QRectF(readout_->topLeft->pixelPosition(), readout_->bottomRight->pixelPosition());
}

void CurvePlot::onMouseMove(QMouseEvent* event) {
  showReadoutAt(event->position());
}

void CurvePlot::refreshReadout() {
  if (readout_->visible()) showReadoutAt(last_mouse_);
}

void CurvePlot::showReadoutAt(const QPointF& pos) {
  last_mouse_ = pos;
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
    const Entry* entry = entryOf(best);
    QString value_label = entry ? entry->series : QString();
    if (value_label.isEmpty()) value_label = best->valueAxis()->label();
    text = QStringLiteral("%1\n%2: %3\n%4: %5")
               .arg(best->name(), xAxis->label().isEmpty() ? QStringLiteral("x") : xAxis->label(),
                    Number(best_key), value_label.isEmpty() ? QStringLiteral("y") : value_label,
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
  // Beside the point, towards the middle of the plot, and never past the widget's edges.
  const QFontMetrics fm(readout_->font());
  const QMargins pad = readout_->padding();
  const QSize box = fm.size(0, text) + QSize(pad.left() + pad.right(), pad.top() + pad.bottom());
  const bool right = anchor.x() > area.center().x();
  const bool below = anchor.y() < area.center().y();
  double left = right ? anchor.x() - 10 - box.width() : anchor.x() + 10;
  double top = below ? anchor.y() + 10 : anchor.y() - 10 - box.height();
  left = std::clamp(left, 1.0, std::max(1.0, double(width() - box.width() - 1)));
  top = std::clamp(top, 1.0, std::max(1.0, double(height() - box.height() - 1)));
  readout_->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
  readout_->position->setCoords(left, top);
  readout_->setVisible(true);
  layer(QStringLiteral("crosshair"))->replot();
}

bool CurvePlot::centreOn(double x, const QColor& color) {
  if (!std::isfinite(x) || (logX() && x <= 0)) return false;
  const QCPRange range = xAxis->range();
  if (logX() && range.lower > 0) {
    const double half = std::sqrt(range.upper / range.lower);
    xAxis->setRange(x / half, x * half);
  } else {
    const double half = 0.5 * range.size();
    xAxis->setRange(x - half, x + half);
  }
  user_view_ = true;  // live data no longer moves the view; a double-click follows it again
  if (!cursor_) {
    cursor_ = new QCPItemStraightLine(this);
    cursor_->setLayer(QStringLiteral("crosshair"));
    for (QCPItemPosition* p : {cursor_->point1, cursor_->point2}) {
      p->setTypeX(QCPItemPosition::ptPlotCoords);
      p->setTypeY(QCPItemPosition::ptAxisRectRatio);
    }
    cursor_->setClipToAxisRect(true);
    cursor_timer_ = new QTimer(this);
    cursor_timer_->setSingleShot(true);
    connect(cursor_timer_, &QTimer::timeout, this, [this] {
      cursor_->setVisible(false);
      layer(QStringLiteral("crosshair"))->replot();
    });
  }
  QColor pen = color.isValid() ? color.darker(115) : QColor(0x33, 0x33, 0x33);
  pen.setAlpha(210);
  cursor_->setPen(QPen(pen, 2.0));
  cursor_->point1->setCoords(x, 0.0);
  cursor_->point2->setCoords(x, 1.0);
  cursor_->setVisible(true);
  cursor_timer_->start(kCursorMs);
  requestReplot();
  return true;
}

bool CurvePlot::cursorShown() const {
  return cursor_ && cursor_->visible();
}

double CurvePlot::cursorX() const {
  return cursor_ ? cursor_->point1->coords().x() : std::numeric_limits<double>::quiet_NaN();
}

double PlotsPanel::iterationX(const RunSeries& run, long iteration, double wall_seconds) const {
  if (x_axis_ == XAxis::kWallTime && std::isnan(wall_seconds)) {
    // The training time of the last record up to the iteration (0 before the first).
    const auto it =
        std::upper_bound(run.records.begin(), run.records.end(), iteration,
                         [](long k, const bilevel::IterationRecord& r) { return k < r.iteration; });
    wall_seconds = it == run.records.begin() ? 0.0 : (it - 1)->wall_seconds;
  }
  return EventXValue(run.records, iteration, wall_seconds, x_axis_);
}

bool PlotsPanel::jumpToIteration(int run_id, long iteration, double wall_seconds) {
  const RunSeries* run = store_.find(run_id);
  if (!run) return false;
  const double x = iterationX(*run, iteration, wall_seconds);
  for (Plot p : {kLoss, kTrainPsnr, kTestPsnr})
    plots_[p]->centreOn(x, run->color);
  plots_[kSchedules]->centreOn(double(iteration), run->color);
  return true;
}

}  // namespace studio
