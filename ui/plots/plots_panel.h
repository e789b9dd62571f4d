// The four training plots, for every run in the store overlaid in its colour: upper loss per batch
// and training PSNR against the chosen x-axis, test PSNR (per epoch or test interval), and the step
// size alpha_k and accuracy eps_k against iterations. Knob changes show as vertical markers.
// New records are appended to the graphs' data (never rebuilt) and drawn with one queued replot.
#pragma once

#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>
#include <array>
#include <limits>
#include <map>

#include "curve_plot.h"
#include "exporters.h"
#include "run_store.h"
#include "x_axis_labels.h"

class QCheckBox;
class QComboBox;

namespace studio {

class CurvePlot;

class PlotsPanel final : public QWidget {
  Q_OBJECT

 public:
  enum Plot { kLoss, kTrainPsnr, kTestPsnr, kSchedules, kPlotCount };
  static QString PlotKey(Plot plot);  // "loss", "psnr", "test_psnr", "schedules"

  explicit PlotsPanel(RunStore& store, QWidget* parent = nullptr);

  CurvePlot* plot(Plot which) const { return plots_[std::size_t(which)]; }
  XAxis xAxis() const { return x_axis_; }
  void setXAxis(XAxis axis);
  bool logX() const { return log_x_; }
  void setLogX(bool log);
  bool logLoss() const { return log_loss_; }
  void setLogLoss(bool log);
  // Loss and training PSNR per batch are noisy: draw them faintly with a debiased exponential
  // moving average (weight 0.9, as TensorBoard does) on top.
  bool smooth() const { return smooth_; }
  void setSmooth(bool smooth);
  void resetViews();
  // Centres every plot's x range on where iteration `iteration` of run `run_id` lies (the x value
  // of its knob markers: EventXValue; on the wall-time axis wall_seconds, or with NaN the training
  // time of the record), keeping the plots' zoom, and draws a transient cursor line there. The
  // schedules plot, drawn against iterations, centres on the iteration. False for an unknown run.
  bool jumpToIteration(int run_id, long iteration,
                       double wall_seconds = std::numeric_limits<double>::quiet_NaN());
  // Where iteration `iteration` of the run lies on the loss and PSNR plots' x-axis.
  double iterationX(const RunSeries& run, long iteration, double wall_seconds) const;
  // Writes the four plots as <folder>/<key>.<suffix> in one style; returns the files written.
  QStringList exportAll(const QString& folder, const QString& suffix, QString* error,
                        const FigureStyle& style = {});

 signals:
  void xAxisChanged(studio::XAxis axis);
  void exportCurvesRequested();  // from a plot's context menu

 private:
  void onRunAdded(int id);
  void onRunChanged(int id);
  void onRunRemoved(int id);
  void onRecordsAppended(int id, int first);
  void onEventsAppended(int id, int first);
  void rebuild(int id);
  void rebuildAll();
  void append(const RunSeries& run, int first);
  void updateMarkers(const RunSeries& run);
  void styleRun(const RunSeries& run);
  bool smoothed(const RunSeries& run) const;
  void replotAll(bool fit);
  void replotNext();
  void showContextMenu(CurvePlot* plot, const QPoint& pos);

  RunStore& store_;
  std::array<CurvePlot*, kPlotCount> plots_{};
  QComboBox* x_combo_ = nullptr;
  QCheckBox* log_x_box_ = nullptr;
  QCheckBox* log_loss_box_ = nullptr;
  QCheckBox* smooth_box_ = nullptr;
  struct Average {
    double loss = 0.0, psnr = 0.0;
    long count = 0;
  };
  std::map<int, Average> averages_;  // per run, up to its last appended record
  XAxis x_axis_ = XAxis::kComputations;
  bool log_x_ = false;
  bool log_loss_ = true;
  bool smooth_ = true;
  QTimer replot_timer_;
  qint64 round_drawing_ms_ = 0;  // milliseconds spent drawing in this round
  bool round_running_ = false;
  std::array<bool, kPlotCount> dirty_{};
  std::array<bool, kPlotCount> fit_{};
};

// One plot in a figure style, its legend where the style puts it (and back after).
bilevel::Status SaveFigure(CurvePlot& plot, const QString& path, const FigureStyle& style);

}  // namespace studio
