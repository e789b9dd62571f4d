// Deterministic synthetic images and noise, for demos, benchmarks and tests that need no files.
#pragma once

#include "bilevel/batch.h"

namespace bilevel {

// Piecewise-smooth colour images in [0, 1]: overlapping discs and bars on shaded backgrounds.
template <typename T>
Batch<T> SyntheticImages(Shape shape, unsigned seed);

// x += (sigma / 255) * N(0, 1), sigma on the 0-255 scale.
template <typename T>
void AddGaussianNoise(Batch<T>& x, double sigma255, unsigned seed);

// Uniform random values in [lo, hi).
template <typename T>
Batch<T> RandomBatch(Shape shape, unsigned seed, double lo = -1.0, double hi = 1.0);

}  // namespace bilevel
