#include "data/synthetic.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace bilevel {

template <typename T>
Batch<T> SyntheticImages(Shape shape, unsigned seed) {
  Batch<T> out(shape);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  for (int i = 0; i < shape.n; ++i) {
    // A shaded background, then discs and bars with their own colours and soft edges.
    double base[4], gx[4], gy[4];
    for (int c = 0; c < shape.c; ++c) {
      base[c % 4] = 0.2 + 0.6 * uni(rng);
      gx[c % 4] = 0.3 * (uni(rng) - 0.5);
      gy[c % 4] = 0.3 * (uni(rng) - 0.5);
    }
    for (int c = 0; c < shape.c; ++c)
      for (int y = 0; y < shape.h; ++y)
        for (int x = 0; x < shape.w; ++x)
          out.at(i, c, y, x) = T(base[c % 4] + gx[c % 4] * (double(x) / shape.w - 0.5) +
                                 gy[c % 4] * (double(y) / shape.h - 0.5));
    const int shapes = 6;
    for (int s = 0; s < shapes; ++s) {
      const double cx = uni(rng) * shape.w, cy = uni(rng) * shape.h;
      const double radius = (0.08 + 0.25 * uni(rng)) * std::min(shape.h, shape.w);
      const bool disc = uni(rng) < 0.6;
      const double angle = uni(rng) * 3.14159265358979;
      double colour[4];
      for (int c = 0; c < 4; ++c)
        colour[c] = uni(rng);
      for (int y = 0; y < shape.h; ++y)
        for (int x = 0; x < shape.w; ++x) {
          const double dx = x - cx, dy = y - cy;
          double inside;
          if (disc) {
            inside = radius - std::sqrt(dx * dx + dy * dy);
          } else {
            const double along = dx * std::cos(angle) + dy * std::sin(angle);
            const double across = -dx * std::sin(angle) + dy * std::cos(angle);
            inside = std::min(radius - std::abs(along), 0.3 * radius - std::abs(across));
          }
          const double weight = std::clamp(inside + 0.5, 0.0, 1.0);
          if (weight <= 0.0) continue;
          for (int c = 0; c < shape.c; ++c) {
            T& v = out.at(i, c, y, x);
            v = T((1.0 - weight) * double(v) + weight * colour[c % 4]);
          }
        }
    }
    for (std::size_t p = 0; p < out.imageSize(); ++p)
      out.image(i)[p] = std::clamp(out.image(i)[p], T(0), T(1));
  }
  return out;
}

template <typename T>
void AddGaussianNoise(Batch<T>& x, double sigma255, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal(0.0, sigma255 / 255.0);
  for (std::size_t p = 0; p < x.size(); ++p)
    x.data()[p] += T(normal(rng));
}

template <typename T>
Batch<T> RandomBatch(Shape shape, unsigned seed, double lo, double hi) {
  Batch<T> out(shape);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> uni(lo, hi);
  for (std::size_t p = 0; p < out.size(); ++p)
    out.data()[p] = T(uni(rng));
  return out;
}

template Batch<float> SyntheticImages<float>(Shape, unsigned);
template Batch<double> SyntheticImages<double>(Shape, unsigned);
template void AddGaussianNoise<float>(Batch<float>&, double, unsigned);
template void AddGaussianNoise<double>(Batch<double>&, double, unsigned);
template Batch<float> RandomBatch<float>(Shape, unsigned, double, double);
template Batch<double> RandomBatch<double>(Shape, unsigned, double, double);

}  // namespace bilevel
