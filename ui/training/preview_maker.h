// A preview of one image under given regularizer parameters: its ground truth, measurement and
// reconstruction with their PSNRs, and the regularizer's filters and curves. Made by the training
// worker for the live run and by the RunPreviewer for any other run.
#pragma once

#include <Eigen/Core>
#include <memory>

#include "bilevel/batch.h"
#include "bilevel/image_oracle.h"
#include "snapshot.h"

namespace studio {

// The training (test = false) or test image `index` of the oracle's data, reconstructed with
// theta at accuracy epsilon (a failed solve leaves the reconstruction empty). Call it from the
// thread that owns the oracle.
std::shared_ptr<PreviewSnapshot> MakePreview(bilevel::ImageOracle& oracle,
                                             const Eigen::VectorXd& theta, bool test, int index,
                                             double epsilon);

// The index of the image of a batch with the most detail (largest grey-level variance): the
// preview's default, rather than a flat patch of sky.
int MostDetailedImage(const bilevel::Batch<float>& images);

// The image a preview shows: a chosen index as it is, -1 (none chosen) the training or test
// image with the most detail, found once per split of a data set until reset().
class PreviewImageChoice {
 public:
  int resolve(const bilevel::Dataset& data, bool test, int index);
  void reset() { found_[0] = found_[1] = -1; }

 private:
  int found_[2] = {-1, -1};
};

}  // namespace studio
