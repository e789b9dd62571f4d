#include "bilevel/run_controller.h"

#include "bilevel/config_json.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>

namespace bilevel {

const char* ToString(RunState state) {
  switch (state) {
    case RunState::kIdle:
      return "idle";
    case RunState::kRunning:
      return "running";
    case RunState::kPaused:
      return "paused";
    case RunState::kFinished:
      return "finished";
  }
  return "unknown";
}

const char* ToString(RunEnd end) {
  switch (end) {
    case RunEnd::kNone:
      return "none";
    case RunEnd::kBudget:
      return "budget";
    case RunEnd::kStopped:
      return "stopped";
    case RunEnd::kDiverged:
      return "diverged";
    case RunEnd::kError:
      return "error";
  }
  return "unknown";
}

RunController::RunController(const TrainingConfig& config, Trainer& trainer, RunFolder* folder,
                             RunCallbacks callbacks, Communicator* processes)
    : trainer_(trainer),
      folder_(folder),
      callbacks_(std::move(callbacks)),
      processes_(processes),
      config_(config) {}

RunController::RunController(PreparedRun& run, RunCallbacks callbacks)
    : RunController(run.config, *run.trainer, run.folder.get(), std::move(callbacks),
                    run.processes) {}

RunController::~RunController() {
  stop();
  if (worker_.joinable()) worker_.join();
}

Status RunController::start() {
  std::lock_guard lock(mutex_);
  if (started_) return Status::Error("the run has already been started");
  started_ = true;
  try {
    worker_ = std::thread([this] { loop(); });
  } catch (const std::exception& e) {
    started_ = false;
    return Status::Error(std::string("could not start the training thread: ") + e.what());
  }
  return Status::Ok();
}

void RunController::run() {
  {
    std::lock_guard lock(mutex_);
    if (started_) return;
    started_ = true;
  }
  loop();
}

void RunController::pause() {
  std::lock_guard lock(mutex_);
  pause_requested_ = true;
  changed_.notify_all();
}

void RunController::resume() {
  std::lock_guard lock(mutex_);
  pause_requested_ = false;
  changed_.notify_all();
}

void RunController::stop() {
  std::lock_guard lock(mutex_);
  stop_requested_ = true;
  changed_.notify_all();
}

Status RunController::changeKnobs(const LiveKnobs& knobs) {
  // Checked once, here; the trainer then takes the values as they are.
  if (Status s = knobs.validate(); !s.ok()) return s;
  std::lock_guard lock(mutex_);
  pending_ = knobs;
  return Status::Ok();
}

LiveKnobs RunController::knobs() const {
  std::lock_guard lock(mutex_);
  return pending_ ? *pending_ : trainer_.knobs();
}

void RunController::wait() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return !started_ || state_ == RunState::kFinished; });
}

RunState RunController::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

RunEnd RunController::end() const {
  std::lock_guard lock(mutex_);
  return end_;
}

std::string RunController::endMessage() const {
  std::lock_guard lock(mutex_);
  return end_message_;
}

std::string RunController::writeError() const {
  std::lock_guard lock(mutex_);
  return write_error_;
}

void RunController::setState(RunState state) {
  {
    std::lock_guard lock(mutex_);
    state_ = state;
  }
  changed_.notify_all();
  if (callbacks_.state) callbacks_.state(state);
}

void RunController::noteWrite(const Status& status) {
  if (status.ok()) return;
  bool first = false;
  {
    std::lock_guard lock(mutex_);
    if (write_error_.empty()) {
      write_error_ = status.message();
      first = true;
      stop_requested_ = true;  // a run that cannot be recorded stops; theta stays in memory
    }
  }
  if (first && callbacks_.event) {
    RunEvent e;
    e.iteration = trainer_.iteration();
    e.wall_seconds = trainer_.wallSeconds();
    e.kind = "error";
    e.message = "could not write the run folder: " + status.message();
    callbacks_.event(e);
  }
}

