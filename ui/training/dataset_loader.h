// Loads a dataset off the GUI thread for the dataset panel: counts, warnings (skipped files, with
// their names) and thumbnails of the training and test patches. A new request cancels the one
// running; only the latest result is reported.
#pragma once

#include <QFutureWatcher>
#include <QImage>
#include <QObject>
#include <QStringList>
#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "bilevel/dataset.h"

namespace studio {

struct DatasetPreview {
  bool ok = false;
  QString error;  // why it failed
  int train_count = 0, test_count = 0;
  int source_count = 0;
  int channels = 0, patch_size = 0;
  std::vector<QImage> train_thumbnails, test_thumbnails;  // the first patches of each split
  QStringList train_names, test_names;                    // their source images
  QStringList warnings;                                   // skipped files, each naming the file
  double seconds = 0.0;
};

class DatasetLoader final : public QObject {
  Q_OBJECT

 public:
  explicit DatasetLoader(QObject* parent = nullptr);
  ~DatasetLoader() override;  // cancels and waits

  void load(const bilevel::DatasetOptions& options);
  bool busy() const { return watcher_.isRunning(); }
  // Thumbnails made per split (the rest are counted only).
  static constexpr int kMaxThumbnails = 48;

 signals:
  void progress(int done, int total);
  void loaded(const studio::DatasetPreview& preview);

 private:
  void launch(const bilevel::DatasetOptions& options);
  void onFinished();

  QFutureWatcher<DatasetPreview> watcher_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  std::optional<bilevel::DatasetOptions> next_;
};

}  // namespace studio

Q_DECLARE_METATYPE(studio::DatasetPreview)
