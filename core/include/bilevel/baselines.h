// Classical reconstructions to compare a learned regularizer with: OpenCV's non-local means for
// denoising, Wiener deconvolution and Richardson-Lucy for deblurring, and OpenCV's Telea
// inpainting (fast marching) for inpainting. Each has one parameter,
// tuned on the training images by TuneBaseline (the best mean PSNR on a grid).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bilevel/batch.h"
#include "bilevel/forward_operator.h"
#include "bilevel/set_evaluation.h"
#include "bilevel/status.h"

namespace bilevel {

enum class BaselineKind {
  kNonLocalMeans,   // parameter: the filter strength h on the 0-255 scale
  kWiener,          // parameter: the noise-to-signal power ratio
  kRichardsonLucy,  // parameter: the iteration count
  kTelea            // parameter: the inpainting radius in pixels
};
const char* ToString(BaselineKind kind);
std::optional<BaselineKind> BaselineKindFromString(std::string_view text);

// Reconstructs every image of `measured`. Non-local means and Telea work on 8-bit images (as
// OpenCV does); Wiener and Richardson-Lucy need a GaussianBlurOperator (op), Telea an
// InpaintingOperator (its masks say which pixels are missing).
Status RunBaseline(BaselineKind kind, double parameter, const ForwardOperator<float>& op,
                   const Batch<float>& measured, Batch<float>* out);

struct BaselineTuning {
  double parameter = 0.0;
  double psnr = 0.0;                    // mean PSNR on the tuning images at that parameter
  std::vector<double> grid, grid_psnr;  // every parameter tried and its mean PSNR
};

// The parameter on the kind's default grid with the best mean PSNR against `clean`.
Status TuneBaseline(BaselineKind kind, const ForwardOperator<float>& op,
                    const Batch<float>& measured, const Batch<float>& clean,
                    BaselineTuning* tuning);

// The baseline at its parameter on whole images by the protocol of EvaluateSet (the same
// measurements for the same options); every image counts as converged, with 0 iterations.
Status EvaluateBaselineSet(BaselineKind kind, double parameter,
                           const std::vector<NamedImage>& images,
                           const SetEvaluationOptions& options, SetScores* out);

}  // namespace bilevel
