// "Apply regularizer": reconstruct a user's image with a learned regularizer by solving the lower
// level min_x 1/2 ||A x - y||^2 + R(x) + mu0/2 ||x||^2 with FISTA. Plain C++ on engine types, run
// off the GUI thread by ApplyDialog (and directly by tests).
#pragma once

#include <atomic>
#include <limits>
#include <string>
#include <vector>

#include "bilevel/backend_info.h"
#include "bilevel/batch.h"
#include "bilevel/forward_operator.h"
#include "bilevel/status.h"

namespace studio {

struct ApplyRequest {
  std::string regularizer;  // regularizer.json or .npz
  std::string image;        // PNG, JPEG, BMP, TIFF
  bilevel::OperatorKind problem = bilevel::OperatorKind::kIdentity;
  bilevel::GaussianBlurOptions blur;
  // Inpainting: an image of the observed pixels (white observed, black missing). Without one a
  // simulation draws a random mask keeping keep_fraction of the pixels.
  std::string mask;
  double keep_fraction = 0.5;
  double mu0 = 0.0;
  // > 0: the image is clean; simulate y = A x + noise of this sigma (0-255 scale) first, and
  // report PSNRs against it.
  double simulate_sigma = 0.0;
  unsigned seed = 1;
  double epsilon = 1e-2;  // per 96 x 96 image (bilevel::kReferenceSide)
  int max_iterations = 3000;
  bilevel::DevicePreference device = bilevel::DevicePreference::kAuto;
};

struct ApplyResult {
  bilevel::Status status;
  bilevel::Batch<float> clean;     // when simulated
  bilevel::Batch<float> measured;  // the solver's y
  bilevel::Batch<float> restored;
  double measured_psnr = std::numeric_limits<double>::quiet_NaN();  // against clean
  double restored_psnr = std::numeric_limits<double>::quiet_NaN();
  double measured_ssim = std::numeric_limits<double>::quiet_NaN();  // bilevel/metrics.h
  double restored_ssim = std::numeric_limits<double>::quiet_NaN();
  int iterations = 0;
  double residual = 0.0;
  double tolerance = 0.0;  // the ||grad h|| it stopped at (eps scaled to the image's size)
  double seconds = 0.0;
  std::string note;  // the solver's remark (iteration limit)
  std::string backend;
  std::vector<std::string> warnings;
};

// How far a solve is, read by the dialog's timer while the solve runs on another thread.
struct ApplyProgress {
  std::atomic<int> steps{0};  // solver steps taken (power-method steps included)
  // The largest ||grad h|| of the last FISTA iteration (NaN before the first).
  std::atomic<double> residual{std::numeric_limits<double>::quiet_NaN()};
  // The ||grad h|| at which the solve stops (eps scaled to the image's size; NaN until known).
  std::atomic<double> stop_at{std::numeric_limits<double>::quiet_NaN()};
};

// cancel (may be null) is polled at every FISTA iteration; progress (may be null) is updated.
ApplyResult RunApply(const ApplyRequest& request, const std::atomic<bool>* cancel,
                     ApplyProgress* progress = nullptr);

}  // namespace studio
