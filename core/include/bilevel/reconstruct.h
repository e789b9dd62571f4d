// Reconstruction with a learned regularizer: the lower-level problem
//
//   x = argmin_x 1/2 ||A x - y||^2 + R_theta(x) + mu0/2 ||x||^2
//
// solved by FISTA for a batch of measurements, with any registered regularizer, on the CPU or, for
// the regularizers the GPU engine has, on the GPU. The command line's `apply`, the application's
// Apply dialog and the previews call it.
#pragma once

#include <Eigen/Core>
#include <functional>
#include <string>
#include <vector>

#include "bilevel/backend_info.h"
#include "bilevel/batch.h"
#include "bilevel/fista.h"
#include "bilevel/forward_operator.h"
#include "bilevel/regularizer_settings.h"
#include "bilevel/solver_report.h"
#include "bilevel/status.h"

namespace bilevel {

struct ReconstructOptions {
  FistaOptions fista;  // tolerance (eps), max_iterations and keep_going (cancel) are the knobs
  double mu0 = 0.0;
  // The engine (bilevel/backend_info.h, ChooseDevice): "cuda" runs on the GPU where the build, a
  // device and the regularizer allow it.
  DevicePreference device = DevicePreference::kAuto;
  bool allow_cpu_fallback = true;
  // Called on the solving thread before every solver step (power-method steps included) with the
  // number of steps taken so far; cheap callers only (store it in an atomic).
  std::function<void(int steps)> progress;
  // Told the largest ||grad h_i|| after each FISTA iteration on the CPU (FistaOptions::monitor);
  // the GPU engine does not report it.
  std::function<void(double residual)> residual;
  Status validate() const;
};

struct ReconstructResult {
  Status status;   // an error, or "cancelled" when keep_going stopped it (summary.status says so)
  Batch<float> x;  // the reconstructions (empty unless status is ok)
  SolveSummary summary;
  double seconds = 0.0;
  std::string backend;                // where it ran: "GPU: <name>" or the CPU description
  std::vector<std::string> warnings;  // e.g. a requested GPU that was not there
};

// Checks the regularizer, theta, the operator's and the measurements' shapes, then solves from
// x = y. Never throws.
ReconstructResult Reconstruct(const RegularizerSettings& settings, const Eigen::VectorXd& theta,
                              const ForwardOperator<float>& op, const Batch<float>& measured,
                              const ReconstructOptions& options);

}  // namespace bilevel
