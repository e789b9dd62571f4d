// Inner-solver diagnostics: the FISTA and CG iterations of every upper step of each visible run
// (from the log's counters, summed over the batch's images), and which runs had images stop at
// their iteration limit instead of the tolerance.
#pragma once

#include <QLabel>
#include <QWidget>

#include "curve_plot.h"
#include "run_store.h"
#include "run_summary.h"

namespace studio {

class SolverPanel final : public QWidget {
  Q_OBJECT

 public:
  explicit SolverPanel(RunStore& store, QWidget* parent = nullptr);
  CurvePlot* plot() const { return plot_; }
  QString limits() const { return limits_->text(); }

  // Graph roles of a run.
  static constexpr int kFista = 0;
  static constexpr int kCg = 1;

 private:
  void rebuild(int id);
  void append(int id, int first);  // records[first..] of run id are new
  void updateLimits();

  RunStore& store_;
  CurvePlot* plot_ = nullptr;
  QLabel* limits_ = nullptr;
};

}  // namespace studio
