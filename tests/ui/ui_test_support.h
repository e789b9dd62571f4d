// Shared helpers of the UI suites: a configuration that trains in well under a second per few
// iterations (the quick preset on small patches with few, small filters), settings kept away from
// the user's, and waiting for the training manager.
#pragma once

#include <QSettings>
#include <QStandardPaths>
#include <QTest>

#include "bilevel/presets.h"
#include "bilevel/training_config.h"
#include "main_window.h"
#include "run_queue.h"
#include "run_store.h"

namespace studio::test {

// The quick preset, made small: 16 training and 4 test patches of 24x24, 4 filters of 3x3.
inline bilevel::TrainingConfig FastConfig(long iterations) {
  bilevel::TrainingConfig c;
  bilevel::LoadPreset("quick", &c);
  c.name = "fast";
  c.dataset.patch_size = 24;
  c.dataset.patches_per_image = 2;
  c.dataset.max_train_patches = 16;
  c.dataset.max_test_patches = 4;
  c.regularizer.set("regularizer.kernels", 4);
  c.regularizer.set("regularizer.kernel_size", 3);
  c.knobs.batch_size = 2;
  c.trainer.budget = bilevel::Budget{};
  c.trainer.budget.iterations = iterations;
  c.trainer.test_interval = 4;
  c.checkpoint_interval = 2;
  return c;
}

// Settings go to a test location and start empty.
inline void IsolateSettings() {
  QStandardPaths::setTestModeEnabled(true);
  QSettings().clear();
}

inline const RunSeries* Run(MainWindow& window, int id) {
  return window.store().find(id);
}

inline std::size_t RecordCount(MainWindow& window, int id) {
  const RunSeries* run = Run(window, id);
  return run ? run->records.size() : 0;
}

inline bool Idle(MainWindow& window) {
  return window.runQueue().state() == RunQueue::State::kIdle;
}

}  // namespace studio::test
