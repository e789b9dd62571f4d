#include "backend/cpu/correlation_rows.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace bilevel {
namespace {

// Output pixels per tile and output channels per block: JB x TX accumulators live in registers
// while all in_channels x k x k taps stream past, and each source load serves JB channels.
constexpr int kTile = 16;

template <typename T, int JB, int TX, bool kFull>
inline void Tile(const CorrelationGeometry& g, const T* src, const T* weights, T* out, int o0,
                 int y, int x0, int nx) {
  T acc[JB][TX] = {};
  const int k = g.k;
  const std::size_t plane = std::size_t(g.src_h) * g.src_w;
  const std::size_t kk = std::size_t(k) * k;
  const std::size_t wstride = std::size_t(g.in_channels) * kk;
  const int n = kFull ? TX : nx;
  for (int c = 0; c < g.in_channels; ++c) {
    const T* wc = weights + std::size_t(o0) * wstride + c * kk;
    for (int u = 0; u < k; ++u) {
      const T* row = src + c * plane + std::size_t(y + u) * g.src_w + x0;
      const T* wu = wc + u * k;
      for (int v = 0; v < k; ++v) {
        const T* s = row + v;
        T wt[JB];
        for (int jb = 0; jb < JB; ++jb)
          wt[jb] = wu[jb * wstride + v];
        if constexpr (kFull) {
          for (int t = 0; t < TX; ++t) {
            const T sv = s[t];
            for (int jb = 0; jb < JB; ++jb)
              acc[jb][t] += wt[jb] * sv;
          }
        } else {
          for (int t = 0; t < n; ++t)
            for (int jb = 0; jb < JB; ++jb)
              acc[jb][t] += wt[jb] * s[t];
        }
      }
    }
  }
  const std::size_t oplane = std::size_t(g.out_h()) * g.out_w();
  for (int jb = 0; jb < JB; ++jb) {
    T* o = out + (o0 + jb) * oplane + std::size_t(y) * g.out_w() + x0;
    for (int t = 0; t < n; ++t)
      o[t] = acc[jb][t];
  }
}

// The full-width tile: 2 vectors of 32 bytes per output channel, JB channels, so 2 x JB
// accumulators stay in registers and each source vector load serves JB channels.
// The attribute must sit on a typedef inside a class template: GCC ignores vector_size on a
// dependent alias template, which would silently make Vec<T> a scalar.
template <typename T>
struct VecOf {
  typedef T type __attribute__((vector_size(32)));
};
template <typename T>
using Vec = typename VecOf<T>::type;
static_assert(sizeof(Vec<float>) == 32 && sizeof(Vec<double>) == 32);
template <typename T>
constexpr int kLanes = int(32 / sizeof(T));

template <typename T, int JB>
inline void VectorTile(const CorrelationGeometry& g, const T* src, const T* weights, T* out, int o0,
                       int y, int x0) {
  constexpr int L = kLanes<T>;
  Vec<T> a0[JB], a1[JB];
  for (int jb = 0; jb < JB; ++jb)
    a0[jb] = a1[jb] = Vec<T>{};
  const int k = g.k;
  const std::size_t plane = std::size_t(g.src_h) * g.src_w;
  const std::size_t kk = std::size_t(k) * k;
  const std::size_t wstride = std::size_t(g.in_channels) * kk;
  for (int c = 0; c < g.in_channels; ++c) {
    const T* wc = weights + std::size_t(o0) * wstride + c * kk;
    for (int u = 0; u < k; ++u) {
      const T* row = src + c * plane + std::size_t(y + u) * g.src_w + x0;
      const T* wu = wc + u * k;
      for (int v = 0; v < k; ++v) {
        Vec<T> s0, s1;
        std::memcpy(&s0, row + v, sizeof s0);
        std::memcpy(&s1, row + v + L, sizeof s1);
#pragma GCC unroll 4
        for (int jb = 0; jb < JB; ++jb) {
          const T w = wu[jb * wstride + v];
          a0[jb] += w * s0;
          a1[jb] += w * s1;
        }
      }
    }
  }
  const std::size_t oplane = std::size_t(g.out_h()) * g.out_w();
  for (int jb = 0; jb < JB; ++jb) {
    T* o = out + (o0 + jb) * oplane + std::size_t(y) * g.out_w() + x0;
    std::memcpy(o, &a0[jb], sizeof a0[jb]);
    std::memcpy(o + L, &a1[jb], sizeof a1[jb]);
  }
}

template <typename T, int JB>
void Rows(const CorrelationGeometry& g, const T* src, const T* weights, T* out, int o0, int y0,
          int y1) {
  constexpr int kVectorTile = 2 * kLanes<T>;
  const int ow = g.out_w();
  for (int y = y0; y < y1; ++y) {
    int x0 = 0;
    for (; x0 + kVectorTile <= ow; x0 += kVectorTile)
      VectorTile<T, JB>(g, src, weights, out, o0, y, x0);
    if (x0 == ow) continue;
    if (ow >= kVectorTile) {
      // The last tile overlaps the previous one and rewrites a few outputs with the same values.
      VectorTile<T, JB>(g, src, weights, out, o0, y, ow - kVectorTile);
    } else {
      for (; x0 < ow; x0 += kTile)
        Tile<T, JB, kTile, false>(g, src, weights, out, o0, y, x0, std::min(kTile, ow - x0));
    }
  }
}

}  // namespace

template <typename T>
void CorrelateRows(const CorrelationGeometry& g, const T* src, const T* weights, T* out, int y0,
                   int y1) {
  // Blocks of 4 output channels, the remainder (1 to 3) in one block.
  int o = 0;
  for (; o + 4 <= g.out_channels; o += 4)
    Rows<T, 4>(g, src, weights, out, o, y0, y1);
  switch (g.out_channels - o) {
    case 3:
      Rows<T, 3>(g, src, weights, out, o, y0, y1);
      break;
    case 2:
      Rows<T, 2>(g, src, weights, out, o, y0, y1);
      break;
    case 1:
      Rows<T, 1>(g, src, weights, out, o, y0, y1);
      break;
    default:
      break;
  }
}

template <typename T>
void FlipTranspose(const T* weights, int out_channels, int in_channels, int k, T* flipped) {
  const std::size_t kk = std::size_t(k) * k;
  for (int o = 0; o < out_channels; ++o)
    for (int c = 0; c < in_channels; ++c)
      for (int u = 0; u < k; ++u)
        for (int v = 0; v < k; ++v)
          flipped[(std::size_t(c) * out_channels + o) * kk + (k - 1 - u) * k + (k - 1 - v)] =
              weights[(std::size_t(o) * in_channels + c) * kk + u * k + v];
}

template void CorrelateRows<float>(const CorrelationGeometry&, const float*, const float*, float*,
                                   int, int);
template void CorrelateRows<double>(const CorrelationGeometry&, const double*, const double*,
                                    double*, int, int);
template void FlipTranspose<float>(const float*, int, int, int, float*);
template void FlipTranspose<double>(const double*, int, int, int, double*);

}  // namespace bilevel
