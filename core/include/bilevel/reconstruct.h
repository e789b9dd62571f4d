// Reconstruction with a learned regularizer: the lower-level problem
//
//   x = argmin_x 1/2 ||A x - y||^2 + R_theta(x) + mu0/2 ||x||^2
//
// solved by FISTA for a batch of measurements, with any registered regularizer. The command
// line's `apply`, the application's Apply dialog and the previews call it.
#pragma once

#include <Eigen/Core>
#include <string>

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
  Status validate() const;
};

struct ReconstructResult {
  Status status;   // an error, or "cancelled" when keep_going stopped it (summary.status says so)
  Batch<float> x;  // the reconstructions (empty unless status is ok)
  SolveSummary summary;
  double seconds = 0.0;
};

// Checks the regularizer, theta, the operator's and the measurements' shapes, then solves from
// x = y. Never throws.
ReconstructResult Reconstruct(const RegularizerSettings& settings, const Eigen::VectorXd& theta,
                              const ForwardOperator<float>& op, const Batch<float>& measured,
                              const ReconstructOptions& options);

}  // namespace bilevel
