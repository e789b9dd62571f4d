#include "plots_panel.h"

#include "bilevel/run_folder.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <algorithm>
#include <cmath>

#include "curve_plot.h"
#include "exporters.h"
#include "fit_label.h"
#include "run_labels.h"
#include "string_conversion.h"

namespace studio {
namespace {

constexpr int kAlpha = 0;
constexpr int kEpsilon = 1;
constexpr int kRaw = 0;
constexpr int kSmoothed = 1;
constexpr double kSmoothing = 0.9;

}  // namespace

QString PlotsPanel::PlotKey(Plot plot) {
  switch (plot) {
    case kLoss:
      return QStringLiteral("loss");
    case kTrainPsnr:
      return QStringLiteral("psnr");
    case kTestPsnr:
      return QStringLiteral("test_psnr");
    case kSchedules:
      return QStringLiteral("schedules");
    case kPlotCount:
      break;
  }
  return {};
}

PlotsPanel::PlotsPanel(RunStore& store, QWidget* parent) : QWidget(parent), store_(store) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->setSpacing(4);

  auto* bar = new QHBoxLayout;
  bar->addWidget(new QLabel(tr("x-axis:")));
  x_combo_ = new QComboBox;
  x_combo_->setObjectName(QStringLiteral("xAxisCombo"));
  for (XAxis axis : kAllXAxes)
    x_combo_->addItem(XAxisLabel(axis), XAxisKey(axis));
  x_combo_->setToolTip(tr("What the loss and PSNR plots are drawn against"));
  bar->addWidget(x_combo_);
  log_x_box_ = new QCheckBox(tr("log x"));
  log_x_box_->setObjectName(QStringLiteral("logXBox"));
  log_loss_box_ = new QCheckBox(tr("log loss"));
  log_loss_box_->setObjectName(QStringLiteral("logLossBox"));
  log_loss_box_->setChecked(true);
  smooth_box_ = new QCheckBox(tr("smooth"));
  smooth_box_->setObjectName(QStringLiteral("smoothBox"));
  smooth_box_->setChecked(true);
  smooth_box_->setToolTip(tr("Moving average of the per-batch loss and PSNR"));
  bar->addWidget(log_x_box_);
  bar->addWidget(log_loss_box_);
  bar->addWidget(smooth_box_);
  auto* hint = new FitLabel(tr("wheel: zoom · double-click: fit"));  // whole, or not at all
  hint->setObjectName(QStringLiteral("plotsHint"));
  hint->setToolTip(
      tr("Drag to pan, turn the wheel to zoom (over an axis: that axis only), "
         "double-click to follow the data again; right-click to export"));
  hint->setForegroundRole(QPalette::PlaceholderText);
  hint->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
  bar->addWidget(hint, 1);
  auto* fit = new QPushButton(tr("Fit all"));
  fit->setObjectName(QStringLiteral("fitButton"));
  bar->addWidget(fit);
  layout->addLayout(bar);

  auto* grid = new QGridLayout;
  grid->setSpacing(4);
  plots_[kLoss] = new CurvePlot(tr("Upper loss per batch"));
  plots_[kTrainPsnr] = new CurvePlot(tr("Training PSNR per batch"));
  plots_[kTestPsnr] = new CurvePlot(tr("Test PSNR"));
  plots_[kSchedules] = new CurvePlot(tr("Step size αₖ and accuracy εₖ"));
  plots_[kLoss]->yAxis->setLabel(tr("loss"));
  plots_[kTrainPsnr]->yAxis->setLabel(tr("PSNR (dB)"));
  plots_[kTestPsnr]->yAxis->setLabel(tr("test PSNR (dB)"));
  CurvePlot* schedules = plots_[kSchedules];
  schedules->yAxis->setLabel(tr("αₖ (solid), εₖ (dashed)"));
  schedules->setLogY(true, schedules->yAxis);
  schedules->xAxis->setLabel(XAxisLabel(XAxis::kIterations));
  plots_[kLoss]->setLogY(true);
  for (int p = 0; p < kPlotCount; ++p) {
    CurvePlot* plot = plots_[std::size_t(p)];
    plot->setObjectName(PlotKey(Plot(p)) + QStringLiteral("Plot"));
    grid->addWidget(plot, p / 2, p % 2);
    connect(plot, &QWidget::customContextMenuRequested, this,
            [this, plot](const QPoint& pos) { showContextMenu(plot, pos); });
  }
  layout->addLayout(grid, 1);

