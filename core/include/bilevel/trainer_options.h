// What the upper-level loop (Trainer, methods/) takes: the method and its options, the budget,
// the test evaluations and the sampling seed (TrainerOptions), and the knobs that may change
// while a run goes (LiveKnobs). Each validate() names the offending field by its path in
// config.json ("step.initial must be > 0, got -1"); run/ puts them together in TrainingConfig.
#pragma once

#include <optional>
#include <string_view>

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

// The knobs a user may turn while a run goes; they apply from the next upper iteration.
struct LiveKnobs {
  int batch_size = 8;                                     // ISGD and Adam
  Schedule step{ScheduleKind::kConstant, 1e-4, 0.5};      // alpha_k
  Schedule accuracy{ScheduleKind::kConstant, 1e-2, 0.5};  // eps_k
  DeltaSetting delta;                                     // delta_k
  Status validate() const;
  bool operator==(const LiveKnobs&) const = default;
};

struct TrainerOptions {
  Method method = Method::kIsgd;  // MAID and IGD use the whole training set at every step
  AdamOptions adam;
  MaidOptions maid;
  Budget budget;
  double test_accuracy = 1e-3;  // eps of the test-set reconstructions
  int test_interval = 0;        // upper iterations between test PSNRs; 0: once per epoch
  unsigned seed = 1;            // mini-batch sampling
  Status validate() const;
};

}  // namespace bilevel
