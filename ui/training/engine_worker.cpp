#include "engine_worker.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <memory>

#include "background_work.h"
#include "bilevel/metrics.h"
#include "bilevel/prepared_run.h"
#include "bilevel/thread_pool.h"
#include "image_conversion.h"
#include "string_conversion.h"

namespace studio {
namespace {

// The budget fraction done: the largest over the limits that are set.
double BudgetFraction(const bilevel::Trainer& t) {
  const bilevel::Budget& b = t.options().budget;
  double f = 0.0;
  if (b.computations > 0) f = std::max(f, double(t.computations()) / double(b.computations));
  if (b.epochs > 0) f = std::max(f, t.epoch() / b.epochs);
  if (b.wall_seconds > 0) f = std::max(f, t.wallSeconds() / b.wall_seconds);
  if (b.iterations > 0) f = std::max(f, double(t.iteration()) / double(b.iterations));
  return std::min(1.0, f);
}

}  // namespace

EngineWorker::EngineWorker(SnapshotBuffer& buffer, QObject* parent)
    : QObject(parent), buffer_(buffer) {}

void EngineWorker::pause(int run_id) {
  std::lock_guard lock(mutex_);
  paused_run_ = run_id;
  if (controller_ && current_run_ == run_id) controller_->pause();
}

void EngineWorker::resume(int run_id) {
  std::lock_guard lock(mutex_);
  if (paused_run_ == run_id) paused_run_ = 0;
  if (controller_ && current_run_ == run_id) controller_->resume();
}

void EngineWorker::stop(int run_id) {
  std::lock_guard lock(mutex_);
  stop_run_ = run_id;
  if (controller_ && current_run_ == run_id) controller_->stop();
}

bool EngineWorker::stopRequested(int run_id) {
  std::lock_guard lock(mutex_);
  return stop_run_ == run_id;
}

bilevel::Status EngineWorker::changeKnobs(int run_id, const bilevel::LiveKnobs& knobs) {
  std::lock_guard lock(mutex_);
  if (controller_ && current_run_ == run_id) return controller_->changeKnobs(knobs);
  pending_knobs_ = knobs;
  pending_knobs_run_ = run_id;
  return bilevel::Status::Ok();
}

void EngineWorker::setPreviewTarget(bool test, int index) {
  preview_test_ = test;
  preview_index_ = std::max(-1, index);
  preview_due_ = true;
}

void EngineWorker::run(const RunRequest& request) {
  // Training yields to the GUI on a busy machine. The engine's CPU threads are started again from
  // this thread, so that they inherit its priority (once: they then stay).
  LowerThreadPriority(kTrainingNice);
  if (!pool_lowered_) {
    pool_lowered_ = true;
    bilevel::SetThreadCount(bilevel::ThreadCount());
  }
  RunFinished result;
  result.run_id = request.run_id;
  try {
    runSession(request, &result);
  } catch (const std::exception& e) {
    result.end = bilevel::RunEnd::kError;
    result.message = QStringLiteral("internal error: %1").arg(QString::fromUtf8(e.what()));
  } catch (...) {
    result.end = bilevel::RunEnd::kError;
    result.message = QStringLiteral("internal error");
  }
  {
    std::lock_guard lock(mutex_);
    controller_ = nullptr;
    current_run_ = 0;
    if (stop_run_ == request.run_id) stop_run_ = 0;
    if (paused_run_ == request.run_id) paused_run_ = 0;
    if (pending_knobs_run_ == request.run_id) pending_knobs_.reset();
  }
  oracle_ = nullptr;
  emit finished(result);
}

void EngineWorker::runSession(const RunRequest& request, RunFinished* result) {
  const int id = request.run_id;
  run_id_ = id;
  image_choice_.reset();
  buffer_.begin(id);
  {
    std::lock_guard lock(mutex_);
    current_run_ = id;
  }
  const bilevel::LoadProgress progress = [this, id](int done, int total) {
    emit loadProgress(id, done, total);
    return !stopRequested(id);
  };

  bilevel::PreparedRun prepared;
  bilevel::Status status;
  if (!request.resume_dir.isEmpty()) {
    status = bilevel::ResumeRun(ToStd(request.resume_dir), progress, &prepared);
    if (status.ok() && request.budget) {
      prepared.trainer->setBudget(*request.budget);
      prepared.config.trainer.budget = *request.budget;
    }
  } else {
    bilevel::PrepareOptions options;
    options.out_dir = ToStd(request.out_dir);
    options.overwrite = request.overwrite;
    options.progress = progress;
    status = bilevel::PrepareRun(request.config, options, &prepared);
  }
  if (!status.ok()) {
    const bool cancelled = stopRequested(id);
    result->end = cancelled ? bilevel::RunEnd::kStopped : bilevel::RunEnd::kError;
    result->message = cancelled ? QStringLiteral("stopped before training began") : Message(status);
    return;
  }

  oracle_ = prepared.oracle.get();
  bilevel::Trainer& trainer = *prepared.trainer;
  RunStarted info;
  info.run_id = id;
  info.backend = ToQString(prepared.backend);
  info.folder = prepared.folder ? ToQString(prepared.folder->path()) : QString();
  for (const std::string& w : prepared.warnings)
    info.warnings << ToQString(w);
  info.config = prepared.config;
  info.train_images = oracle_->dataset().train.n();
  info.test_images = oracle_->dataset().test.n();
  info.start_iteration = trainer.iteration();
  info.initial_test_psnr = trainer.initialTestPsnr();
  emit started(info);

  if (stopRequested(id)) {
    result->started = true;
    result->end = bilevel::RunEnd::kStopped;
    result->message = QStringLiteral("stopped before training began");
    result->iterations = trainer.iteration();
    return;
  }
  preview_due_ = true;
  makePreview(trainer, true);

  bilevel::RunCallbacks callbacks;
  callbacks.record = [this](const bilevel::IterationRecord& r) { buffer_.addRecord(r); };
  callbacks.event = [this](const bilevel::RunEvent& e) { buffer_.addEvent(e); };
  callbacks.state = [this](bilevel::RunState s) { buffer_.setState(s); };
  callbacks.iteration = [this, id](const bilevel::Trainer& t) {
    buffer_.setProgress(
        {id, t.iteration(), t.computations(), t.epoch(), t.wallSeconds(), BudgetFraction(t)});
    makePreview(t, false);
  };
  bilevel::RunController controller(prepared, callbacks);
  {
    std::lock_guard lock(mutex_);
    controller_ = &controller;
    if (paused_run_ == id) controller.pause();
    if (stop_run_ == id) controller.stop();
    if (pending_knobs_run_ == id && pending_knobs_) {
      if (bilevel::Status s = controller.changeKnobs(*pending_knobs_); !s.ok()) {
        bilevel::RunEvent refused;
        refused.iteration = trainer.iteration();
        refused.kind = "warning";
        refused.message = "knob change refused: " + s.message();
        buffer_.addEvent(refused);
      }
      pending_knobs_.reset();
    }
  }
  buffer_.setProgress({id, trainer.iteration(), trainer.computations(), trainer.epoch(),
                       trainer.wallSeconds(), BudgetFraction(trainer)});
  controller.run();  // on this thread, until the run ends
  {
    std::lock_guard lock(mutex_);
    controller_ = nullptr;
  }
  makePreview(trainer, true);  // the final parameters

  result->started = true;
  result->end = controller.end();
  result->message = ToQString(controller.endMessage());
  result->write_error = ToQString(controller.writeError());
  result->iterations = trainer.iteration();
  result->computations = trainer.computations();
  result->wall_seconds = trainer.wallSeconds();
  result->final_test_psnr = trainer.lastTestPsnr();
}

// On the worker thread, between upper iterations. A preview costs one lower-level solve, so it is
// made at most every preview_interval_ and at most about a fifth of the time.
void EngineWorker::makePreview(const bilevel::Trainer& trainer, bool force) {
  if (!oracle_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && !preview_due_ && now < next_preview_) return;
  preview_due_ = false;

  const bilevel::Dataset& data = oracle_->dataset();
  const bool test = preview_test_ && data.test.n() > 0;
  const int index = image_choice_.resolve(data, test, preview_index_);
  const auto started = std::chrono::steady_clock::now();
  std::shared_ptr<PreviewSnapshot> preview =
      MakePreview(*oracle_, trainer.parameters(), test, index, trainer.options().test_accuracy);
  if (!preview) return;
  preview->run_id = run_id_;
  preview->iteration = trainer.iteration();
  buffer_.setPreview(std::move(preview));

  const auto interval = std::max<std::chrono::steady_clock::duration>(
      preview_interval_.load(), 4 * (std::chrono::steady_clock::now() - started));
  next_preview_ = std::chrono::steady_clock::now() + interval;
}

}  // namespace studio
