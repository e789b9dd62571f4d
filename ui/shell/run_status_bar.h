// The permanent part of the status bar: where the engine runs, the training state, the iteration,
// the speed (iterations/s and computations/s over the last seconds), the ETA from the budget, and
// a progress bar for long work (loading, training).
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QStringList>
#include <deque>

#include "snapshot.h"

class QLabel;
class QProgressBar;
class QStatusBar;

namespace studio {

class RunStatusBar final : public QObject {
  Q_OBJECT

 public:
  explicit RunStatusBar(QStatusBar* bar);
  // Where the engine runs, and the run's warnings: those that say why a GPU was not used
  // ("... running on the CPU") mark the label and are its tooltip.
  void setBackend(const QString& backend, const QStringList& warnings = {});
  QString backendText() const;
  QString backendToolTip() const;
  void setState(const QString& state);
  void setProgress(const ProgressSnapshot& progress);
  // Long work that is not training: done of total steps (total 0: busy without a count).
  void setBusy(const QString& what, int done, int total);
  void clearBusy();
  void resetRun();  // a new run starts: forget the speed history

  QString speedText() const;
  QString etaText() const;
  QString iterationText() const;
  QProgressBar* progressBar() const { return progress_; }

 private:
  struct Sample {
    double wall;
    long iteration;
    long computations;
    double fraction;  // of the budget
  };
  QLabel* backend_ = nullptr;
  QLabel* state_ = nullptr;
  QLabel* iteration_ = nullptr;
  QLabel* speed_ = nullptr;
  QLabel* eta_ = nullptr;
  QProgressBar* progress_ = nullptr;
  std::deque<Sample> samples_;
  bool busy_ = false;
};

}  // namespace studio
