#include "backend/cpu/correlate_image.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "backend/cpu/correlation_rows.h"
#include "bilevel/thread_pool.h"

namespace bilevel {
namespace {

// CorrelateRows on rows [0, rows), in `bands` bands over the pool when that is more than one.
template <typename T>
void Rows(const CorrelationGeometry& cg, const T* in, const T* weights, T* out, int rows,
          int bands) {
  if (bands <= 1) {
    CorrelateRows(cg, in, weights, out, 0, rows);
    return;
  }
  ParallelFor(bands, [&](int b) {
    const int y0 = int(std::int64_t(rows) * b / bands),
              y1 = int(std::int64_t(rows) * (b + 1) / bands);
    if (y0 < y1) CorrelateRows(cg, in, weights, out, y0, y1);
  });
}

}  // namespace

template <typename T>
void CorrelateImage(const ImageCorrelation& g, const T* in, const T* weights, T* out,
                    bool accumulate, int bands) {
  const int r = g.k / 2, hp = g.h + 2 * r, wp = g.w + 2 * r;
  thread_local std::vector<T> pad, result;
  pad.resize(std::size_t(g.in_channels) * hp * wp);
  Pad(in, g.in_channels, g.h, g.w, r, g.boundary, pad.data());
  const CorrelationGeometry cg{g.in_channels, g.out_channels, g.k, hp, wp};
  if (!accumulate) {
    Rows(cg, pad.data(), weights, out, g.h, bands);
    return;
  }
  const std::size_t n = std::size_t(g.out_channels) * g.h * g.w;
  result.resize(n);
  Rows(cg, pad.data(), weights, result.data(), g.h, bands);
  for (std::size_t p = 0; p < n; ++p)
    out[p] += result[p];
}

// K^T = P^T C^T, and C^T is a correlation with the flipped, transposed kernels over a zero
// padding of k - 1.
template <typename T>
void CorrelateAdjointImage(const ImageCorrelation& g, const T* a, const T* flipped, T* out,
                           bool accumulate, int bands) {
  const int k = g.k, r = k / 2, hp = g.h + 2 * r, wp = g.w + 2 * r;
  const int hz = g.h + 2 * (k - 1), wz = g.w + 2 * (k - 1);
  thread_local std::vector<T> zpad, full, folded;
  zpad.assign(std::size_t(g.out_channels) * hz * wz, T(0));
  for (int o = 0; o < g.out_channels; ++o)
    for (int y = 0; y < g.h; ++y)
      std::copy(a + (std::size_t(o) * g.h + y) * g.w, a + (std::size_t(o) * g.h + y + 1) * g.w,
                zpad.data() + (std::size_t(o) * hz + y + k - 1) * wz + (k - 1));
  full.resize(std::size_t(g.in_channels) * hp * wp);
  const CorrelationGeometry cg{g.out_channels, g.in_channels, k, hz, wz};
  Rows(cg, zpad.data(), flipped, full.data(), hp, bands);
  if (!accumulate) {
    PadAdjoint(full.data(), g.in_channels, g.h, g.w, r, g.boundary, out);
    return;
  }
  folded.resize(std::size_t(g.in_channels) * g.h * g.w);
  PadAdjoint(full.data(), g.in_channels, g.h, g.w, r, g.boundary, folded.data());
  for (std::size_t p = 0; p < folded.size(); ++p)
    out[p] += folded[p];
}

template void CorrelateImage<float>(const ImageCorrelation&, const float*, const float*, float*,
                                    bool, int);
template void CorrelateImage<double>(const ImageCorrelation&, const double*, const double*, double*,
                                     bool, int);
template void CorrelateAdjointImage<float>(const ImageCorrelation&, const float*, const float*,
                                           float*, bool, int);
template void CorrelateAdjointImage<double>(const ImageCorrelation&, const double*, const double*,
                                            double*, bool, int);

}  // namespace bilevel
