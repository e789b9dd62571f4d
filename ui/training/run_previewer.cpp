#include "run_previewer.h"

#include <QtConcurrent/QtConcurrentRun>
#include <exception>

#include "background_work.h"
#include "bilevel/config_json.h"
#include "bilevel/prepared_run.h"
#include "preview_maker.h"
#include "string_conversion.h"

namespace studio {

struct RunPreviewer::Cache {
  std::string key;  // the config the prepared run was built from
  bilevel::PreparedRun prepared;
  PreviewImageChoice image_choice;
};

namespace {

// The run's problem on the CPU, without a run folder, a test evaluation or a change to the
// engine's thread count (a run may be training beside it).
bilevel::TrainingConfig PreviewConfig(bilevel::TrainingConfig config) {
  config.backend.device = bilevel::DevicePreference::kCpu;
  config.backend.threads = 0;
  return config;
}

RunPreviewResult Make(RunPreviewer::Cache& cache, const RunPreviewRequest& r) {
  RunPreviewResult result;
  result.run_id = r.run_id;
  const bilevel::TrainingConfig config = PreviewConfig(r.config);
  const std::string key = bilevel::ConfigToJson(config);
  if (cache.key != key || !cache.prepared.oracle) {
    cache.key.clear();
    cache.image_choice.reset();
    bilevel::PrepareOptions options;
    options.measure_initial_test = false;
    if (bilevel::Status s = bilevel::PrepareRun(config, options, &cache.prepared); !s.ok()) {
      cache.prepared.trainer.reset();
      cache.prepared.oracle.reset();
      result.error = ToQString(s.message());
      return result;
    }
    cache.key = key;
  }
  bilevel::ImageOracle& oracle = *cache.prepared.oracle;
  result.train_count = oracle.dataset().train.n();
  result.test_count = oracle.dataset().test.n();
  if (r.theta.size() != oracle.parameterCount()) {
    result.error = QStringLiteral("the run's parameters do not fit its regularizer");
    return result;
  }
  const bool test = r.test && result.test_count > 0;
  const int index = cache.image_choice.resolve(oracle.dataset(), test, r.index);
  std::shared_ptr<PreviewSnapshot> preview =
      MakePreview(oracle, r.theta, test, index, config.trainer.test_accuracy);
  if (!preview) {
    result.error = QStringLiteral("the run has no images to preview");
    return result;
  }
  preview->run_id = r.run_id;
  preview->iteration = r.iteration;
  result.preview = std::move(preview);
  return result;
}

}  // namespace

RunPreviewer::RunPreviewer(QObject* parent) : QObject(parent), cache_(std::make_shared<Cache>()) {
  qRegisterMetaType<RunPreviewResult>();
  connect(&watcher_, &QFutureWatcher<RunPreviewResult>::finished, this, &RunPreviewer::onFinished);
}

RunPreviewer::~RunPreviewer() {
  watcher_.waitForFinished();
}

void RunPreviewer::request(RunPreviewRequest request) {
  if (watcher_.isRunning()) {
    next_ = std::move(request);  // onFinished() starts the latest
    return;
  }
  launch(std::move(request));
}

void RunPreviewer::launch(RunPreviewRequest request) {
  const std::shared_ptr<Cache> cache = cache_;
  watcher_.setFuture(QtConcurrent::run(BackgroundPool(), [cache, r = std::move(request)] {
    try {
      return Make(*cache, r);
    } catch (const std::exception& e) {  // out of memory while building the problem
      cache->prepared.trainer.reset();
      cache->prepared.oracle.reset();
      cache->key.clear();
      RunPreviewResult failed;
      failed.run_id = r.run_id;
      failed.error = QString::fromUtf8(e.what());
      return failed;
    }
  }));
}

void RunPreviewer::onFinished() {
  if (next_) {
    RunPreviewRequest request = std::move(*next_);
    next_.reset();
    launch(std::move(request));
    return;
  }
  emit finished(watcher_.result());
}

}  // namespace studio