  connect(x_combo_, &QComboBox::currentIndexChanged, this, [this](int index) {
    if (auto axis = XAxisFromKey(x_combo_->itemData(index).toString())) setXAxis(*axis);
  });
  connect(log_x_box_, &QCheckBox::toggled, this, &PlotsPanel::setLogX);
  connect(log_loss_box_, &QCheckBox::toggled, this, &PlotsPanel::setLogLoss);
  connect(smooth_box_, &QCheckBox::toggled, this, &PlotsPanel::setSmooth);
  connect(fit, &QPushButton::clicked, this, &PlotsPanel::resetViews);

  replot_timer_.setSingleShot(true);
  connect(&replot_timer_, &QTimer::timeout, this, &PlotsPanel::replotNext);
  connect(&store_, &RunStore::runAdded, this, &PlotsPanel::onRunAdded);
  connect(&store_, &RunStore::runChanged, this, &PlotsPanel::onRunChanged);
  connect(&store_, &RunStore::runRemoved, this, &PlotsPanel::onRunRemoved);
  connect(&store_, &RunStore::recordsAppended, this, &PlotsPanel::onRecordsAppended);
  connect(&store_, &RunStore::recordsReset, this, &PlotsPanel::rebuild);
  connect(&store_, &RunStore::eventsAppended, this, &PlotsPanel::onEventsAppended);
  setXAxis(x_axis_);
}

void PlotsPanel::setXAxis(XAxis axis) {
  const bool changed = axis != x_axis_;
  x_axis_ = axis;
  const int index = x_combo_->findData(XAxisKey(axis));
  if (index >= 0 && x_combo_->currentIndex() != index) x_combo_->setCurrentIndex(index);
  for (Plot p : {kLoss, kTrainPsnr, kTestPsnr})
    plots_[p]->xAxis->setLabel(XAxisLabel(axis));
  if (changed) {
    rebuildAll();
    // A zoom or an event's centring is in the old axis's units: follow the data again.
    for (Plot p : {kLoss, kTrainPsnr, kTestPsnr})
      plots_[p]->resetView();
    emit xAxisChanged(axis);
  }
}

void PlotsPanel::setLogX(bool log) {
  if (log_x_box_->isChecked() != log) log_x_box_->setChecked(log);
  if (log_x_ == log) return;
  log_x_ = log;
  for (CurvePlot* plot : plots_)
    plot->setLogX(log);
  rebuildAll();
}

void PlotsPanel::setLogLoss(bool log) {
  if (log_loss_box_->isChecked() != log) log_loss_box_->setChecked(log);
  if (log_loss_ == log) return;
  log_loss_ = log;
  plots_[kLoss]->setLogY(log);
  replotAll(true);
}

void PlotsPanel::setSmooth(bool smooth) {
  if (smooth_box_->isChecked() != smooth) smooth_box_->setChecked(smooth);
  if (smooth_ == smooth) return;
  smooth_ = smooth;
  for (const RunSeries* run : store_.runs())
    styleRun(*run);
  replotAll(false);
}

void PlotsPanel::resetViews() {
  for (CurvePlot* plot : plots_)
    plot->resetView();
}

// Mini-batch losses are noisy; full-batch methods (MAID, IGD) are drawn as they are.
bool PlotsPanel::smoothed(const RunSeries& run) const {
  return smooth_ && (run.config.trainer.method == bilevel::Method::kIsgd ||
                     run.config.trainer.method == bilevel::Method::kAdam);
}

