// Engine images and kernels as QImages, for previews, thumbnails and PNG export.
#pragma once

#include <Eigen/Core>
#include <QImage>
#include <vector>

#include "bilevel/batch.h"
#include "bilevel/foe.h"

namespace studio {

// Image i of an N x C x H x W batch with 1 (grey) or 3 (RGB) channels in [0, 1] (clamped), as
// an RGB32 image. Other channel counts show the first channel.
QImage ToQImage(const bilevel::Batch<float>& images, int i);

// The kernels of a Field of Experts parameter vector, one k x k image each: grey for one
// channel, RGB for three. Each kernel is normalised on its own so that 0 is mid-grey and its
// largest magnitude is black or white (per kernel, not per channel, so colour kernels keep
// their hue).
std::vector<QImage> KernelImages(const bilevel::FoeConfig& config, const Eigen::VectorXd& theta);
// exp(theta0) exp(theta_j) for every expert j.
std::vector<double> ExpertWeights(const bilevel::FoeConfig& config, const Eigen::VectorXd& theta);

}  // namespace studio
