// The complete description of a training run: data, problem, regularizer, method, schedules,
// budget. Stored as config.json in every run folder (docs/FORMATS.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bilevel/backend_info.h"
#include "bilevel/dataset.h"
#include "bilevel/problem_data.h"
#include "bilevel/regularizer_registry.h"
#include "bilevel/schedule.h"
#include "bilevel/status.h"

namespace bilevel {

enum class Method { kIsgd, kAdam, kMaid, kIgd };
const char* ToString(Method method);
std::optional<Method> MethodFromString(std::string_view text);

// Adam-preconditioned ISGD (the follow-up paper): the hypergradients fed to Adam, with the
// step-size schedule as its learning rate.
struct AdamOptions {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
  Status validate() const;
};

// MAID (arXiv 2308.10098) with the defaults of the published code.
struct MaidOptions {
  double step = 1e-3;         // beta_0, the initial step
  double epsilon = 0.1;       // eps_0
  double delta = 0.1;         // delta_0
  double rho = 0.5;           // backtracking factor
  double nu_low = 0.5;        // accuracy factor after a failed line search
  double nu_high = 1.05;      // accuracy factor after a success
  double step_growth = 1.1;   // step factor after a success
  double eta = 1e-4;          // sufficient-decrease constant
  int max_backtracks = 10;    // trials per line search
  double lipschitz_g = 2.0;   // L_g of g(x) = ||x - x*||^2
  double min_epsilon = 1e-7;  // the accuracy never drops below this
  Status validate() const;
};

// A run stops at the first budget reached; 0 means no limit, and at least one must be set.
struct Budget {
  long computations = 0;  // lower-level plus CG iterations, summed over images
  double epochs = 0.0;
  double wall_seconds = 0.0;
  long iterations = 0;  // upper-level iterations
  Status validate() const;
};

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

  Method method = Method::kIsgd;
  int batch_size = 8;  // ISGD and Adam; MAID and IGD use the whole training set
  Schedule step{ScheduleKind::kConstant, 1e-4, 0.5};      // alpha_k
  Schedule accuracy{ScheduleKind::kConstant, 1e-2, 0.5};  // eps_k
  DeltaSetting delta;                                     // delta_k
  AdamOptions adam;
  MaidOptions maid;
  Budget budget;

  int lower_max_iterations = 2000;  // FISTA, per image and solve
  int cg_max_iterations = 1000;     // CG, per image and solve
  int power_iterations = 15;        // FISTA's Lipschitz estimate
  double test_accuracy = 1e-3;      // eps of the test-set reconstructions
  int test_interval = 0;            // upper iterations between test PSNRs; 0: once per epoch
  int checkpoint_interval = 10;     // upper iterations between checkpoints
  // Budgets (in computations, ascending) at which the regularizer is kept as
  // snapshots/regularizer-<C>.json in the run folder: the first upper iteration that reaches C
  // writes it; 0 keeps the initial regularizer. Empty: no snapshots.
  std::vector<long> snapshots;
  unsigned seed = 1;  // mini-batch sampling and initial parameters
  DevicePreference device = DevicePreference::kAuto;
  bool allow_cpu_fallback = true;  // run on the CPU when CUDA is asked for but missing
  int threads = 0;                 // CPU threads; 0: all cores

  // Checks every field and its combinations; the message names the field ("step.initial must
  // be > 0, got -1").
  Status validate() const;
};

}  // namespace bilevel
