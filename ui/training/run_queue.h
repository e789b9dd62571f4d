// The GUI side of training: owns the worker thread and its EngineWorker, queues runs (a
// comparison is two runs in a row on the same data and seed), drains the SnapshotBuffer on a
// timer into the RunStore, and tells the window what state training is in.
//
// The drain timer ticks at about 30 Hz while a run is active, so the GUI handles at most one
// batch of records, one progress and one preview per tick whatever the training speed.
#pragma once

#include <QObject>
#include <QThread>
#include <QTimer>
#include <deque>
#include <memory>
#include <optional>
#include <utility>

#include "bilevel/comparison.h"
#include "engine_worker.h"
#include "run_request.h"
#include "run_store.h"
#include "snapshot_buffer.h"

namespace studio {

class RunQueue final : public QObject {
  Q_OBJECT

 public:
  enum class State { kIdle, kPreparing, kRunning, kPaused, kStopping };
  Q_ENUM(State)
  static QString StateText(State state);

  explicit RunQueue(RunStore& store, QObject* parent = nullptr);
  ~RunQueue() override;  // stops the run and joins the thread

  // Queues a new run recorded in out_dir (empty: not recorded) and adds it to the store at once.
  // A run that ends otherwise than at its budget (diverged, failed) ends the queue, unless it is
  // one of a study's: then the runs after it go on.
  int start(const bilevel::TrainingConfig& config, const QString& out_dir, const QString& name,
            bool study = false);
  // ISGD (or Adam, as configured; MAID becomes ISGD) and then MAID on the same data and seed, in
  // out_root/isgd and out_root/maid. Without a budget of computations MAID gets the number of
  // computations the first run used, so both are compared at equal cost.
  std::pair<int, int> startComparison(const bilevel::TrainingConfig& config,
                                      const QString& out_root, const QString& name);
  // Continues a stored run from the checkpoint in its folder (budget: replaces the run's).
  bilevel::Status continueRun(int run_id, std::optional<bilevel::Budget> budget,
                              bool study = false);

  void pause();
  void resume();
  void stop();  // the current run; queued runs are dropped
  // The live knobs of the current run, from its next upper iteration (checked by its controller).
  bilevel::Status changeKnobs(const bilevel::LiveKnobs& knobs);
  void setPreviewTarget(bool test, int index);
  // Stops, waits for the worker and takes what it left: for closing the window.
  void shutdown();

  State state() const { return state_; }
  bool busy() const { return state_ != State::kIdle; }
  int currentRun() const { return current_; }
  std::shared_ptr<const PreviewSnapshot> latestPreview() const { return preview_; }
  std::optional<ProgressSnapshot> latestProgress() const { return progress_; }
  EngineWorker& worker() { return *worker_; }
  void setDrainInterval(int milliseconds) { drain_timer_.setInterval(milliseconds); }

 public slots:
  void drain();  // takes the buffer now (the timer calls it)

 signals:
  void stateChanged(studio::RunQueue::State state);
  void progressChanged(const studio::ProgressSnapshot& progress);
  void previewChanged(std::shared_ptr<const studio::PreviewSnapshot> preview);
  void loadProgress(int done, int total);
  void runStarted(const studio::RunStarted& info);
  void runFinished(const studio::RunFinished& info);
  void backendChanged(const QString& backend);         // the run left a failed GPU for the CPU
  void message(const QString& text);                   // for the status bar
  void errorOccurred(const QString& text);             // for a dialog
  void requestRun(const studio::RunRequest& request);  // to the worker thread

 private:
  struct Pending {
    RunRequest request;
    // The comparison's second run: its budget follows from the first's cost.
    std::optional<bilevel::ComparisonPair> comparison;
    bool study = false;  // the queue goes on after it whatever its end
  };
  void enqueue(Pending pending);
  void startNext();
  void setState(State state);
  void onStarted(const RunStarted& info);
  void onFinished(const RunFinished& info);
  void onLoadProgress(int run_id, int done, int total);
  void apply(const SnapshotBuffer::Batch& batch);

  RunStore& store_;
  SnapshotBuffer buffer_;
  QThread thread_;
  std::unique_ptr<EngineWorker> worker_;
  QTimer drain_timer_;
  std::deque<Pending> queue_;
  State state_ = State::kIdle;
  int current_ = 0;
  int started_ = 0;                // the run whose start has been handled
  bool current_is_new_ = false;    // a new run, not a continued one
  bool current_in_study_ = false;  // one of a study's runs
  // What the current run reported before its start was handled (records and events travel
  // apart from the start): applied after it, so that the start's truncation keeps them.
  std::vector<SnapshotBuffer::Batch> held_;
  bool stop_requested_ = false;
  long last_computations_ = 0;  // of the last finished run
  std::shared_ptr<const PreviewSnapshot> preview_;
  std::optional<ProgressSnapshot> progress_;
};

}  // namespace studio
