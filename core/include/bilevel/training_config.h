// The complete description of a training run, made of the options of each layer it drives: data,
// problem, regularizer, trainer (method, budget) and its live knobs, the inner problems, the
// backend, and what the run folder keeps. Stored as config.json in every run folder
// (docs/FORMATS.md, config_json.h); nothing below run/ sees it, each layer takes its own part.
#pragma once

#include <string>
#include <vector>

#include "bilevel/backend_options.h"
#include "bilevel/dataset.h"
#include "bilevel/image_problem_options.h"
#include "bilevel/problem_data.h"
#include "bilevel/regularizer_registry.h"
#include "bilevel/status.h"
#include "bilevel/trainer_options.h"

namespace bilevel {

struct TrainingConfig {
  static constexpr int kVersion = 1;
  int version = kVersion;
  std::string name = "run";
  std::string description;  // one line for preset lists and run lists

  DatasetOptions dataset;
  ProblemOptions problem;
  // The regularizer's type and its regularizer.* and init.* fields (the Field of Experts
  // unless set).
  RegularizerSettings regularizer = DefaultRegularizerSettings();

  TrainerOptions trainer;     // method, adam, maid, budget, test_accuracy, test_interval, seed
  LiveKnobs knobs;            // batch_size, step, accuracy, delta
  ImageProblemOptions inner;  // problem.mu0 and the inner solvers' iteration limits
  BackendOptions backend;     // device, allow_cpu_fallback, threads

  int checkpoint_interval = 10;  // upper iterations between checkpoints
  // Budgets (in computations, ascending) at which the regularizer is kept as
  // snapshots/regularizer-<C>.json in the run folder: the first upper iteration that reaches C
  // writes it; 0 keeps the initial regularizer. Empty: no snapshots.
  std::vector<long> snapshots;

  // Checks every field and its combinations; the message names the field ("step.initial must
  // be > 0, got -1").
  Status validate() const;
  // Settings that are valid but doubtful, each a sentence that names the field and what to do
  // (problem.mu0 = 0 for deblurring or inpainting). A run records them as warnings.
  std::vector<std::string> warnings() const;
};

}  // namespace bilevel