void RunController::publish(RunEvent event) {
  event.iteration = trainer_.iteration();
  event.wall_seconds = trainer_.wallSeconds();
  if (folder_) noteWrite(folder_->appendEvent(event));
  if (callbacks_.event) callbacks_.event(event);
}

// Called by the solvers at every inner iteration, on the worker thread.
bool RunController::keepGoing() {
  std::unique_lock lock(mutex_);
  if (stop_requested_) return false;
  if (!pause_requested_) return true;
  const auto paused_at = std::chrono::steady_clock::now();
  lock.unlock();
  setState(RunState::kPaused);
  publish({.kind = "pause", .message = "paused"});
  lock.lock();
  changed_.wait(lock, [this] { return !pause_requested_ || stop_requested_; });
  const bool go_on = !stop_requested_;
  lock.unlock();
  trainer_.excludeTime(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - paused_at).count());
  if (go_on) {
    publish({.kind = "continue", .message = "resumed"});
    setState(RunState::kRunning);
  }
  return go_on;
}

void RunController::applyKnobs() {
  std::vector<std::pair<std::string, std::string>> changes;
  {
    std::lock_guard lock(mutex_);
    if (!pending_) return;
    changes = KnobChanges(trainer_.knobs(), *pending_);
    trainer_.setKnobs(*pending_);
    pending_.reset();
  }
  for (const auto& [field, value] : changes) {
    RunEvent e{.kind = "knob", .field = field, .value = value};
    e.message =
        field + " = " + value + " from iteration " + std::to_string(trainer_.iteration() + 1);
    publish(e);
  }
}

void RunController::writeCheckpoint() {
  if (!recorded_ || !trainer_.checkpointable()) return;
  saveCheckpoint();
  if (folder_) noteWrite(folder_->writeRegularizer(config_.regularizer, trainer_.parameters()));
}

// Every process of a data-parallel run assembles the checkpoint (its warm starts); rank 0 writes.
void RunController::saveCheckpoint() {
  Trainer::CheckpointViews checkpoint;  // the warm starts are written from where they are
  const Status s = trainer_.checkpoint(&checkpoint);
  if (!folder_) return;
  // The settings the run goes on with: the knobs and budget as the trainer has them now.
  TrainingConfig settings = config_;
  settings.knobs = trainer_.knobs();
  settings.trainer.budget = trainer_.options().budget;
  checkpoint.arrays.emplace_back(kCheckpointSettings, NpyArray::FromBytes(ConfigToJson(settings)));
  noteWrite(s.ok() ? folder_->writeCheckpoint(checkpoint.views())
                   : Status::Error("no checkpoint written: " + s.message()));
}

void RunController::writeFinal() {
  if (!recorded_) return;
  if (folder_) noteWrite(folder_->writeRegularizer(config_.regularizer, trainer_.parameters()));
  if (trainer_.checkpointable()) saveCheckpoint();
}

void RunController::abortShared(const std::string& message) {
  if (shared()) processes_->abort(message);
}

void RunController::writeSnapshots() {
  const std::vector<long>& budgets = config_.snapshots;
  while (next_snapshot_ < budgets.size() && trainer_.computations() >= budgets[next_snapshot_]) {
    if (folder_)
      noteWrite(folder_->writeSnapshot(budgets[next_snapshot_], config_.regularizer,
                                       trainer_.parameters()));
    ++next_snapshot_;
  }
}

