#include "backend/cpu/cpu_ops.h"

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>

#include "backend/cpu/correlation_rows.h"
#include "backend/cpu/map_rows.h"
#include "backend/kernels/pointwise_maps.h"
#include "bilevel/boundary.h"
#include "bilevel/thread_pool.h"

namespace bilevel::backend {
namespace {

// Row bands per image so that a few images still keep every thread busy.
int BandsPerImage(int images, int rows) {
  const int threads = ThreadCount();
  if (images >= threads || images == 0) return 1;
  const int want = 2 * ((threads + images - 1) / images);
  return std::max(1, std::min(want, rows / 8));
}

void ForBands(const Active& active, int rows, const std::function<void(int, int, int)>& body) {
  const int nb = BandsPerImage(int(active.size()), rows);
  ParallelFor(int(active.size()) * nb, [&](int task) {
    const int i = active[task / nb], b = task % nb;
    const int y0 = int(std::int64_t(rows) * b / nb), y1 = int(std::int64_t(rows) * (b + 1) / nb);
    if (y0 < y1) body(i, y0, y1);
  });
}

// body(k, i, j) for each active image i = active[k] and channel j.
void ForChannels(const Active& active, int channels,
                 const std::function<void(int, int, int)>& body) {
  ParallelFor(int(active.size()) * channels, [&](int task) {
    const int k = task / channels;
    body(k, active[k], task % channels);
  });
}

int ImagesSpanned(const Active& active) {
  return active.empty() ? 0 : *std::max_element(active.begin(), active.end()) + 1;
}

Boundary RuleOf(const ConvGeometry& g) {
  return g.reflect ? Boundary::kReflect101 : Boundary::kZero;
}

}  // namespace

template <typename T>
T* CpuOps<T>::allocate(std::size_t count) {
  return new T[count]();
}

template <typename T>
void CpuOps<T>::release(T* data) noexcept {
  delete[] data;
}

template <typename T>
void CpuOps<T>::upload(const T* host, std::size_t count, T* dst) {
  std::copy(host, host + count, dst);
}

template <typename T>
void CpuOps<T>::download(const T* src, std::size_t count, T* host) {
  std::copy(src, src + count, host);
}

template <typename T>
void CpuOps<T>::copy(const T* src, std::size_t count, T* dst) {
  std::copy(src, src + count, dst);
}

template <typename T>
void CpuOps<T>::padImages(const ConvGeometry& g, int channels, const Active& active, const T* x,
                          std::vector<T>& pad) {
  const int r = g.radius();
  const std::size_t padded = std::size_t(channels) * (g.h + 2 * r) * (g.w + 2 * r);
  const std::size_t image = std::size_t(channels) * g.plane();
  const std::size_t need = std::size_t(ImagesSpanned(active)) * padded;
  if (pad.size() < need) pad.resize(need);
  ParallelFor(int(active.size()), [&](int k) {
    const int i = active[k];
    Pad(x + i * image, channels, g.h, g.w, r, RuleOf(g), pad.data() + i * padded);
  });
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
  padImages(g, g.in_channels, active, x, xpad_);
  const int r = g.radius(), hp = g.h + 2 * r, wp = g.w + 2 * r;
  const std::size_t padded = std::size_t(g.in_channels) * hp * wp;
  const std::size_t out = std::size_t(g.out_channels) * g.plane();
  if (add && responses_.size() < std::size_t(ImagesSpanned(active)) * out)
    responses_.resize(std::size_t(ImagesSpanned(active)) * out);
  const CorrelationGeometry cg{g.in_channels, g.out_channels, g.k, hp, wp};
  ForBands(active, g.h, [&](int i, int y0, int y1) {
    if (!add) {
      CorrelateRows(cg, xpad_.data() + i * padded, weights, z + i * out, y0, y1);
      return;
    }
    T* result = responses_.data() + i * out;
    CorrelateRows(cg, xpad_.data() + i * padded, weights, result, y0, y1);
    for (int o = 0; o < g.out_channels; ++o)
      for (std::size_t p = o * g.plane() + std::size_t(y0) * g.w;
           p < o * g.plane() + std::size_t(y1) * g.w; ++p)
        z[i * out + p] += result[p];
  });
}

// K^T = P^T C^T, and C^T is a correlation with the flipped, transposed kernels over z padded with
// zeros by k - 1. zpad_'s border is zeroed when it is made and never written.
template <typename T>
void CpuOps<T>::prepareAdjoint(const ConvGeometry& g, int images) {
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
}

template <typename T>
void CpuOps<T>::adjointOfPadded(const ConvGeometry& g, const Active& active, const T* weights, T* x,
                                bool add) {
  const int k = g.k, r = g.radius(), hp = g.h + 2 * r, wp = g.w + 2 * r;
  const int hz = g.h + 2 * (k - 1), wz = g.w + 2 * (k - 1);
  const std::size_t zsize = std::size_t(g.out_channels) * hz * wz;
  const std::size_t padded = std::size_t(g.in_channels) * hp * wp;
  flipped_.resize(std::size_t(g.out_channels) * g.in_channels * k * k);
  FlipTranspose(weights, g.out_channels, g.in_channels, k, flipped_.data());
  const CorrelationGeometry cg{g.out_channels, g.in_channels, k, hz, wz};
  ForBands(active, hp, [&](int i, int y0, int y1) {
    CorrelateRows(cg, zpad_.data() + i * zsize, flipped_.data(), outpad_.data() + i * padded, y0,
                  y1);
  });
  const std::size_t image = std::size_t(g.in_channels) * g.plane();
  ParallelFor(int(active.size()), [&](int n) {
    const int i = active[n];
    if (!add) {
      PadAdjoint(outpad_.data() + i * padded, g.in_channels, g.h, g.w, r, RuleOf(g), x + i * image);
      return;
    }
    thread_local std::vector<T> folded;
    folded.resize(image);
    PadAdjoint(outpad_.data() + i * padded, g.in_channels, g.h, g.w, r, RuleOf(g), folded.data());
    T* xi = x + i * image;
    for (std::size_t p = 0; p < image; ++p)
      xi[p] += folded[p];
  });
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
  prepareAdjoint(g, ImagesSpanned(active));
  const int k = g.k, hz = g.h + 2 * (k - 1), wz = g.w + 2 * (k - 1);
  const std::size_t zsize = std::size_t(g.out_channels) * hz * wz;
  const std::size_t zimage = std::size_t(g.out_channels) * g.plane();
  ForBands(active, g.h, [&](int i, int y0, int y1) {
    for (int o = 0; o < g.out_channels; ++o)
      for (int y = y0; y < y1; ++y) {
        const T* src = z + i * zimage + o * g.plane() + std::size_t(y) * g.w;
        std::copy(src, src + g.w,
                  zpad_.data() + i * zsize + (std::size_t(o) * hz + y + k - 1) * wz + (k - 1));
      }
  });
  adjointOfPadded(g, active, weights, x, add);
}

// The forward correlation and the map run band by band, the map writing straight into the
// adjoint's zero-bordered input.
template <typename T>
void CpuOps<T>::sandwich(const ConvGeometry& g, const Active& active, const T* x, const T* weights,
                         const ResponseMap<T>& map, T* out) {
  const int images = ImagesSpanned(active);
  padImages(g, g.in_channels, active, x, xpad_);
  prepareAdjoint(g, images);
  const std::size_t zimage = std::size_t(g.out_channels) * g.plane();
  if (responses_.size() < std::size_t(images) * zimage)
    responses_.resize(std::size_t(images) * zimage);
  const int k = g.k, r = g.radius(), hp = g.h + 2 * r, wp = g.w + 2 * r;
  const int hz = g.h + 2 * (k - 1), wz = g.w + 2 * (k - 1);
  const std::size_t zsize = std::size_t(g.out_channels) * hz * wz;
  const std::size_t padded = std::size_t(g.in_channels) * hp * wp;
  const CorrelationGeometry cg{g.in_channels, g.out_channels, k, hp, wp};
  ForBands(active, g.h, [&](int i, int y0, int y1) {
    T* z = responses_.data() + i * zimage;
    CorrelateRows(cg, xpad_.data() + i * padded, weights, z, y0, y1);
    for (int j = 0; j < g.out_channels; ++j)
      for (int y = y0; y < y1; ++y) {
        const std::size_t row = j * g.plane() + std::size_t(y) * g.w;
        MapRow(map, j, i * zimage + row, z + row, std::size_t(g.w),
               zpad_.data() + i * zsize + (std::size_t(j) * hz + y + k - 1) * wz + (k - 1));
      }
  });
  adjointOfPadded(g, active, weights, out, false);
}

// One weight's gradient over an image: the sum over rows of the (a x)-row sums plus, with b, the
// (b y)-row sums, in double (the sum order the Field of Experts' mixed derivative has always had).
// x and y are padded planes of row length wp, read from offset (u, v).
template <typename T, bool kTwo>
double WeightSum(const T* a, const T* x, const T* b, const T* y, int h, int w, int wp, int u,
                 int v) {
  using Row = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;
  double sum = 0.0;
  for (int row = 0; row < h; ++row) {
    const std::size_t off = std::size_t(row + u) * wp + v;
    const Row ar(a + std::size_t(row) * w, w), xr(x + off, w);
    if constexpr (kTwo) {
      const Row br(b + std::size_t(row) * w, w), yr(y + off, w);
      sum += double((ar * xr).sum() + (br * yr).sum());
    } else {
      sum += double((ar * xr).sum());
    }
  }
  return sum;
}

template <typename T>
void CpuOps<T>::weightGradients(const ConvGeometry& g, const Active& active, const T* x, const T* a,
                                const T* y, const T* b, double* grad) {
  const bool two = y && b;
  padImages(g, g.in_channels, active, x, xpad_);
  if (two) padImages(g, g.in_channels, active, y, ypad_);
  const int k = g.k, r = g.radius(), hp = g.h + 2 * r, wp = g.w + 2 * r;
  const std::size_t padded = std::size_t(g.in_channels) * hp * wp;
  const std::size_t out = std::size_t(g.out_channels) * g.plane();
  const std::size_t per_image = std::size_t(g.out_channels) * g.in_channels * k * k;
  ForChannels(active, g.out_channels, [&](int slot, int i, int o) {
    const T* ao = a + i * out + o * g.plane();
    const T* bo = two ? b + i * out + o * g.plane() : nullptr;
    for (int c = 0; c < g.in_channels; ++c) {
      const T* xc = xpad_.data() + i * padded + std::size_t(c) * hp * wp;
      const T* yc = two ? ypad_.data() + i * padded + std::size_t(c) * hp * wp : nullptr;
      for (int u = 0; u < k; ++u)
        for (int v = 0; v < k; ++v)
          grad[slot * per_image + g.weightIndex(o, c, u, v)] =
              two ? WeightSum<T, true>(ao, xc, bo, yc, g.h, g.w, wp, u, v)
                  : WeightSum<T, false>(ao, xc, nullptr, nullptr, g.h, g.w, wp, u, v);
    }
  });
}

template <typename T>
void CpuOps<T>::mapResponses(const ResponseMap<T>& map, int channels, std::size_t plane,
                             const Active& active, const T* z, T* out) {
  ForChannels(active, channels, [&](int, int i, int o) {
    const std::size_t base = (std::size_t(i) * channels + o) * plane;
    MapRow(map, o, base, z + base, plane, out + base);
  });
}

// One task per image and kernel: the maps into plane-sized scratch, then the kernel's weight
// gradient while they are in cache.
template <typename T>
void CpuOps<T>::foeMixedTerms(const ConvGeometry& g, const FoeMaps<T>& f, const Active& active,
                              const T* x, const T* q, const T* weights, double* sums,
                              double* grad) {
  padImages(g, g.in_channels, active, x, xpad_);
  padImages(g, g.in_channels, active, q, ypad_);
  const int k = g.k, r = g.radius(), hp = g.h + 2 * r, wp = g.w + 2 * r;
  const std::size_t padded = std::size_t(g.in_channels) * hp * wp;
  const std::size_t zimage = std::size_t(f.kernels) * f.plane;
  const std::size_t need = std::size_t(ImagesSpanned(active)) * zimage;
  if (responses_.size() < need) responses_.resize(need);
  if (responses2_.size() < need) responses2_.resize(need);
  const T* z = responses_.data();
  const T* kq = responses2_.data();
  const CorrelationGeometry cg{g.in_channels, g.out_channels, k, hp, wp};
  ForBands(active, g.h, [&](int i, int y0, int y1) {
    CorrelateRows(cg, xpad_.data() + i * padded, weights, responses_.data() + i * zimage, y0, y1);
    CorrelateRows(cg, ypad_.data() + i * padded, weights, responses2_.data() + i * zimage, y0, y1);
  });
  const std::size_t per_kernel = std::size_t(g.in_channels) * k * k;
  const T nu2 = f.nu * f.nu;
  ForChannels(active, f.kernels, [&](int slot, int i, int j) {
    const std::size_t base = (std::size_t(i) * f.kernels + j) * f.plane;
    thread_local std::vector<T> A, B;
    A.resize(f.plane);
    B.resize(f.plane);
    const T sj = f.scale[j];
    double dot_phi = 0.0, dot_s = 0.0;
    for (std::size_t p = 0; p < f.plane; ++p) {
      T phi1, phi2;
      const T zp = z[base + p], qp = kq[base + p];
      foe::PhiDerivatives(zp, nu2, &phi1, &phi2);
      dot_phi += double(phi1 * qp);
      dot_s -= double(zp * phi2 * qp);
      A[p] = sj * phi2 * qp;
      B[p] = sj * phi1;
    }
    const std::size_t term = std::size_t(slot) * f.kernels + j;
    sums[2 * term] = dot_phi;
    sums[2 * term + 1] = dot_s;
    double* out = grad + term * per_kernel;
    for (int c = 0; c < g.in_channels; ++c) {
      const T* xc = xpad_.data() + i * padded + std::size_t(c) * hp * wp;
      const T* qc = ypad_.data() + i * padded + std::size_t(c) * hp * wp;
      for (int u = 0; u < k; ++u)
        for (int v = 0; v < k; ++v)
          out[(c * k + u) * k + v] =
              WeightSum<T, true>(A.data(), xc, B.data(), qc, g.h, g.w, wp, u, v);
    }
  });
}

template <typename T>
void CpuOps<T>::foePhiSums(const FoeMaps<T>& f, const Active& active, const T* z, double* sums) {
  const double nu = double(f.nu);
  ForChannels(active, f.kernels, [&](int slot, int i, int j) {
    const T* zj = z + (std::size_t(i) * f.kernels + j) * f.plane;
    double sum = 0.0;
    for (std::size_t p = 0; p < f.plane; ++p)
      sum += foe::Phi(double(zj[p]), nu);
    sums[std::size_t(slot) * f.kernels + j] = sum;
  });
}

template class CpuOps<float>;
template class CpuOps<double>;

}  // namespace bilevel::backend
