// The runs the window knows about: trained in this session or re-opened from run folders. Plots,
// the run list and the exports read them; the RunQueue appends records as they arrive.
#pragma once

#include <Eigen/Core>
#include <QColor>
#include <QObject>
#include <QString>
#include <limits>
#include <memory>
#include <vector>

#include "bilevel/regularizer_settings.h"
#include "bilevel/run_record.h"
#include "bilevel/training_config.h"

namespace studio {

struct RunSeries {
  int id = 0;
  QString name;
  QColor color;
  bool visible = true;
  bool live = false;  // trained (or continued) in this window
  QString folder;     // the run folder ("" when not recorded)
  QString status;     // "queued", "loading", "running", "paused", "budget reached", ...
  QString backend;
  bilevel::TrainingConfig config;
  std::vector<bilevel::IterationRecord> records;  // sorted by iteration
  std::vector<bilevel::RunEvent> events;
  double initial_test_psnr = std::numeric_limits<double>::quiet_NaN();
  bilevel::RegularizerSettings
      regularizer;  // with theta: the latest parameters (theta empty: unknown)
  Eigen::VectorXd theta;
};

class RunStore final : public QObject {
  Q_OBJECT

 public:
  explicit RunStore(QObject* parent = nullptr);
  ~RunStore() override;

  // Adds a run; gives it an id and, when it has none, a colour not used by the other runs.
  int add(RunSeries run);
  void remove(int id);
  const RunSeries* find(int id) const;
  std::vector<const RunSeries*> runs() const;  // in the order they were added
  int count() const { return int(runs_.size()); }

  void setName(int id, const QString& name);
  void setVisible(int id, bool visible);
  void setStatus(int id, const QString& status);
  void setFolder(int id, const QString& folder);
  void setBackend(int id, const QString& backend);
  void setConfig(int id, const bilevel::TrainingConfig& config);
  void setInitialTestPsnr(int id, double psnr);
  void setParameters(int id, const bilevel::RegularizerSettings& regularizer,
                     const Eigen::VectorXd& theta);
  void appendRecords(int id, const std::vector<bilevel::IterationRecord>& records);
  void appendEvents(int id, const std::vector<bilevel::RunEvent>& events);
  // Drops the records after `iteration` (a continued run starts again from its checkpoint).
  void truncate(int id, long iteration);

  // The colours runs get, in order: distinct on screen and in print.
  static const std::vector<QColor>& Palette();

 signals:
  void runAdded(int id);
  void runChanged(int id);  // name, visibility, status, folder, parameters
  void runRemoved(int id);
  void recordsAppended(int id, int first);  // records[first..] are new
  void recordsReset(int id);                // records replaced (truncated)
  void eventsAppended(int id, int first);

 private:
  RunSeries* get(int id);
  std::vector<std::unique_ptr<RunSeries>> runs_;
  int next_id_ = 1;
};

}  // namespace studio
