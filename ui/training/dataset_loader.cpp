#include "dataset_loader.h"

#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>
#include <chrono>
#include <exception>

#include "background_work.h"
#include "image_conversion.h"
#include "string_conversion.h"

namespace studio {
namespace {

DatasetPreview Load(const bilevel::DatasetOptions& options, const bilevel::LoadProgress& progress) {
  DatasetPreview out;
  const auto start = std::chrono::steady_clock::now();
  try {
    bilevel::Dataset data;
    const bilevel::Status s = bilevel::LoadDataset(options, &data, progress);
    for (const std::string& w : data.warnings)
      out.warnings << ToQString(w);
    if (!s.ok()) {
      out.error = Message(s);
      return out;
    }
    out.ok = true;
    out.train_count = data.train.n();
    out.test_count = data.test.n();
    out.source_count = int(data.sources.size());
    out.channels = data.train.c();
    out.patch_size = data.train.h();
    const auto thumbnails = [&](const bilevel::Batch<float>& images, const std::vector<int>& source,
                                std::vector<QImage>* images_out, QStringList* names) {
      for (int i = 0; i < std::min(images.n(), DatasetLoader::kMaxThumbnails); ++i) {
        images_out->push_back(ToQImage(images, i));
        const int s = i < int(source.size()) ? source[std::size_t(i)] : -1;
        *names << (s >= 0 && s < int(data.sources.size())
                       ? ToQString(data.sources[std::size_t(s)].name)
                       : QString());
      }
    };
    thumbnails(data.train, data.train_source, &out.train_thumbnails, &out.train_names);
    thumbnails(data.test, data.test_source, &out.test_thumbnails, &out.test_names);
  } catch (const std::exception& e) {
    out.ok = false;
    out.error = QStringLiteral("internal error: %1").arg(QString::fromUtf8(e.what()));
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace

DatasetLoader::DatasetLoader(QObject* parent) : QObject(parent) {
  qRegisterMetaType<studio::DatasetPreview>();
  connect(&watcher_, &QFutureWatcher<DatasetPreview>::finished, this, &DatasetLoader::onFinished);
}

DatasetLoader::~DatasetLoader() {
  if (cancel_) *cancel_ = true;
  watcher_.waitForFinished();
}

void DatasetLoader::load(const bilevel::DatasetOptions& options) {
  if (watcher_.isRunning()) {
    *cancel_ = true;  // onFinished() starts the latest request
    next_ = options;
    return;
  }
  launch(options);
}

void DatasetLoader::launch(const bilevel::DatasetOptions& options) {
  cancel_ = std::make_shared<std::atomic<bool>>(false);
  const std::shared_ptr<std::atomic<bool>> cancel = cancel_;
  QPointer<DatasetLoader> self(this);
  const bilevel::LoadProgress progress = [cancel, self](int done, int total) {
    QMetaObject::invokeMethod(
        self.data(),
        [self, done, total] {
          if (self) emit self->progress(done, total);
        },
        Qt::QueuedConnection);
    return !cancel->load();
  };
  watcher_.setFuture(
      QtConcurrent::run(BackgroundPool(), [options, progress] { return Load(options, progress); }));
}

void DatasetLoader::onFinished() {
  if (next_) {
    const bilevel::DatasetOptions options = *next_;
    next_.reset();
    launch(options);
    return;
  }
  emit loaded(watcher_.result());
}

}  // namespace studio
