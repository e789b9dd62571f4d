// CpuOps: the correlations and the sandwich K^T m(K x), each as steps (image_tasks.h) that an
// image runs in one task when there are images enough for every thread.
#include <algorithm>

#include "backend/cpu/correlation_rows.h"
#include "backend/cpu/cpu_ops.h"
#include "backend/cpu/map_rows.h"

namespace bilevel::backend {

using tasks::RuleOf;
using tasks::RunSteps;
using tasks::Step;

template <typename T>
Step CpuOps<T>::padStep(const ConvGeometry& g, int channels, const Active& active, const T* x,
                        std::vector<T>& pad) {
  const int r = g.radius();
  const std::size_t padded = std::size_t(channels) * (g.h + 2 * r) * (g.w + 2 * r);
  const std::size_t need = active.size() * padded;
  if (pad.size() < need) pad.resize(need);
  T* dst = pad.data();
  return {0, [=](int k, int i, int, int) {
            Pad(x + i * std::size_t(channels) * g.plane(), channels, g.h, g.w, r, RuleOf(g),
                dst + k * padded);
          }};
}

template <typename T>
void CpuOps<T>::correlate(const ConvGeometry& g, const Active& active, const T* x, const T* weights,
                          T* z) {
  correlateInto(g, active, x, weights, z, false);
}

template <typename T>
void CpuOps<T>::correlateAdd(const ConvGeometry& g, const Active& active, const T* x,
                             const T* weights, T* z) {
  correlateInto(g, active, x, weights, z, true);
}

// With add, each band is correlated into responses_ and then added, as a separate sum.
template <typename T>
void CpuOps<T>::correlateInto(const ConvGeometry& g, const Active& active, const T* x,
                              const T* weights, T* z, bool add) {
  const Step pad = padStep(g, g.in_channels, active, x, xpad_);
  const int r = g.radius(), hp = g.h + 2 * r, wp = g.w + 2 * r;
  const std::size_t padded = std::size_t(g.in_channels) * hp * wp;
  const std::size_t out = std::size_t(g.out_channels) * g.plane();
  if (add && responses_.size() < active.size() * out) responses_.resize(active.size() * out);
  const CorrelationGeometry cg{g.in_channels, g.out_channels, g.k, hp, wp};
  RunSteps(active, {pad, {g.h, [&](int slot, int i, int y0, int y1) {
                            const T* in = xpad_.data() + slot * padded;
                            if (!add) {
                              CorrelateRows(cg, in, weights, z + i * out, y0, y1);
                              return;
                            }
                            T* result = responses_.data() + slot * out;
                            CorrelateRows(cg, in, weights, result, y0, y1);
                            for (int o = 0; o < g.out_channels; ++o)
                              for (std::size_t p = o * g.plane() + std::size_t(y0) * g.w;
                                   p < o * g.plane() + std::size_t(y1) * g.w; ++p)
                                z[i * out + p] += result[p];
                          }}});
}

// K^T = P^T C^T, and C^T is a correlation with the flipped, transposed kernels over z padded with
// zeros by k - 1. zpad_'s border is zeroed when it is made and never written.
template <typename T>
void CpuOps<T>::prepareAdjoint(const ConvGeometry& g, int images, const T* weights) {
  const int k = g.k, hz = g.h + 2 * (k - 1), wz = g.w + 2 * (k - 1);
  const bool same = zgeometry_.out_channels == g.out_channels && zgeometry_.h == g.h &&
                    zgeometry_.w == g.w && zgeometry_.k == k;
  if (!same || zimages_ < images) {
    zpad_.assign(std::size_t(images) * g.out_channels * hz * wz, T(0));
    zgeometry_ = g;
    zimages_ = images;
  }
  const int r = g.radius();
  const std::size_t padded = std::size_t(g.in_channels) * (g.h + 2 * r) * (g.w + 2 * r);
  if (outpad_.size() < std::size_t(images) * padded) outpad_.resize(std::size_t(images) * padded);
  flipped_.resize(std::size_t(g.out_channels) * g.in_channels * k * k);
  FlipTranspose(weights, g.out_channels, g.in_channels, k, flipped_.data());
}

template <typename T>
Step CpuOps<T>::adjointRowsStep(const ConvGeometry& g) {
  const int k = g.k, r = g.radius(), hp = g.h + 2 * r, wp = g.w + 2 * r;
  const int hz = g.h + 2 * (k - 1), wz = g.w + 2 * (k - 1);
  const std::size_t zsize = std::size_t(g.out_channels) * hz * wz;
  const std::size_t padded = std::size_t(g.in_channels) * hp * wp;
  const CorrelationGeometry cg{g.out_channels, g.in_channels, k, hz, wz};
  return {hp, [=, this](int slot, int, int y0, int y1) {
            CorrelateRows(cg, zpad_.data() + slot * zsize, flipped_.data(),
                          outpad_.data() + slot * padded, y0, y1);
          }};
}

template <typename T>
Step CpuOps<T>::foldStep(const ConvGeometry& g, T* x, bool add) {
  const int r = g.radius();
  const std::size_t padded = std::size_t(g.in_channels) * (g.h + 2 * r) * (g.w + 2 * r);
  const std::size_t image = std::size_t(g.in_channels) * g.plane();
  return {0, [=, this](int slot, int i, int, int) {
            if (!add) {
              PadAdjoint(outpad_.data() + slot * padded, g.in_channels, g.h, g.w, r, RuleOf(g),
                         x + i * image);
              return;
            }
            thread_local std::vector<T> folded;
            folded.resize(image);
            PadAdjoint(outpad_.data() + slot * padded, g.in_channels, g.h, g.w, r, RuleOf(g),
                       folded.data());
            T* xi = x + i * image;
            for (std::size_t p = 0; p < image; ++p)
              xi[p] += folded[p];
          }};
}

template <typename T>
void CpuOps<T>::correlateAdjoint(const ConvGeometry& g, const Active& active, const T* z,
                                 const T* weights, T* x) {
  correlateAdjointInto(g, active, z, weights, x, false);
}

template <typename T>
void CpuOps<T>::correlateAdjointAdd(const ConvGeometry& g, const Active& active, const T* z,
                                    const T* weights, T* x) {
  correlateAdjointInto(g, active, z, weights, x, true);
}

template <typename T>
void CpuOps<T>::correlateAdjointInto(const ConvGeometry& g, const Active& active, const T* z,
                                     const T* weights, T* x, bool add) {
  prepareAdjoint(g, int(active.size()), weights);
  const int k = g.k, hz = g.h + 2 * (k - 1), wz = g.w + 2 * (k - 1);
  const std::size_t zsize = std::size_t(g.out_channels) * hz * wz;
  const std::size_t zimage = std::size_t(g.out_channels) * g.plane();
  const Step border{g.h, [&](int slot, int i, int y0, int y1) {
                      for (int o = 0; o < g.out_channels; ++o)
                        for (int y = y0; y < y1; ++y) {
                          const T* src = z + i * zimage + o * g.plane() + std::size_t(y) * g.w;
                          std::copy(src, src + g.w,
                                    zpad_.data() + slot * zsize +
                                        (std::size_t(o) * hz + y + k - 1) * wz + (k - 1));
                        }
                    }};
  RunSteps(active, {border, adjointRowsStep(g), foldStep(g, x, add)});
}

// The forward correlation and the map run band by band, the map writing straight into the
// adjoint's zero-bordered input.
template <typename T>
void CpuOps<T>::sandwich(const ConvGeometry& g, const Active& active, const T* x, const T* weights,
                         const ResponseMap<T>& map, T* out) {
  const int images = int(active.size());
  const Step pad = padStep(g, g.in_channels, active, x, xpad_);
  prepareAdjoint(g, images, weights);
  const std::size_t zimage = std::size_t(g.out_channels) * g.plane();
  if (responses_.size() < std::size_t(images) * zimage)
    responses_.resize(std::size_t(images) * zimage);
  const int k = g.k, r = g.radius(), hp = g.h + 2 * r, wp = g.w + 2 * r;
  const int hz = g.h + 2 * (k - 1), wz = g.w + 2 * (k - 1);
  const std::size_t zsize = std::size_t(g.out_channels) * hz * wz;
  const std::size_t padded = std::size_t(g.in_channels) * hp * wp;
  const CorrelationGeometry cg{g.in_channels, g.out_channels, k, hp, wp};
  const Step mapped{
      g.h, [&](int slot, int i, int y0, int y1) {
        T* z = responses_.data() + slot * zimage;
        CorrelateRows(cg, xpad_.data() + slot * padded, weights, z, y0, y1);
        for (int j = 0; j < g.out_channels; ++j)
          for (int y = y0; y < y1; ++y) {
            const std::size_t row = j * g.plane() + std::size_t(y) * g.w;
            MapRow(map, j, i * zimage + row, z + row, std::size_t(g.w),
                   zpad_.data() + slot * zsize + (std::size_t(j) * hz + y + k - 1) * wz + (k - 1));
          }
      }};
  RunSteps(active, {pad, mapped, adjointRowsStep(g), foldStep(g, out, false)});
}

// The class itself is instantiated in cpu_ops.cpp; these are its members defined here.
#define BILEVEL_INSTANTIATE(T)                                                                    \
  template tasks::Step CpuOps<T>::padStep(const ConvGeometry&, int, const Active&, const T*,      \
                                          std::vector<T>&);                                       \
  template void CpuOps<T>::correlate(const ConvGeometry&, const Active&, const T*, const T*, T*); \
  template void CpuOps<T>::correlateAdd(const ConvGeometry&, const Active&, const T*, const T*,   \
                                        T*);                                                      \
  template void CpuOps<T>::correlateAdjoint(const ConvGeometry&, const Active&, const T*,         \
                                            const T*, T*);                                        \
  template void CpuOps<T>::correlateAdjointAdd(const ConvGeometry&, const Active&, const T*,      \
                                               const T*, T*);                                     \
  template void CpuOps<T>::sandwich(const ConvGeometry&, const Active&, const T*, const T*,       \
                                    const ResponseMap<T>&, T*);
BILEVEL_INSTANTIATE(float)
BILEVEL_INSTANTIATE(double)
#undef BILEVEL_INSTANTIATE

}  // namespace bilevel::backend
