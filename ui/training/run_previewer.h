// Previews for runs that are not training: a re-opened run, a finished one, or another run chosen
// while one trains. Off the GUI thread it rebuilds the run's problem from its config (the same
// data, measurements and seeds) on the CPU, reconstructs the chosen image with the run's latest
// parameters and reports a PreviewSnapshot. The last problem is kept, so choosing another image
// of the same run costs one lower-level solve. A new request replaces one that waits; only the
// newest result is reported.
#pragma once

#include <Eigen/Core>
#include <QFutureWatcher>
#include <QObject>
#include <memory>
#include <optional>

#include "bilevel/training_config.h"
#include "snapshot.h"

namespace studio {

struct RunPreviewRequest {
  int run_id = 0;
  long iteration = 0;              // of the parameters (shown in the caption)
  bilevel::TrainingConfig config;  // its regularizer settings included
  Eigen::VectorXd theta;
  bool test = false;
  int index = -1;  // -1: the image with the most detail
};

struct RunPreviewResult {
  int run_id = 0;
  std::shared_ptr<const PreviewSnapshot> preview;  // null when it failed
  QString error;
  int train_count = 0, test_count = 0;
};

class RunPreviewer final : public QObject {
  Q_OBJECT

 public:
  explicit RunPreviewer(QObject* parent = nullptr);
  ~RunPreviewer() override;  // waits for the job in flight

  void request(RunPreviewRequest request);
  bool busy() const { return watcher_.isRunning(); }

  struct Cache;  // the last problem, owned by whichever job runs

 signals:
  void finished(const studio::RunPreviewResult& result);

 private:
  void launch(RunPreviewRequest request);
  void onFinished();

  std::shared_ptr<Cache> cache_;
  QFutureWatcher<RunPreviewResult> watcher_;
  std::optional<RunPreviewRequest> next_;
};

}  // namespace studio

Q_DECLARE_METATYPE(studio::RunPreviewResult)
