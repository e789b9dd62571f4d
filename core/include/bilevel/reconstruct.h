// Reconstruction with a learned regularizer: the lower-level problem
//
//   x = argmin_x 1/2 ||A x - y||^2 + R_theta(x) + mu0/2 ||x||^2
//
// solved by FISTA for a batch of measurements, with any registered regularizer, on the CPU or the
// GPU. The command line's `apply`, the application's
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

// The side of the images for which Apply's eps is stated: 96 x 96 (with the image's channels),
// the papers' denoising patches. An image of N values stops at eps * sqrt(N / (C * 96^2)), the
// same accuracy per pixel (steps::ScaledTolerance).
constexpr int kReferenceSide = 96;

struct ReconstructOptions {
  FistaOptions fista;  // tolerance (eps), max_iterations and keep_going (cancel) are the knobs
  // The side S of the square images of the measurements' channels C for which fista.tolerance is
  // stated: fista.reference_size becomes C * S^2. 0 keeps fista.reference_size as it is (0: eps
  // is an absolute norm).
  int reference_side = kReferenceSide;
  double mu0 = 0.0;
  // The engine (bilevel/backend_info.h, ChooseDevice): "cuda" runs on the GPU where the build
  // and a device allow it; "auto" where its self-check also passes.
  DevicePreference device = DevicePreference::kAuto;
  bool allow_cpu_fallback = true;
  // Called on the solving thread before every solver step (power-method steps included) with the
  // number of steps taken so far; cheap callers only (store it in an atomic).
  std::function<void(int steps)> progress;
  // Told the largest ||grad h_i|| after each FISTA iteration (FistaOptions::monitor).
  std::function<void(double residual)> residual;
  // Told each point at which FISTA evaluates the gradient (one per iteration, before its
  // residual, a host copy on the GPU), for convergence traces; it does not change the solve.
  std::function<void(const Batch<float>& y)> trace;
  Status validate() const;
};

struct ReconstructResult {
  Status status;   // an error, or "cancelled" when keep_going stopped it (summary.status says so)
  Batch<float> x;  // the reconstructions (empty unless status is ok)
  SolveSummary summary;
  double seconds = 0.0;
  std::string backend;                // where it ran: "GPU: <name>" or the CPU description
  double tolerance = 0.0;             // the ||grad h|| each image stopped at (eps, scaled)
  std::vector<std::string> warnings;  // e.g. a requested GPU that was not there
};

// The ||grad h|| at which images of this shape stop: fista.tolerance scaled to their size.
double StoppingTolerance(const ReconstructOptions& options, const Shape& shape);

// Checks the regularizer, theta, the operator's and the measurements' shapes, then solves from
// x = y. Never throws.
ReconstructResult Reconstruct(const RegularizerSettings& settings, const Eigen::VectorXd& theta,
                              const ForwardOperator<float>& op, const Batch<float>& measured,
                              const ReconstructOptions& options);

}  // namespace bilevel
