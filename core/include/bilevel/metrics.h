// Image quality measures on [0, 1] intensities.
#pragma once

#include "bilevel/batch.h"

namespace bilevel {

// ||a_i - b_i||^2 for image i.
template <typename T>
double SquaredError(const Batch<T>& a, const Batch<T>& b, int i);
// 10 log10(1 / MSE) for image i; +infinity when the images are equal.
template <typename T>
double Psnr(const Batch<T>& estimate, const Batch<T>& reference, int i);
// The mean of Psnr over all images; NaN for an empty batch.
template <typename T>
double MeanPsnr(const Batch<T>& estimate, const Batch<T>& reference);

// The structural similarity of image i (Wang, Bovik, Sheikh and Simoncelli 2004) with the paper's
// constants: an 11 x 11 Gaussian window of standard deviation 1.5, K1 = 0.01, K2 = 0.03 and the
// dynamic range 1, the local statistics at every position where the window lies inside the
// image (their mean; the paper's ssim_index.m), averaged over the channels. NaN for an image
// smaller than the window.
template <typename T>
double Ssim(const Batch<T>& estimate, const Batch<T>& reference, int i);

}  // namespace bilevel
