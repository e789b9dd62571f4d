// The upper-level loop of one run (DESIGN.md section 4): ISGD, Adam-preconditioned ISGD, MAID and
// IGD on a BilevelOracle, one upper iteration per step(). Not thread-safe: one thread drives a
// Trainer (RunController does that and passes knob changes in between steps). It takes its own
// options (trainer_options.h) and knows nothing of the run's configuration or its files.
#pragma once

#include <Eigen/Core>
#include <functional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "bilevel/npy.h"
#include "bilevel/oracle.h"
#include "bilevel/run_record.h"
#include "bilevel/status.h"
#include "bilevel/trainer_options.h"

namespace bilevel {

struct StepOutcome {
  enum class Kind {
    kStep,       // an upper iteration finished: record is filled
    kCancelled,  // keep_going() said stop; theta and the counters are as before the step
    kDiverged,   // a non-finite loss, hypergradient or parameter: theta is the last finite one
    kError,      // the problem could not be evaluated (message says why)
  };
  Kind kind = Kind::kError;
  IterationRecord record;
  std::string message;  // why, for kDiverged and kError; for kStep, a warning or empty
  std::string backend;  // for kStep: where the engine runs now, when the step moved it
};

class Trainer {
 public:
  // The oracle is not owned and must outlive the trainer. options and knobs must pass validate().
  Trainer(const TrainerOptions& options, const LiveKnobs& knobs, BilevelOracle& oracle);

  // Starts from theta0 (size oracle.parameterCount(), finite) and, when the problem has test
  // images, measures the initial test PSNR (an error when that evaluation fails).
  Status initialize(const Eigen::VectorXd& theta0, const std::function<bool()>& keep_going = {},
                    bool measure_test = true);
  StepOutcome step(const std::function<bool()>& keep_going = {});

  // A description of the first budget reached ("budget of 1000 computations reached"), or "".
  std::string budgetReached() const;

  // The live knobs from the next step on; they must pass validate() (RunController checks them
  // where they are given).
  void setKnobs(const LiveKnobs& knobs) { knobs_ = knobs; }
  // Time spent outside the training work (pauses) that wall_seconds must not count.
  void excludeTime(double seconds) { excluded_seconds_ += seconds; }
  // Replaces the budget (a resumed run may be given a larger one).
  void setBudget(const Budget& budget) { options_.budget = budget; }

  const TrainerOptions& options() const { return options_; }
  const LiveKnobs& knobs() const { return knobs_; }  // with the changes applied so far
  const Eigen::VectorXd& parameters() const { return theta_; }
  long iteration() const { return iteration_; }
  double epoch() const;
  long computations() const { return lower_iterations_ + cg_iterations_; }
  double wallSeconds() const { return wall_seconds_; }
  double initialTestPsnr() const { return initial_test_psnr_; }
  double lastTestPsnr() const { return last_test_psnr_; }
  // The test PSNR of the current parameters: the last measurement when it was taken at this
  // iteration, else a new one (not counted as training time). NaN when cancelled or failed
  // (*failure says why).
  double measureTestPsnr(const std::function<bool()>& keep_going, std::string* failure);
  double maidEpsilon() const { return maid_epsilon_; }
  double maidStep() const { return maid_step_; }
  // True when a cancelled step left warm starts that differ from the last iteration boundary;
  // a checkpoint written then would not resume exactly, so none should be written.
  bool checkpointable() const { return !dirty_; }

  // Everything needed to continue exactly: parameters, optimiser state, sampler and RNG, counters
  // and the oracle's warm starts (docs/FORMATS.md, checkpoint.npz; the run's settings, live knobs
  // included, are added by RunController). Fails when the warm starts cannot be read.
  Status checkpoint(std::vector<std::pair<std::string, NpyArray>>* arrays) const;
  // The same checkpoint with the warm starts left where the oracle keeps them when it can
  // (BilevelOracle::warmStartViews), for writing with WriteNpzViews: the same file, without a
  // copy of the data set's size. Valid until the trainer steps again.
  struct CheckpointViews {
    NpyArrays arrays;                          // all but the warm starts
    std::vector<float> warm_copy;              // the warm starts, when they had to be copied
    std::vector<std::span<const float>> warm;  // the warm starts, in order
    NpyViews views() const;                    // everything, "warm_starts" last
  };
  Status checkpoint(CheckpointViews* out) const;
  Status restore(const std::vector<std::pair<std::string, NpyArray>>& arrays);

 private:
  struct SamplerState {
    std::vector<int> order;
    int position = 0;
    long visited = 0;
    std::string rng;
  };
  std::vector<int> nextBatch();
  SamplerState samplerState() const;
  void setSamplerState(const SamplerState& state);
  StepOutcome stepSgd(const std::function<bool()>& keep_going);
  StepOutcome stepMaid(const std::function<bool()>& keep_going);
  bool testDue(long visited_before) const;
  double now() const;

  TrainerOptions options_;
  LiveKnobs knobs_;
  BilevelOracle& oracle_;
  Eigen::VectorXd theta_;
  Eigen::VectorXd adam_m_, adam_v_;
  long adam_t_ = 0;
  long iteration_ = 0;
  long lower_iterations_ = 0, cg_iterations_ = 0, power_iterations_ = 0;
  double wall_seconds_ = 0.0;
  double excluded_seconds_ = 0.0;
  double maid_step_ = 0.0, maid_epsilon_ = 0.0, maid_delta_ = 0.0;
  double initial_test_psnr_ = 0.0, last_test_psnr_ = 0.0;
  long last_test_iteration_ = -1;  // the iteration last_test_psnr_ was measured at
  std::vector<int> order_;         // the epoch's permutation of the training images
  int position_ = 0;               // next index into order_
  long visited_ = 0;               // training images visited, over all epochs
  std::mt19937_64 rng_;
  bool dirty_ = false;
};

}  // namespace bilevel