// Each run has one legend item per plot: its moving average where one is drawn, else its curve;
// on the schedules plot its step sizes (solid), the line style telling the accuracies (dashed)
// apart as the axis label says.
void PlotsPanel::styleRun(const RunSeries& run) {
  const QColor color = run.color;
  const bool smooth = smoothed(run);
  QColor faint = color;
  faint.setAlpha(smooth ? 75 : 255);
  const QPen line(color, 1.5);
  for (Plot p : {kLoss, kTrainPsnr}) {
    CurvePlot* plot = plots_[p];
    QCPGraph* raw = plot->graph(run.id, kRaw);
    raw->setPen(QPen(faint, smooth ? 1.0 : 1.5));
    raw->setAntialiased(!smooth);  // thousands of faint segments: cheaper without
    // Full-batch methods take few, costly steps: mark each one.
    raw->setScatterStyle(smooth ? QCPScatterStyle() : QCPScatterStyle(QCPScatterStyle::ssDisc, 4));
    raw->setName(run.name);
    QCPGraph* average = plot->graph(run.id, kSmoothed);
    average->setPen(QPen(color, 1.8));
    average->setName(run.name);
    plot->setGraphShown(run.id, kSmoothed, smooth);
    plot->setLegendRole(run.id, smooth ? kSmoothed : kRaw);
  }
  QCPGraph* test = plots_[kTestPsnr]->graph(run.id, 0);
  test->setPen(line);
  test->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, color, Qt::white, 5));
  test->setName(run.name);
  CurvePlot* s = plots_[kSchedules];
  QCPGraph* alpha = s->graph(run.id, kAlpha, s->yAxis);
  alpha->setPen(line);
  alpha->setName(run.name);
  // MAID's rejected steps are left out (a step of 0 has no place on a log axis): mark the others.
  alpha->setScatterStyle(run.config.trainer.method == bilevel::Method::kMaid
                             ? QCPScatterStyle(QCPScatterStyle::ssDisc, 3)
                             : QCPScatterStyle());
  s->setSeriesName(run.id, kAlpha, tr("αₖ"));
  QCPGraph* eps = s->graph(run.id, kEpsilon, s->yAxis);
  eps->setPen(QPen(color, 1.5, Qt::DashLine));
  eps->setName(run.name);
  s->setSeriesName(run.id, kEpsilon, tr("εₖ"));
  s->setLegendRole(run.id, kAlpha);
  for (CurvePlot* plot : plots_)
    plot->setRunVisible(run.id, run.visible);  // also refreshes the legend
}

void PlotsPanel::append(const RunSeries& run, int first) {
  const auto& records = run.records;
  const int n = int(records.size()) - first;
  if (n <= 0) return;
  QVector<double> x, loss, psnr, loss_avg, psnr_avg, test_x, test_y;
  QVector<double> alpha_k, alpha, eps_k, eps;  // positive values only: the axis is logarithmic
  Average& average = averages_[run.id];
  if (first == 0) average = Average{};
  x.reserve(n);
  loss.reserve(n);
  psnr.reserve(n);
  for (int i = first; i < int(records.size()); ++i) {
    const bilevel::IterationRecord& r = records[std::size_t(i)];
    const double xv = XValue(r, x_axis_);
    const bool x_ok = !log_x_ || xv > 0;
    average.loss = kSmoothing * average.loss + (1 - kSmoothing) * r.loss;
    average.psnr = kSmoothing * average.psnr + (1 - kSmoothing) * r.psnr;
    ++average.count;
    const double debias = 1 - std::pow(kSmoothing, double(average.count));
    if (x_ok) {
      x << xv;
      loss << r.loss;
      psnr << r.psnr;
      loss_avg << average.loss / debias;
      psnr_avg << average.psnr / debias;
      if (!std::isnan(r.test_psnr)) {
        test_x << xv;
        test_y << r.test_psnr;
      }
    }
    if (r.alpha > 0 && std::isfinite(r.alpha)) {
      alpha_k << double(r.iteration);
      alpha << r.alpha;
    }
    if (r.epsilon > 0 && std::isfinite(r.epsilon)) {
      eps_k << double(r.iteration);
      eps << r.epsilon;
    }
  }
  plots_[kLoss]->graph(run.id, kRaw)->addData(x, loss, true);
  plots_[kLoss]->graph(run.id, kSmoothed)->addData(x, loss_avg, true);
  plots_[kTrainPsnr]->graph(run.id, kRaw)->addData(x, psnr, true);
  plots_[kTrainPsnr]->graph(run.id, kSmoothed)->addData(x, psnr_avg, true);
  if (!test_x.isEmpty()) plots_[kTestPsnr]->graph(run.id, 0)->addData(test_x, test_y, true);
  CurvePlot* s = plots_[kSchedules];
  s->graph(run.id, kAlpha, s->yAxis)->addData(alpha_k, alpha, true);
  s->graph(run.id, kEpsilon, s->yAxis)->addData(eps_k, eps, true);
}

