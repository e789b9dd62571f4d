// What a run reports: one record per upper-level iteration (a row of log.csv) and events
// (a line of events.jsonl).
#pragma once

#include <limits>
#include <string>

namespace bilevel {

struct IterationRecord {
  long iteration = 0;         // upper iterations done, counting this one (1, 2, ...)
  double epoch = 0.0;         // training images visited / training set size
  long lower_iterations = 0;  // cumulative, over all images and solves (test solves excluded)
  long cg_iterations = 0;     // cumulative
  long power_iterations = 0;  // cumulative
  long computations = 0;      // lower_iterations + cg_iterations: the paper's x-axis
  double wall_seconds = 0.0;  // training time so far (pauses excluded)
  double loss = 0.0;          // batch upper loss (1/|S|) sum ||x_i - x*_i||^2
  double psnr = 0.0;          // batch mean PSNR of the lower-level solutions, dB
  double test_psnr = std::numeric_limits<double>::quiet_NaN();  // NaN when not measured
  double alpha = 0.0;                                           // step size used
  double epsilon = 0.0;                                         // lower-level accuracy used
  double delta = 0.0;                                           // CG accuracy used
  double hypergradient_norm = 0.0;
  int batch_size = 0;
  int accepted = 0;  // MAID: 1 when this iteration's line search succeeded
  int rejected = 0;  // MAID: backtracking trials rejected in this iteration
  // Inner solves of this iteration (FISTA or CG, one per image and solve) that stopped at their
  // iteration limit before their tolerance; kNotRecorded in logs written before this column.
  long unconverged = 0;
};
constexpr int kNotRecorded = -1;

struct RunEvent {
  long iteration = 0;         // upper iterations done when it happened
  double wall_seconds = 0.0;  // training time when it happened
  std::string kind;           // "start", "initial", "resume", "pause", "continue", "knob", "stop",
                              // "budget", "diverged", "error", "warning", "finished", "backend",
                              // "final", "name", "ranks"
  std::string field;  // knob events: the knob's name ("step.initial"); initial, final: "test_psnr"
  std::string value;  // knob events: the new value, as text; initial, final: the test PSNR
  std::string message;  // human-readable description
};

}  // namespace bilevel
