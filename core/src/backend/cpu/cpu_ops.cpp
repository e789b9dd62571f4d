#include "backend/cpu/cpu_ops.h"

#include <Eigen/Core>
#include <algorithm>
#include <atomic>

#include "backend/cpu/correlation_rows.h"
#include "backend/cpu/image_tasks.h"
#include "backend/cpu/map_rows.h"
#include "backend/kernels/pointwise_maps.h"
#include "bilevel/thread_pool.h"

namespace bilevel::backend {
using tasks::ForBands;
using tasks::ForChannels;
using tasks::RuleOf;

template <typename T>
void CpuOps<T>::perImage(const Active& active, const typename Ops<T>::Pass& pass) {
  const int threads = std::min(ThreadCount(), int(active.size()));
  while (int(threads_.size()) < threads)
    threads_.push_back(std::make_unique<CpuOps<T>>());
  std::atomic<std::size_t> next{0};
  ParallelFor(threads, [&](int t) {
    for (std::size_t k = next++; k < active.size(); k = next++)
      pass(*threads_[t], Active{active[k]}, k);
  });
}

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
  tasks::RunSteps(active, {padStep(g, channels, active, x, pad)});
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
      const T* xc = xpad_.data() + slot * padded + std::size_t(c) * hp * wp;
      const T* yc = two ? ypad_.data() + slot * padded + std::size_t(c) * hp * wp : nullptr;
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
  const std::size_t need = active.size() * zimage;
  if (responses_.size() < need) responses_.resize(need);
  if (responses2_.size() < need) responses2_.resize(need);
  const T* z = responses_.data();
  const T* kq = responses2_.data();
  const CorrelationGeometry cg{g.in_channels, g.out_channels, k, hp, wp};
  ForBands(active, g.h, [&](int slot, int, int y0, int y1) {
    CorrelateRows(cg, xpad_.data() + slot * padded, weights, responses_.data() + slot * zimage, y0,
                  y1);
    CorrelateRows(cg, ypad_.data() + slot * padded, weights, responses2_.data() + slot * zimage, y0,
                  y1);
  });
  const std::size_t per_kernel = std::size_t(g.in_channels) * k * k;
  const T nu2 = f.nu * f.nu;
  ForChannels(active, f.kernels, [&](int slot, int, int j) {
    const std::size_t base = (std::size_t(slot) * f.kernels + j) * f.plane;
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
      const T* xc = xpad_.data() + slot * padded + std::size_t(c) * hp * wp;
      const T* qc = ypad_.data() + slot * padded + std::size_t(c) * hp * wp;
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
