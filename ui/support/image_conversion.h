// Engine images and kernels as QImages, for previews, thumbnails and PNG export.
#pragma once

#include <Eigen/Core>
#include <QImage>
#include <QString>
#include <limits>
#include <vector>

#include "bilevel/batch.h"
#include "bilevel/regularizer.h"
#include "bilevel/regularizer_settings.h"

namespace studio {

// Image i of an N x C x H x W batch with 1 (grey) or 3 (RGB) channels in [0, 1] (clamped), as
// an RGB32 image. Other channel counts show the first channel.
QImage ToQImage(const bilevel::Batch<float>& images, int i);

// The filters a regularizer shows (Regularizer::filters; for the Field of Experts its kernels),
// one image each: grey for one channel, RGB for three. Each is normalised on its own so that 0 is
// mid-grey and its largest magnitude is black or white (per filter, not per channel, so colour
// filters keep their hue).
std::vector<QImage> FilterImages(const std::vector<bilevel::FilterImage>& filters);
// What the filters view shows of a regularizer at theta, from one evaluation of its views: its
// filters, its smoothing nu (NaN when it has none) and its readable values of at most four
// numbers, skipping logarithms, as one line ("Smoothed total variation · weights 0.11, 0.1, 0.12 ·
// smoothing 0.018"). Empty when the settings or theta do not fit.
struct RegularizerView {
  std::vector<bilevel::FilterImage> filters;
  double smoothing = std::numeric_limits<double>::quiet_NaN();
  QString summary;
  std::vector<bilevel::Curve> curves;
};
RegularizerView ViewRegularizer(const bilevel::RegularizerSettings& settings,
                                const Eigen::VectorXd& theta);

}  // namespace studio
