// What the upper-level methods need from a bilevel problem: the upper loss and the inexact
// hypergradient of a set of training images at given accuracies. The image engine implements it
// (ImageProblemOracle, for any regularizer); tests implement it with problems whose answers are
// known.
#pragma once

#include <Eigen/Core>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "bilevel/status.h"

namespace bilevel {

struct OracleRequest {
  std::vector<int> images;  // indices into the training set
  double epsilon = 1e-2;    // lower-level accuracy ||grad_x h_i|| <= eps
  double delta = 1e-2;      // CG residual <= delta (unused without a gradient)
  bool gradient = true;     // false: the loss alone (no CG, no mixed derivative)
  // Asked once per inner iteration; false cancels. May block (that pauses the work).
  std::function<bool()> keep_going;
};

enum class OracleStatus { kOk, kCancelled, kNonFinite, kError };

struct OracleResult {
  OracleStatus status = OracleStatus::kError;
  std::string message;
  double loss = 0.0;                // (1/|S|) sum_i ||x_i - x*_i||^2 at the inexact solutions
  double psnr = 0.0;                // mean PSNR of the inexact solutions, dB
  double loss_gradient_norm = 0.0;  // (1/|S|) sum_i ||grad g_i(x_i)||, for MAID's bounds
  Eigen::VectorXd gradient;         // the mean hypergradient (empty without a gradient)
  long lower_iterations = 0;        // work of this call, summed over images
  long cg_iterations = 0;
  long power_iterations = 0;
  // Solves of this call (FISTA or CG, one per image) that stopped at their iteration limit
  // before their tolerance; message then says which images and how far they got.
  long unconverged = 0;
  bool warm_starts_changed = false;  // the call stored new warm starts
  bool ok() const { return status == OracleStatus::kOk; }
};

class BilevelOracle {
 public:
  virtual ~BilevelOracle() = default;
  virtual int trainingSize() const = 0;
  virtual int parameterCount() const = 0;
  // Solves the lower level for the requested images from their warm starts (which it updates
  // when the result is usable) and, when asked, the linear systems and the hypergradient.
  virtual OracleResult evaluate(const Eigen::VectorXd& theta, const OracleRequest& request) = 0;
  // Mean PSNR on the held-out images at accuracy eps. NaN when there are none, when keep_going()
  // stopped it or when it failed; only a failure sets *failure (when given) to the reason.
  virtual double testPsnr(const Eigen::VectorXd& theta, double epsilon,
                          const std::function<bool()>& keep_going, std::string* failure) = 0;
  // Solves of the last testPsnr() (one per test image) that stopped at their iteration limit
  // before eps: its PSNR is then that of inexact solutions. Default: none.
  virtual long testUnconverged() const { return 0; }
  // Projection applied after every upper step (the FoE: zero-mean kernels). Default: none.
  virtual void project(Eigen::VectorXd& /*theta*/) const {}
  // Warm starts, for checkpoints: a flat copy of everything evaluate() and testPsnr() keep
  // between calls (an error when it cannot be read, e.g. from a device), and its restoration.
  // Default: nothing kept.
  virtual Status warmStarts(std::vector<float>* values) const {
    values->clear();
    return Status::Ok();
  }
  virtual Status restoreWarmStarts(const std::vector<float>& values) {
    return values.empty() ? Status::Ok() : Status::Error("this problem keeps no warm starts");
  }
  // The same values as warmStarts(), in its order, as the pieces of memory that hold them (no
  // copy: a checkpoint of a large data set then costs no second copy of them); valid until the
  // next evaluate() or testPsnr(). False when they are not held that way (then warmStarts()
  // makes the copy). Default: false.
  virtual bool warmStartViews(std::vector<std::span<const float>>* /*parts*/) const {
    return false;
  }
  // When a call since the last takeBackendMove() moved the computation to another backend (a GPU
  // that failed, to the CPU): the backend it runs on now and why it moved; reading clears it.
  // Collective where the oracle is (ShardedOracle). Default: never moves.
  struct BackendMove {
    std::string backend;  // empty: no move
    std::string why;
  };
  virtual BackendMove takeBackendMove() { return {}; }
};

}  // namespace bilevel
