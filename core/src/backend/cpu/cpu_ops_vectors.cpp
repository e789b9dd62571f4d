// The seam's per-image vector operations on the CPU: value by value, in pieces spread over the
// thread pool; the softplus one image at a time with Eigen's vectorised exp and log1p, as the
// input-convex network has always computed it.
#include <Eigen/Core>
#include <algorithm>

#include "backend/cpu/cpu_ops.h"
#include "bilevel/thread_pool.h"

namespace bilevel::backend {
namespace {

// body(begin, end) over [begin, end) ranges of the active images' values, in pieces of at most
// 64k values so that one large image still spreads over the threads.
template <typename Body>
void ForPieces(std::size_t size, const Active& active, const Body& body) {
  constexpr std::size_t kPiece = std::size_t(1) << 16;
  const int pieces = int((size + kPiece - 1) / kPiece);
  ParallelFor(int(active.size()) * pieces, [&](int task) {
    const std::size_t base = std::size_t(active[task / pieces]) * size;
    const std::size_t begin = std::size_t(task % pieces) * kPiece;
    body(base + begin, base + std::min(size, begin + kPiece));
  });
}

}  // namespace

template <typename T>
void CpuOps<T>::multiply(std::size_t size, const Active& active, const T* a, const T* b, T* out) {
  ForPieces(size, active, [&](std::size_t begin, std::size_t end) {
    for (std::size_t p = begin; p < end; ++p)
      out[p] = a[p] * b[p];
  });
}

template <typename T>
void CpuOps<T>::multiplyAdd(std::size_t size, const Active& active, const T* a, const T* b,
                            const T* c, const T* d, T* out) {
  ForPieces(size, active, [&](std::size_t begin, std::size_t end) {
    for (std::size_t p = begin; p < end; ++p)
      out[p] = a[p] * b[p] + c[p] * d[p];
  });
}

template <typename T>
void CpuOps<T>::fill(std::size_t size, const Active& active, T value, T* x) {
  ForPieces(size, active,
            [&](std::size_t begin, std::size_t end) { std::fill(x + begin, x + end, value); });
}

template <typename T>
void CpuOps<T>::addTo(std::size_t size, const Active& active, const T* x, T* y) {
  ForPieces(size, active, [&](std::size_t begin, std::size_t end) {
    for (std::size_t p = begin; p < end; ++p)
      y[p] += x[p];
  });
}

// The vectorised exp and log1p work on owned (aligned) arrays and are copied out: on a mapped
// destination Eigen peels a head of scalar steps up to the first aligned address, and the scalar
// and packet functions round differently, so results would depend on where the buffers lie.
template <typename T>
void CpuOps<T>::softplus(std::size_t size, const Active& active, T beta, const T* t, T* act,
                         T* slope, T* curvature) {
  using Array = Eigen::Array<T, Eigen::Dynamic, 1>;
  using Map = Eigen::Map<Array>;
  const Eigen::Index n = Eigen::Index(size);
  ParallelFor(int(active.size()), [&](int k) {
    const std::size_t base = std::size_t(active[k]) * size;
    thread_local Array P, E, C, A;
    P = Eigen::Map<const Array>(t + base, n);
    E = (-beta * P.abs()).exp();
    C = T(1) / (T(1) + E);
    A = (P >= T(0)).select(C, E * C);
    Map(slope + base, n) = A;
    if (act) {
      A = ((beta * P).max(T(0)) + E.log1p()) / beta;
      Map(act + base, n) = A;
    }
    A = beta * E * C.square();
    Map(curvature + base, n) = A;
  });
}

template <typename T>
void CpuOps<T>::addChannelBias(int channels, std::size_t plane, const Active& active, const T* bias,
                               T* x) {
  ParallelFor(int(active.size()), [&](int k) {
    T* xi = x + std::size_t(active[k]) * channels * plane;
    for (int c = 0; c < channels; ++c) {
      const T b = bias[c];
      for (std::size_t p = c * plane; p < (c + 1) * plane; ++p)
        xi[p] += b;
    }
  });
}

template <typename T>
void CpuOps<T>::channelSums(int channels, std::size_t plane, const Active& active, const T* x,
                            double* sums) {
  ParallelFor(int(active.size()) * channels, [&](int task) {
    const int k = task / channels, c = task % channels;
    const T* xc = x + (std::size_t(active[k]) * channels + c) * plane;
    double sum = 0.0;
    for (std::size_t p = 0; p < plane; ++p)
      sum += double(xc[p]);
    sums[task] = sum;
  });
}

// The class itself is instantiated in cpu_ops.cpp; these are its members defined here.
#define BILEVEL_INSTANTIATE(T)                                                                   \
  template void CpuOps<T>::multiply(std::size_t, const Active&, const T*, const T*, T*);         \
  template void CpuOps<T>::multiplyAdd(std::size_t, const Active&, const T*, const T*, const T*, \
                                       const T*, T*);                                            \
  template void CpuOps<T>::fill(std::size_t, const Active&, T, T*);                              \
  template void CpuOps<T>::addTo(std::size_t, const Active&, const T*, T*);                      \
  template void CpuOps<T>::softplus(std::size_t, const Active&, T, const T*, T*, T*, T*);        \
  template void CpuOps<T>::addChannelBias(int, std::size_t, const Active&, const T*, T*);        \
  template void CpuOps<T>::channelSums(int, std::size_t, const Active&, const T*, double*);
BILEVEL_INSTANTIATE(float)
BILEVEL_INSTANTIATE(double)
#undef BILEVEL_INSTANTIATE

}  // namespace bilevel::backend
