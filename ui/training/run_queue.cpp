#include "run_queue.h"

#include <QCoreApplication>
#include <QDir>
#include <cmath>

#include "string_conversion.h"

namespace studio {
namespace {

QString EndText(bilevel::RunEnd end) {
  switch (end) {
    case bilevel::RunEnd::kBudget:
      return QStringLiteral("budget reached");
    case bilevel::RunEnd::kStopped:
      return QStringLiteral("stopped");
    case bilevel::RunEnd::kDiverged:
      return QStringLiteral("diverged");
    case bilevel::RunEnd::kError:
      return QStringLiteral("error");
    case bilevel::RunEnd::kNone:
      break;
  }
  return QStringLiteral("ended");
}

}  // namespace

QString RunQueue::StateText(State state) {
  switch (state) {
    case State::kIdle:
      return QStringLiteral("idle");
    case State::kPreparing:
      return QStringLiteral("loading");
    case State::kRunning:
      return QStringLiteral("training");
    case State::kPaused:
      return QStringLiteral("paused");
    case State::kStopping:
      return QStringLiteral("stopping");
  }
  return {};
}

RunQueue::RunQueue(RunStore& store, QObject* parent)
    : QObject(parent), store_(store), worker_(std::make_unique<EngineWorker>(buffer_)) {
  qRegisterMetaType<studio::RunRequest>();
  qRegisterMetaType<studio::RunStarted>();
  qRegisterMetaType<studio::RunFinished>();
  thread_.setObjectName(QStringLiteral("training"));
  worker_->moveToThread(&thread_);
  connect(this, &RunQueue::requestRun, worker_.get(), &EngineWorker::run, Qt::QueuedConnection);
  connect(worker_.get(), &EngineWorker::started, this, &RunQueue::onStarted, Qt::QueuedConnection);
  connect(worker_.get(), &EngineWorker::finished, this, &RunQueue::onFinished,
          Qt::QueuedConnection);
  connect(worker_.get(), &EngineWorker::loadProgress, this, &RunQueue::onLoadProgress,
          Qt::QueuedConnection);
  drain_timer_.setInterval(33);
  drain_timer_.setTimerType(Qt::CoarseTimer);
  connect(&drain_timer_, &QTimer::timeout, this, &RunQueue::drain);
  thread_.start();
}

RunQueue::~RunQueue() {
  queue_.clear();
  if (current_) worker_->stop(current_);
  thread_.requestInterruption();
  thread_.quit();
  thread_.wait();
  worker_.reset();
}

void RunQueue::shutdown() {
  queue_.clear();
  if (current_) worker_->stop(current_);
  thread_.requestInterruption();
  thread_.quit();
  thread_.wait();
  // The worker's last signals are queued to this thread: deliver them now.
  QCoreApplication::sendPostedEvents(this);
  drain();
}

int RunQueue::start(const bilevel::TrainingConfig& config, const QString& out_dir,
                    const QString& name, bool study) {
  RunSeries series;
  series.name = name.isEmpty() ? ToQString(config.name) : name;
  series.live = true;
  series.folder = out_dir;
  series.status = QStringLiteral("queued");
  series.config = config;
  series.regularizer = config.regularizer;
  const int id = store_.add(std::move(series));
  Pending pending;
  pending.request.run_id = id;
  pending.request.config = config;
  pending.request.out_dir = out_dir;
  pending.request.overwrite = study;
  pending.study = study;
  enqueue(std::move(pending));
  return id;
}

std::pair<int, int> RunQueue::startComparison(const bilevel::TrainingConfig& config,
                                              const QString& out_root, const QString& name) {
  const bilevel::ComparisonPair pair = bilevel::PairWithMaid(config);
  const bilevel::TrainingConfig& first = pair.first;
  const bilevel::TrainingConfig& second = pair.second;
  const QString first_label = MethodLabel(first.trainer.method);
  const QString root = out_root.isEmpty() ? QString() : QDir::cleanPath(out_root);
  const int a = start(first, root.isEmpty() ? QString() : root + "/isgd", name + " " + first_label);
  RunSeries series;
  series.name = name + " MAID";
  series.live = true;
  series.folder = root.isEmpty() ? QString() : root + "/maid";
  series.status = QStringLiteral("queued");
  series.config = second;
  series.regularizer = second.regularizer;
  const int b = store_.add(std::move(series));
  Pending pending;
  pending.request.run_id = b;
  pending.request.config = second;
  pending.request.out_dir = store_.find(b)->folder;
  pending.comparison = pair;
  enqueue(std::move(pending));
  return {a, b};
}

bilevel::Status RunQueue::continueRun(int run_id, std::optional<bilevel::Budget> budget,
                                      bool study) {
  const RunSeries* run = store_.find(run_id);
  if (!run) return bilevel::Status::Error("no such run");
  if (run->folder.isEmpty())
    return bilevel::Status::Error("the run " + ToStd(run->name) + " has no run folder");
  if (busy() && current_ == run_id)
    return bilevel::Status::Error("the run " + ToStd(run->name) + " is training");
  Pending pending;
  pending.request.run_id = run_id;
  pending.request.resume_dir = run->folder;
  pending.request.budget = budget;
  pending.study = study;
  store_.setStatus(run_id, QStringLiteral("queued"));
  enqueue(std::move(pending));
  return bilevel::Status::Ok();
}

void RunQueue::enqueue(Pending pending) {
  queue_.push_back(std::move(pending));
  if (state_ == State::kIdle) startNext();
}

void RunQueue::startNext() {
  if (queue_.empty()) {
    current_ = 0;
    drain_timer_.stop();
    setState(State::kIdle);
    return;
  }
  Pending next = std::move(queue_.front());
  queue_.pop_front();
  if (next.comparison) {
    next.request.config.trainer.budget =
        bilevel::SecondRunBudget(*next.comparison, last_computations_);
    store_.setConfig(next.request.run_id, next.request.config);
  }
  current_ = next.request.run_id;
  current_is_new_ = next.request.resume_dir.isEmpty();
  current_in_study_ = next.study;
  stop_requested_ = false;
  progress_.reset();
  store_.setStatus(current_, QStringLiteral("loading"));
  setState(State::kPreparing);
  if (!thread_.isRunning()) thread_.start();  // after a shutdown()
  emit requestRun(next.request);
  drain_timer_.start();
}

void RunQueue::pause() {
  if (!current_ || state_ == State::kStopping) return;
  worker_->pause(current_);
  emit message(QStringLiteral("pausing…"));
}

void RunQueue::resume() {
  if (!current_) return;
  worker_->resume(current_);
}

void RunQueue::stop() {
  for (const Pending& p : queue_)
    store_.setStatus(p.request.run_id, QStringLiteral("not started"));
  queue_.clear();
  if (!current_) return;
  stop_requested_ = true;
  worker_->stop(current_);  // also ends a pause, without a "continue" first
  setState(State::kStopping);
}

bilevel::Status RunQueue::changeKnobs(const bilevel::LiveKnobs& knobs) {
  if (!current_ || state_ == State::kStopping) return bilevel::Status::Error("no run is training");
  return worker_->changeKnobs(current_, knobs);
}

void RunQueue::setPreviewTarget(bool test, int index) {
  worker_->setPreviewTarget(test, index);
}

void RunQueue::setState(State state) {
  if (state_ == state) return;
  state_ = state;
  emit stateChanged(state);
}

void RunQueue::drain() {
  SnapshotBuffer::Batch batch = buffer_.take();
  if (batch.empty()) return;
  if (batch.run_id == current_ && started_ != current_) {
    held_.push_back(std::move(batch));
    return;
  }
  apply(batch);
}

void RunQueue::apply(const SnapshotBuffer::Batch& batch) {
  const int id = batch.run_id;
  store_.appendRecords(id, batch.records);
  store_.appendEvents(id, batch.events);
  // "paused" and "resumed" replace the "pausing…" of pause() as soon as the engine reports them.
  for (const bilevel::RunEvent& e : batch.events) {
    if (e.kind == "knob" || e.kind == "pause" || e.kind == "continue" || e.kind == "warning" ||
        e.kind == "error" || e.kind == "diverged")
      emit message(ToQString(e.message));
    if (e.kind == "backend") {
      store_.setBackend(id, ToQString(e.message));
      if (id == current_) emit backendChanged(ToQString(e.message));
    }
  }
  if (batch.preview) {
    preview_ = batch.preview;
    store_.setParameters(id, preview_->regularizer, preview_->theta);
    emit previewChanged(preview_);
  }
  if (batch.progress) {
    progress_ = batch.progress;
    emit progressChanged(*batch.progress);
  }
  if (batch.state && id == current_ && state_ != State::kStopping) {
    if (*batch.state == bilevel::RunState::kPaused) {
      setState(State::kPaused);
      store_.setStatus(id, QStringLiteral("paused"));
    } else if (*batch.state == bilevel::RunState::kRunning) {
      setState(State::kRunning);
      store_.setStatus(id, QStringLiteral("running"));
    }
  }
}

void RunQueue::onLoadProgress(int run_id, int done, int total) {
  if (run_id == current_) emit loadProgress(done, total);
}

void RunQueue::onStarted(const RunStarted& info) {
  if (info.run_id != current_) return;
  const int id = info.run_id;
  store_.setFolder(id, info.folder);
  store_.setBackend(id, info.backend);
  store_.setConfig(id, info.config);
  store_.truncate(id, info.start_iteration);
  if (info.start_iteration == 0) store_.setInitialTestPsnr(id, info.initial_test_psnr);
  store_.setStatus(id, QStringLiteral("running"));
  if (state_ == State::kPreparing) setState(State::kRunning);
  started_ = id;
  for (const SnapshotBuffer::Batch& b : held_)
    if (b.run_id == id) apply(b);
  held_.clear();
  for (const QString& w : info.warnings)
    emit message(QStringLiteral("warning: %1").arg(w));
  emit runStarted(info);
}

void RunQueue::onFinished(const RunFinished& info) {
  drain();
  const int id = info.run_id;
  for (const SnapshotBuffer::Batch& b : held_)  // a run that ended before it started
    if (b.run_id == id) apply(b);
  held_.clear();
  if (info.started) last_computations_ = info.computations;
  const RunSeries* run = store_.find(id);
  const QString name = run ? run->name : QString();
  // A new run that could not start leaves nothing behind: no entry in the list, and none for the
  // runs queued after it (a comparison's second run). Its folder was never created.
  const bool failed_start = !info.started && info.end == bilevel::RunEnd::kError;
  const bool go_on =
      !stop_requested_ && (info.end == bilevel::RunEnd::kBudget || current_in_study_);
  if (!go_on) {
    for (const Pending& p : queue_) {
      if (failed_start && p.request.resume_dir.isEmpty())
        store_.remove(p.request.run_id);
      else
        store_.setStatus(p.request.run_id, QStringLiteral("not started"));
    }
    queue_.clear();
  }
  if (failed_start && current_is_new_ && run && run->records.empty()) {
    store_.remove(id);
    run = nullptr;
    emit errorOccurred(QStringLiteral("The run “%1” could not start:\n%2").arg(name, info.message));
  } else if (run) {
    store_.setStatus(id, failed_start ? QStringLiteral("failed") : EndText(info.end));
    if (info.end == bilevel::RunEnd::kError)
      emit errorOccurred(QStringLiteral("The run “%1” %2:\n%3")
                             .arg(name,
                                  info.started ? QStringLiteral("ended with an error")
                                               : QStringLiteral("could not continue"),
                                  info.message));
    else
      emit message(QStringLiteral("%1: %2").arg(name, info.message));
    if (!info.write_error.isEmpty())
      emit errorOccurred(QStringLiteral("The run folder of “%1” could not be written:\n%2")
                             .arg(name, info.write_error));
  }
  emit runFinished(info);
  current_ = 0;
  startNext();
}

}  // namespace studio