void PlotsPanel::updateMarkers(const RunSeries& run) {
  for (CurvePlot* plot : plots_)
    plot->clearMarkers(run.id);
  for (const bilevel::RunEvent& e : run.events) {
    if (e.kind != "knob") continue;
    // Numbers with four significant digits ("α₀ = 0.02812"); texts ("polynomial") as they are.
    bool number = false;
    const double v = ToQString(e.value).toDouble(&number);
    const QString label = KnobSymbol(e.field) + QStringLiteral(" = ") +
                          (number ? QString::number(v, 'g', 4) : ToQString(e.value));
    const double x = EventXValue(run.records, e.iteration, e.wall_seconds, x_axis_);
    for (Plot p : {kLoss, kTrainPsnr, kTestPsnr})
      if (!log_x_ || x > 0) plots_[p]->addMarker(run.id, x, run.color, label);
    if (!log_x_ || e.iteration > 0)
      plots_[kSchedules]->addMarker(run.id, double(e.iteration), run.color, label);
  }
  for (CurvePlot* plot : plots_)
    plot->setRunVisible(run.id, run.visible);
}

void PlotsPanel::rebuild(int id) {
  const RunSeries* run = store_.find(id);
  if (!run) return;
  for (int p = 0; p < kPlotCount; ++p) {
    CurvePlot* plot = plots_[std::size_t(p)];
    for (int role : {0, 1})
      if (QCPGraph* g = plot->findGraph(id, role)) g->data()->clear();
  }
  styleRun(*run);
  if (!std::isnan(run->initial_test_psnr) && !log_x_) {
    plots_[kTestPsnr]->graph(id, 0)->addData(0.0, run->initial_test_psnr);
  }
  append(*run, 0);
  // The final regularizer's test PSNR, measured when the run reached its budget, at its end.
  const double final_psnr = bilevel::RunFolder::FinalTestPsnr(run->events);
  if (!std::isnan(final_psnr) && !run->records.empty()) {
    const double x = XValue(run->records.back(), x_axis_);
    if (!log_x_ || x > 0) plots_[kTestPsnr]->graph(id, 0)->addData(x, final_psnr);
  }
  updateMarkers(*run);
  replotAll(true);
}

void PlotsPanel::rebuildAll() {
  for (const RunSeries* run : store_.runs())
    rebuild(run->id);
  replotAll(true);
}

void PlotsPanel::onRunAdded(int id) {
  rebuild(id);
}

void PlotsPanel::onRunChanged(int id) {
  if (const RunSeries* run = store_.find(id)) {
    styleRun(*run);
    replotAll(true);
  }
}

void PlotsPanel::onRunRemoved(int id) {
  averages_.erase(id);
  for (CurvePlot* plot : plots_)
    plot->removeRun(id);
  replotAll(true);
}

void PlotsPanel::onRecordsAppended(int id, int first) {
  const RunSeries* run = store_.find(id);
  if (!run) return;
  append(*run, first);
  replotAll(true);
}

void PlotsPanel::onEventsAppended(int id, int first) {
  const RunSeries* run = store_.find(id);
  if (!run) return;
  bool knob = false;
  for (std::size_t i = std::size_t(first); i < run->events.size(); ++i) {
    if (run->events[i].kind == "final") {  // a point of its own at the end of the test curve
      rebuild(id);
      return;
    }
    knob = knob || run->events[i].kind == "knob";
  }
  if (!knob) return;
  updateMarkers(*run);
  replotAll(false);
}

}  // namespace studio
