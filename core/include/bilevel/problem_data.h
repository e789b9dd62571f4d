// The inverse problem of a dataset: its forward operator and the noisy measurements
// y = A x* + sigma n of every training and test image, from a seeded generator.
#pragma once

#include <memory>

#include "bilevel/dataset.h"
#include "bilevel/forward_operator.h"
#include "bilevel/status.h"

namespace bilevel {

struct ProblemOptions {
  OperatorKind kind = OperatorKind::kIdentity;
  double noise_sigma = 25.0;   // on the 0-255 scale (the paper: 25 denoising, 5 deblurring)
  GaussianBlurOptions blur;    // kGaussianBlur
  double keep_fraction = 0.5;  // kInpainting: share of pixels observed
  unsigned seed = 2;           // noise and masks
  Status validate() const;     // names the offending field
};

// Both operators are always set after a successful MakeProblem. With an empty test split the
// test operator is built for n = 0 (inpainting: a mask batch of 0 images) and test_measured is a
// 0 x C x P x P batch.
struct ProblemData {
  std::unique_ptr<ForwardOperator<float>> train_op;  // one image per training patch (masks)
  std::unique_ptr<ForwardOperator<float>> test_op;
  Batch<float> train_measured;
  Batch<float> test_measured;
};

// Builds operators for the dataset's patch shape and the measurements (not clamped). Deterministic
// in options.seed: training and test noise and masks come from different seeds derived from it.
// Fails on invalid options (naming the field) and on a dataset without training images.
Status MakeProblem(const ProblemOptions& options, const Dataset& dataset, ProblemData* out);

// Inpainting masks of `shape` from an image of the observed pixels (white, > 0.5 after reading
// as grey; black missing), the same mask for every image and channel. The image must be
// shape.w x shape.h; a message says so otherwise.
template <typename T>
Status ReadMaskImage(const std::string& path, const Shape& shape, Batch<T>* masks);

}  // namespace bilevel
