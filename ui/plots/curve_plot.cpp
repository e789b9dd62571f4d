#include "curve_plot.h"

#include <algorithm>
#include <cmath>

#include "plot_axes.h"

namespace studio {
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
  heading_ = new QCPTextElement(this, title, title_font);
  heading_->setMargins(QMargins(0, 4, 0, 0));
  plotLayout()->addElement(0, 0, heading_);

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

  // The legend is a row of its own below the axes (placed once it has items), so that it hides
  // neither curves nor markers; items wrap into as many columns as the width allows.
  setAutoAddPlottableToLegend(false);
  axisRect()->insetLayout()->take(legend);
  legend->setFont(small);
  legend->setBrush(Qt::NoBrush);
  legend->setBorderPen(Qt::NoPen);
  legend->setMargins(QMargins(8, 0, 8, 2));
  legend->setRowSpacing(0);
  legend->setColumnSpacing(14);
  legend->setIconSize(18, 8);
  legend->setFillOrder(QCPLayoutGrid::foColumnsFirst, false);
  legend->setVisible(false);

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

CurvePlot::~CurvePlot() {
  if (legend && !legend->layout()) delete legend;  // not owned by the layout while hidden
}

void CurvePlot::ApplyScale(QCPAxis* axis, bool log) {
  if (log) {
    axis->setScaleType(QCPAxis::stLogarithmic);
    axis->setTicker(QSharedPointer<LogTicker>::create());
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
  return it == graphs_.end() ? nullptr : it->second.graph.data();
}

const CurvePlot::Entry* CurvePlot::entryOf(const QCPGraph* graph) const {
  for (const auto& [key, entry] : graphs_)
    if (entry.graph == graph) return &entry;
  return nullptr;
}

QCPGraph* CurvePlot::graph(int run, int role, QCPAxis* value_axis) {
  if (QCPGraph* g = findGraph(run, role)) return g;
  QCPGraph* g = addGraph(xAxis, value_axis ? value_axis : yAxis);
  g->setAdaptiveSampling(true);
  g->setVisible(runs_[run].visible);
  graphs_[{run, role}].graph = g;
  return g;
}

void CurvePlot::removeRun(int run) {
  for (auto it = graphs_.begin(); it != graphs_.end();) {
    if (it->first.first == run) {
      if (QCPGraph* g = it->second.graph) {
        if (tracer_->graph() == g) {
          tracer_->setGraph(nullptr);
          hideReadout();
        }
        removeGraph(g);
      }
      it = graphs_.erase(it);
    } else {
      ++it;
    }
  }
  runs_.erase(run);
  clearMarkers(run);
  updateLegend();
}

void CurvePlot::setRunVisible(int run, bool visible) {
  runs_[run].visible = visible;
  for (Marker& m : markers_)
    if (m.run == run) {
      if (m.line) m.line->setVisible(visible);
      if (m.label) m.label->setVisible(visible);
    }
  applyRun(run);
}

void CurvePlot::setGraphShown(int run, int role, bool shown) {
  graphs_[{run, role}].shown = shown;
  applyRun(run);
}

void CurvePlot::setLegendRole(int run, int role) {
  runs_[run].legend_role = role;
  updateLegend();
}

void CurvePlot::setSeriesName(int run, int role, const QString& name) {
  graphs_[{run, role}].series = name;
}

void CurvePlot::applyRun(int run) {
  const bool visible = runs_[run].visible;
  for (auto& [key, entry] : graphs_)
    if (key.first == run && entry.graph) entry.graph->setVisible(visible && entry.shown);
  updateLegend();
}

void CurvePlot::updateLegend() {
  legend->clearItems();
  legend->simplify();  // no empty cells left from an earlier arrangement
  for (const auto& [run, view] : runs_) {
    const auto it = graphs_.find({run, view.legend_role});
    if (!view.visible || it == graphs_.end() || !it->second.graph || !it->second.shown) continue;
    legend->addItem(new QCPPlottableLegendItem(legend, it->second.graph));
  }
  placeLegend();
}

void CurvePlot::setLegendShown(bool shown) {
  legend_shown_ = shown;
  placeLegend();
  requestReplot();
}

void CurvePlot::setLegendPlace(LegendPlace place) {
  legend_place_ = place;
  placeLegend();
  requestReplot();
}

static Qt::Alignment LegendCorner(LegendPlace place) {
  switch (place) {
    case LegendPlace::kTopRight:
      return Qt::AlignTop | Qt::AlignRight;
    case LegendPlace::kBottomRight:
      return Qt::AlignBottom | Qt::AlignRight;
    case LegendPlace::kTopLeft:
      return Qt::AlignTop | Qt::AlignLeft;
    case LegendPlace::kBottomLeft:
      return Qt::AlignBottom | Qt::AlignLeft;
    case LegendPlace::kBelow:
    case LegendPlace::kNone:
      break;
  }
  return {};
}

// Below the axes: one row when the items fit the width, else as few rows as needed with the items
// spread evenly over them (a grid cell of the legend may stay empty only then); a legend that
// would take more than kMaxLegendRows rows is left out, and the title says so (the readout names
// each curve). Inside the axes: one item per line, in the corner chosen.
void CurvePlot::placeLegend() {
  const int available = width() - legend->margins().left() - legend->margins().right();
  // The legend's own text size, smaller (down to 6.5 points) where a name is wider than the plot.
  int items = 0, widest = 1;
  const auto measure = [&](const QFont& font) {
    items = 0;
    widest = 1;
    for (int i = 0; i < legend->itemCount(); ++i)
      if (QCPAbstractLegendItem* item = legend->item(i)) {
        item->setFont(font);
        ++items;
        widest = std::max(widest, item->minimumOuterSizeHint().width());
      }
  };
  measure(legend->font());
  if (widest > available && available > 0) {
    QFont smaller = legend->font();
    smaller.setPointSizeF(
        std::max(6.5, legend->font().pointSizeF() * double(available) / double(widest)));
    measure(smaller);
  }
  const bool below = legend_place_ == LegendPlace::kBelow;
  const int spacing = legend->columnSpacing();
  const int fit = below ? std::max(1, (available + spacing) / (widest + spacing)) : 1;
  const int rows = items > 0 ? (items + fit - 1) / fit : 0;
  const bool shown = legend_shown_ && legend_place_ != LegendPlace::kNone;
  legend_crowded_ = shown && below && rows > kMaxLegendRows;
  heading_->setText(
      legend_crowded_
          ? title_ + tr(" · %1 curves, legend left out (the readout names them)").arg(items)
          : title_);
  const bool wanted = shown && items > 0 && !legend_crowded_;
  // Moved only when it is not where it is wanted (placeLegend runs on every resize).
  QCPLayoutInset* inset = axisRect()->insetLayout();
  QCPLayout* target = !wanted ? nullptr : below ? static_cast<QCPLayout*>(plotLayout()) : inset;
  if (legend->layout() && legend->layout() != target) {
    legend->layout()->take(legend);
    plotLayout()->simplify();
  }
  legend->setVisible(wanted);
  if (!wanted) return;
  if (legend->layout() != target) {
    if (below) {
      const int row = plotLayout()->rowCount();
      plotLayout()->addElement(row, 0, legend);
      plotLayout()->setRowStretchFactor(row, 0.001);
    } else {
      inset->addElement(legend, LegendCorner(legend_place_));
    }
  } else if (!below) {
    for (int k = 0; k < inset->elementCount(); ++k)  // another corner
      if (inset->elementAt(k) == legend) inset->setInsetAlignment(k, LegendCorner(legend_place_));
  }
  legend->setWrap(below ? (items + rows - 1) / rows : 1);
  legend->setFillOrder(QCPLayoutGrid::foColumnsFirst, true);
  legend->simplify();
}

void CurvePlot::resizeEvent(QResizeEvent* event) {
  placeLegend();
  // About one x tick label per 110 pixels, so that long counts ("40000") never run together.
  xAxis->ticker()->setTickCount(std::clamp(event->size().width() / 110, 2, 6));
  QCustomPlot::resizeEvent(event);
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
  double lowest = 0, highest = 0;
  if (!DataRange(*this, xAxis, true, &lowest, &highest)) return;
  if (logX()) {
    xAxis->setRange(highest > lowest ? QCPRange(lowest, highest) : LogRange(lowest, highest));
  } else {
    const double lower = std::min(0.0, lowest);
    xAxis->setRange(lower, highest > lower ? highest + 0.02 * (highest - lower) : lower + 1.0);
  }
  for (QCPAxis* axis : {yAxis, yAxis2}) {
    if ((axis == yAxis2 && !axis->visible()) || !DataRange(*this, axis, false, &lowest, &highest))
      continue;
    if (axis->scaleType() == QCPAxis::stLogarithmic) {
      axis->setRange(LogRange(lowest, highest));
    } else {
      const double size = highest - lowest;
      const double pad = size > 0 ? 0.06 * size : std::max(1e-3, std::abs(highest) * 0.05);
      axis->setRange(lowest - pad, highest + pad);
    }
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

}  // namespace studio
