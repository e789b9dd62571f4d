// The one object that owns the engine while it trains. It lives on its own QThread: run() is
// called there through a queued signal, prepares the run (data, measurements, problem, run
// folder) and executes RunController::run() on that thread until the run ends.
//
// Commands that must reach a running engine (pause, resume, stop, knob changes, the preview
// target) are thread-safe member functions called directly from the GUI thread; they forward to
// the RunController under a mutex, which is itself thread-safe. Records, events, progress and
// previews go out through the SnapshotBuffer; only the start and the end of a run are signals.
// No exception leaves run().
#pragma once

#include <QObject>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bilevel/image_oracle.h"
#include "bilevel/run_controller.h"
#include "preview_maker.h"
#include "run_request.h"
#include "snapshot_buffer.h"

namespace studio {

class EngineWorker final : public QObject {
  Q_OBJECT

 public:
  explicit EngineWorker(SnapshotBuffer& buffer, QObject* parent = nullptr);

  // Thread-safe. Each names the run it is meant for, so a command for a run that has ended (or
  // not begun) cannot touch another one. A stop or pause given before the run has started
  // applies as soon as it starts.
  void pause(int run_id);
  void resume(int run_id);
  void stop(int run_id);
  // Checked now by the run's controller (the message names the field) and applied before the
  // next upper iteration. Before the controller exists the knobs wait and are given to it when
  // training begins (a refusal then is a warning event).
  bilevel::Status changeKnobs(int run_id, const bilevel::LiveKnobs& knobs);
  // Which image the live preview shows (index -1: the one with the most detail); the next preview
  // is made at the next iteration.
  void setPreviewTarget(bool test, int index);
  // The shortest time between two previews (they cost a lower-level solve each).
  void setPreviewInterval(std::chrono::milliseconds interval) { preview_interval_ = interval; }

 public slots:
  // Blocks this thread until the run ends; the result comes as started() then finished(), or
  // finished() alone when the run could not start.
  void run(const studio::RunRequest& request);

 signals:
  void loadProgress(int run_id, int done, int total);
  void started(const studio::RunStarted& info);
  void finished(const studio::RunFinished& info);

 private:
  void runSession(const RunRequest& request, RunFinished* result);
  void makePreview(const bilevel::Trainer& trainer, bool force);
  bool stopRequested(int run_id);

  SnapshotBuffer& buffer_;

  std::mutex mutex_;  // guards what follows, up to the worker-thread-only members
  bilevel::RunController* controller_ = nullptr;
  int current_run_ = 0;
  int stop_run_ = 0;    // the run to stop (it may not have started yet)
  int paused_run_ = 0;  // the run to hold paused
  std::optional<bilevel::LiveKnobs> pending_knobs_;
  int pending_knobs_run_ = 0;

  std::atomic<int> preview_index_{-1};  // -1: the image with the most detail
  std::atomic<bool> preview_test_{false};
  std::atomic<bool> preview_due_{true};
  std::atomic<std::chrono::milliseconds> preview_interval_{std::chrono::milliseconds(400)};

  // Worker thread only.
  static constexpr int kTrainingNice = 10;
  bool pool_lowered_ = false;
  bilevel::ImageOracle* oracle_ = nullptr;
  int run_id_ = 0;
  PreviewImageChoice image_choice_;  // the run's most detailed training and test image
  std::chrono::steady_clock::time_point next_preview_{};
};

}  // namespace studio
