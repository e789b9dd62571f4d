// Smoothed total variation's operations on the CPU: forward differences and the scatter of their
// adjoint pixel by pixel, one task per image, in the order the regularizer has always summed.
#include <algorithm>

#include "backend/cpu/cpu_ops.h"
#include "backend/kernels/pointwise_maps.h"
#include "bilevel/thread_pool.h"

namespace bilevel::backend {
namespace {

// The forward differences of one channel plane at (y, x).
template <typename T>
inline void Differences(const T* p, int h, int w, int y, int x, T* dh, T* dv) {
  const T c = p[std::size_t(y) * w + x];
  *dh = x + 1 < w ? p[std::size_t(y) * w + x + 1] - c : T(0);
  *dv = y + 1 < h ? p[std::size_t(y + 1) * w + x] - c : T(0);
}

// out += scale * D^T (uh, uv) on one plane, where uh and uv are given per pixel by field(y, x).
template <typename T, typename Field>
void AddAdjoint(int h, int w, T scale, const Field& field, T* out) {
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      T uh, uv;
      field(y, x, &uh, &uv);
      T* o = out + std::size_t(y) * w + x;
      // D_h^T: +u(y, x-1) at x, -u(y, x) at x (for x < w-1; u is 0 in the last column).
      if (x + 1 < w) {
        o[0] -= scale * uh;
        o[1] += scale * uh;
      }
      if (y + 1 < h) {
        o[0] -= scale * uv;
        o[w] += scale * uv;
      }
    }
}

// body(k, c, offset) for each active image k and channel c, offset the plane's first value.
template <typename T, typename Body>
void ForPlanes(const TvMaps<T>& t, const Active& active, const Body& body) {
  ParallelFor(int(active.size()), [&](int k) {
    for (int c = 0; c < t.channels; ++c)
      body(k, c, (std::size_t(active[k]) * t.channels + c) * t.plane());
  });
}

}  // namespace

template <typename T>
void CpuOps<T>::tvSandwich(TvMap map, const TvMaps<T>& t, const Active& active, const T* v,
                           T* out) {
  const int h = t.h, w = t.w;
  ForPlanes(t, active, [&](int, int c, std::size_t off) {
    const T* q = v + off;
    T* o = out + off;
    std::fill(o, o + t.plane(), T(0));
    switch (map) {
      case TvMap::kGradient:
        AddAdjoint(
            h, w, t.weights[c],
            [&](int y, int px, T* uh, T* uv) {
              Differences(q, h, w, y, px, uh, uv);
              tv::GradientMap(t.nu, uh, uv);
            },
            o);
        break;
      case TvMap::kHessian: {
        const T* p = t.at + off;
        AddAdjoint(
            h, w, t.weights[c],
            [&](int y, int px, T* uh, T* uv) {
              T gh, gv;
              Differences(p, h, w, y, px, &gh, &gv);
              Differences(q, h, w, y, px, uh, uv);
              tv::HessianMap(gh, gv, t.nu, uh, uv);
            },
            o);
        break;
      }
      case TvMap::kBound:
        AddAdjoint(
            h, w, t.bounds[c],
            [&](int y, int px, T* uh, T* uv) { Differences(q, h, w, y, px, uh, uv); }, o);
        break;
    }
  });
}

template <typename T>
void CpuOps<T>::tvValues(const TvMaps<T>& t, const Active& active, const T* x, double* sums) {
  ForPlanes(t, active, [&](int k, int c, std::size_t off) {
    double sum = 0.0;
    for (int y = 0; y < t.h; ++y)
      for (int px = 0; px < t.w; ++px) {
        T dh, dv;
        Differences(x + off, t.h, t.w, y, px, &dh, &dv);
        sum += double(tv::Value(dh, dv, t.nu));
      }
    sums[std::size_t(k) * t.channels + c] = sum;
  });
}

template <typename T>
void CpuOps<T>::tvMixedTerms(const TvMaps<T>& t, const Active& active, const T* x, const T* q,
                             double* sums) {
  const double nu2 = double(t.nu) * double(t.nu);
  ForPlanes(t, active, [&](int k, int c, std::size_t off) {
    double first = 0.0, smooth = 0.0;
    for (int y = 0; y < t.h; ++y)
      for (int px = 0; px < t.w; ++px) {
        T gh, gv, qh, qv;
        Differences(x + off, t.h, t.w, y, px, &gh, &gv);
        Differences(q + off, t.h, t.w, y, px, &qh, &qv);
        tv::MixedTerms(gh, gv, qh, qv, nu2, &first, &smooth);
      }
    sums[2 * (std::size_t(k) * t.channels + c)] = first;
    sums[2 * (std::size_t(k) * t.channels + c) + 1] = smooth;
  });
}

// The class itself is instantiated in cpu_ops.cpp; these are its members defined here.
#define BILEVEL_INSTANTIATE(T)                                                               \
  template void CpuOps<T>::tvSandwich(TvMap, const TvMaps<T>&, const Active&, const T*, T*); \
  template void CpuOps<T>::tvValues(const TvMaps<T>&, const Active&, const T*, double*);     \
  template void CpuOps<T>::tvMixedTerms(const TvMaps<T>&, const Active&, const T*, const T*, \
                                        double*);
BILEVEL_INSTANTIATE(float)
BILEVEL_INSTANTIATE(double)
#undef BILEVEL_INSTANTIATE

}  // namespace bilevel::backend
