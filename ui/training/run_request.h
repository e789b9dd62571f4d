// What the GUI asks the EngineWorker to do, and what it hears back at the start and the end
// of a run (the per-iteration data goes through SnapshotBuffer instead).
#pragma once

#include <QMetaType>
#include <QString>
#include <QStringList>
#include <limits>
#include <optional>

#include "bilevel/run_controller.h"
#include "bilevel/training_config.h"

namespace studio {

struct RunRequest {
  int run_id = 0;
  bilevel::TrainingConfig config;         // a new run (ignored when resume_dir is set)
  QString out_dir;                        // the new run's folder; empty: nothing written
  QString resume_dir;                     // continue this run folder from its checkpoint
  std::optional<bilevel::Budget> budget;  // replaces the budget of a continued run
  // Replace what out_dir holds: a study's run that stopped before its first checkpoint.
  bool overwrite = false;
};

struct RunStarted {
  int run_id = 0;
  QString backend;  // where the engine runs
  QString folder;   // the run folder ("" when not recorded)
  QStringList warnings;
  bilevel::TrainingConfig config;  // the run's configuration (its knobs and budget as it starts)
  int train_images = 0, test_images = 0;
  long start_iteration = 0;  // > 0 for a continued run
  double initial_test_psnr = std::numeric_limits<double>::quiet_NaN();
};

struct RunFinished {
  int run_id = 0;
  bilevel::RunEnd end = bilevel::RunEnd::kNone;
  QString message;       // why it ended, or why it could not start
  QString write_error;   // the first error of writing the run folder
  bool started = false;  // false: it failed before training began
  long iterations = 0;
  long computations = 0;
  double wall_seconds = 0.0;
  double final_test_psnr = std::numeric_limits<double>::quiet_NaN();
};

}  // namespace studio

Q_DECLARE_METATYPE(studio::RunRequest)
Q_DECLARE_METATYPE(studio::RunStarted)
Q_DECLARE_METATYPE(studio::RunFinished)