void RunController::loop() {
  RunEnd end = RunEnd::kNone;
  std::string message;
  try {
    setState(RunState::kRunning);
    publish({.kind = trainer_.iteration() == 0 ? "start" : "resume",
             .message = trainer_.iteration() == 0
                            ? "training started"
                            : "resumed after iteration " + std::to_string(trainer_.iteration())});
    if (trainer_.iteration() == 0 && !std::isnan(trainer_.initialTestPsnr()))
      publish(RunFolder::InitialEvent(trainer_.initialTestPsnr()));
    const auto keep_going = [this] { return keepGoing(); };
    recorded_ = shared() ? AnyProcess(*processes_, folder_ != nullptr) : folder_ != nullptr;
    const int checkpoint_every = std::max(1, config_.checkpoint_interval);
    // A new run keeps the snapshots at budget 0 now; a resumed one has kept those it has passed.
    const std::vector<long>& budgets = config_.snapshots;
    next_snapshot_ = trainer_.iteration() == 0
                         ? 0
                         : std::size_t(std::upper_bound(budgets.begin(), budgets.end(),
                                                        trainer_.computations()) -
                                       budgets.begin());
    writeSnapshots();
    for (;;) {
      applyKnobs();
      bool stop = !keepGoing();
      std::string budget = trainer_.budgetReached();
      if (shared()) {  // every process goes on, or none: a stop anywhere, rank 0's clock
        stop = AnyProcess(*processes_, stop);
        budget = FromRoot(*processes_, budget);
      }
      if (stop) {
        end = RunEnd::kStopped;
        message = "stopped by the user";
        break;
      }
      if (!budget.empty()) {
        end = RunEnd::kBudget;
        message = budget;
        break;
      }
      const StepOutcome outcome = trainer_.step(keep_going);
      if (outcome.kind == StepOutcome::Kind::kCancelled) {
        end = RunEnd::kStopped;
        message = "stopped by the user";
        break;
      }
      if (outcome.kind == StepOutcome::Kind::kDiverged) {
        end = RunEnd::kDiverged;
        message = outcome.message;
        break;
      }
      if (outcome.kind == StepOutcome::Kind::kError) {
        end = RunEnd::kError;
        message = outcome.message;
        break;
      }
      if (!outcome.backend.empty()) publish({.kind = "backend", .message = outcome.backend});
      if (!outcome.message.empty()) publish({.kind = "warning", .message = outcome.message});
      {
        std::lock_guard lock(mutex_);
        unconverged_ += std::max(0L, outcome.record.unconverged);
      }
      if (folder_) noteWrite(folder_->appendRecord(outcome.record));
      if (callbacks_.record) callbacks_.record(outcome.record);
      if (callbacks_.iteration) callbacks_.iteration(trainer_);
      writeSnapshots();
      if (trainer_.iteration() % checkpoint_every == 0) writeCheckpoint();
    }
    {
      std::lock_guard lock(mutex_);
      if (!write_error_.empty() && end == RunEnd::kStopped) {
        end = RunEnd::kError;
        message = "the run folder could not be written: " + write_error_;
      }
    }
    writeFinal();
    // The test PSNR of the final regularizer, when no test evaluation fell on the last
    // iteration (after the checkpoint, whose test warm starts stay those of the last iteration).
    if (end == RunEnd::kBudget && !std::isnan(trainer_.initialTestPsnr())) {
      std::string failure;
      const double psnr = trainer_.measureTestPsnr(keep_going, &failure);
      if (!std::isnan(psnr))
        publish(RunFolder::FinalEvent(psnr));
      else if (!failure.empty())
        publish({.kind = "warning", .message = "final test PSNR not measured: " + failure});
    }
    if (const long missed = unconvergedSolves(); missed > 0)
      publish({.kind = "warning",
               .message = std::to_string(missed) +
                          " inner solves of this run stopped at their iteration limit "
                          "(max_iterations) before their tolerance; log.csv's unconverged "
                          "column has them per iteration"});
    const char* kind = end == RunEnd::kBudget     ? "budget"
                       : end == RunEnd::kStopped  ? "stop"
                       : end == RunEnd::kDiverged ? "diverged"
                                                  : "error";
    publish({.kind = kind, .message = message});
  } catch (const std::exception& e) {
    end = RunEnd::kError;
    message = std::string("internal error: ") + e.what();
    abortShared(message);
  } catch (...) {
    end = RunEnd::kError;
    message = "internal error";
    abortShared(message);
  }
  {
    std::lock_guard lock(mutex_);
    end_ = end;
    end_message_ = message;
  }
  setState(RunState::kFinished);
}

long RunController::unconvergedSolves() const {
  std::lock_guard lock(mutex_);
  return unconverged_;
}

}  // namespace bilevel
