// Drives a Trainer on a worker thread and takes commands from any thread: start, pause, resume,
// stop and live knob changes. Pause and stop reach into the inner solvers (they are checked at
// every lower-level and CG iteration), so they take effect within one inner iteration.
//
// Everything the run writes (log, events, checkpoints, regularizer) goes through the worker
// thread; callbacks are called on the worker thread too and must not call back into the
// controller's blocking methods (wait()). No exception leaves the worker thread.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bilevel/communicator.h"
#include "bilevel/prepared_run.h"
#include "bilevel/run_folder.h"
#include "bilevel/run_record.h"
#include "bilevel/trainer.h"
#include "bilevel/training_config.h"

namespace bilevel {

enum class RunState { kIdle, kRunning, kPaused, kFinished };
const char* ToString(RunState state);

// Why a run ended.
enum class RunEnd { kNone, kBudget, kStopped, kDiverged, kError };
const char* ToString(RunEnd end);

struct RunCallbacks {
  std::function<void(const IterationRecord&)> record;  // after every upper iteration
  std::function<void(const RunEvent&)> event;          // every event, as written to events.jsonl
  std::function<void(const Trainer&)> iteration;       // after every upper iteration: snapshots
  std::function<void(RunState)> state;                 // running, paused, finished
};

class RunController {
 public:
  // config is the run's configuration, the one the trainer was built from: the controller takes
  // from it what the run folder keeps (checkpoint interval, snapshots, the regularizer's type,
  // the settings saved with every checkpoint). trainer (initialized) and folder (may be null:
  // nothing written) must outlive the controller. processes: a data-parallel run
  // (PreparedRun::processes), where every process runs a controller on its trainer; they
  // agree at every iteration on whether to go on (a stop on any process, a budget as rank 0
  // measures it), and all take part in assembling the checkpoints that rank 0, which alone has
  // the folder, writes. Null: this process alone.
  RunController(const TrainingConfig& config, Trainer& trainer, RunFolder* folder,
                RunCallbacks callbacks = {}, Communicator* processes = nullptr);
  // A prepared run (PrepareRun, ResumeRun): its config, trainer, folder and processes.
  explicit RunController(PreparedRun& run, RunCallbacks callbacks = {});
  ~RunController();  // stops the run and joins the worker
  RunController(const RunController&) = delete;
  RunController& operator=(const RunController&) = delete;

  // Runs on a new worker thread. Fails when already started.
  Status start();
  // Runs on the calling thread until the run ends (the command-line tool).
  void run();

  void pause();
  void resume();
  void stop();
  // Checks the knobs now (the message names the field) and hands them to the trainer before the
  // next upper iteration, with one "knob" event per field that changed. Any thread.
  Status changeKnobs(const LiveKnobs& knobs);
  // The knobs the next upper iteration will use: the change waiting, else the trainer's.
  LiveKnobs knobs() const;
  void wait();  // until the worker has finished

  RunState state() const;
  RunEnd end() const;
  std::string endMessage() const;
  // The first error of writing the run folder ("" when none).
  std::string writeError() const;
  // Inner solves of the iterations this controller ran that stopped at their iteration limit before
  // their tolerance (the sum of log.csv's unconverged column over them).
  long unconvergedSolves() const;

 private:
  void loop();
  bool keepGoing();
  void publish(RunEvent event);
  void setState(RunState state);
  void applyKnobs();
  void writeCheckpoint();  // checkpoint.npz and the regularizer, every checkpoint_interval
  void saveCheckpoint();   // checkpoint.npz alone
  void writeFinal();
  // Writes the snapshots whose budgets the run has reached and not yet written.
  void writeSnapshots();
  void noteWrite(const Status& status);

  bool shared() const { return processes_ && processes_->size() > 1; }
  // Ends every process of a data-parallel run that can no longer agree (an exception).
  void abortShared(const std::string& message);

  Trainer& trainer_;
  RunFolder* folder_;
  RunCallbacks callbacks_;
  Communicator* processes_ = nullptr;
  const TrainingConfig config_;    // as the run started; the trainer holds its knobs and budget
  bool recorded_ = false;          // checkpoints are assembled (some process has the folder)
  std::size_t next_snapshot_ = 0;  // index into config_.snapshots
  std::thread worker_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool started_ = false;
  bool pause_requested_ = false;
  bool stop_requested_ = false;
  RunState state_ = RunState::kIdle;
  RunEnd end_ = RunEnd::kNone;
  std::string end_message_;
  std::string write_error_;
  long unconverged_ = 0;
  std::optional<LiveKnobs> pending_;  // knobs given and not yet handed to the trainer
};

}  // namespace bilevel
