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

}  // namespace bilevel
