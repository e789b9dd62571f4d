// A learned regularizer on a set of whole images, by the image-restoration literature's protocol:
// each clean image x* (intensities on [0, 1]) gets its own measurement y = A x* + (sigma / 255) n,
// its noise in floating point (not rounded to 8 bits, not clipped) from the seed
// problem.seed + its index, and so do its inpainting mask; FISTA reconstructs it to the stated
// accuracy; PSNR (peak 1 on [0, 1], the literature's peak 255 on [0, 255]) and SSIM
// (bilevel/metrics.h) score it against x*. Images of one size are solved together, so the
// threads share them.
#pragma once

#include <Eigen/Core>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "bilevel/dataset.h"
#include "bilevel/problem_data.h"
#include "bilevel/reconstruct.h"
#include "bilevel/regularizer_settings.h"
#include "bilevel/status.h"

namespace bilevel {

struct SetEvaluationOptions {
  ProblemOptions problem;    // the operator, noise_sigma (0-255 scale), blur, masks, seed
  ReconstructOptions solve;  // accuracy, iteration limit, mu0, device; fista.keep_going cancels
  int batch = 16;            // at most this many images of one size solved together
  // After each batch: the images scored so far and the total.
  std::function<void(int done, int total)> progress;
  // Each reconstruction as it is scored, with the image's index (to save or show it) and the
  // measurement y it was reconstructed from (both 1 x C x H x W).
  std::function<void(int index, const Batch<float>& x, const Batch<float>& measured)> reconstructed;
};

struct ImageScore {
  std::string name;
  double measured_psnr = 0.0;  // of y against x* (denoising: the noisy image)
  double psnr = 0.0;
  double ssim = 0.0;
  int iterations = 0;      // FISTA's
  double residual = 0.0;   // its last ||grad h||
  double tolerance = 0.0;  // the ||grad h|| it was to reach (eps scaled to its size)
  bool converged = false;  // reached the tolerance (or stalled at the precision: fista.h)
  double seconds = 0.0;    // its batch's solve time divided by the batch's images
};

struct SetScores {
  std::vector<ImageScore> images;  // in the order given
  double mean_psnr = std::numeric_limits<double>::quiet_NaN();
  double mean_ssim = std::numeric_limits<double>::quiet_NaN();
  double seconds = 0.0;  // every solve
  int unconverged = 0;   // images that stopped at the iteration limit before their tolerance
  std::string backend;   // where the solves ran
  std::vector<std::string> warnings;
};

// Fails (never throws) on invalid options, a regularizer that does not fit the images (its
// channels), and a solve that fails or is cancelled; *out then holds the scores of the batches
// finished before, in the order they were solved.
Status EvaluateSet(const RegularizerSettings& settings, const Eigen::VectorXd& theta,
                   const std::vector<NamedImage>& images, const SetEvaluationOptions& options,
                   SetScores* out);

// The same protocol with any reconstruction of a batch of same-size measurements (a classical
// baseline, bilevel/baselines.h): solve returns its reconstructions with one report per image.
// options.solve is not used by it.
using SetSolver = std::function<ReconstructResult(const ForwardOperator<float>& op,
                                                  const Batch<float>& measured)>;
Status ScoreSet(const std::vector<NamedImage>& images, const SetEvaluationOptions& options,
                const SetSolver& solve, SetScores* out);

}  // namespace bilevel
