// One value of a multi-channel correlation, its adjoint and its weight gradient, as index
// arithmetic: the bodies that a CUDA grid runs one thread per value and that the CPU tests run
// in a host loop (backend/host_launch.h) against the CPU's tiled kernels. With r = k / 2 and S the
// boundary rule's source index (boundary_index.h):
//
//   forward   z[o](y, x) = sum_c sum_{u,v} w[o][c][u][v] x[c](S(y + u - r), S(x + v - r))
//   adjoint   (K^T z)[c](y, x), gathered over the outputs whose reads land on (y, x)
//   weights   d<K x, z>/dw[o][c][u][v] = sum_{y,x} z[o](y, x) x[c](S(y + u - r), S(x + v - r))
//
// Images are C x H x W, weights out x in x k x k, all in C order; outputs have the input's size.
// Sums run in a fixed order, in the accumulator type A.
#pragma once

#include <cstddef>

#include "backend/host_device.h"
#include "backend/kernels/boundary_index.h"

namespace bilevel::kernels {

struct ConvGeometry {
  int in_channels = 1;
  int out_channels = 1;
  int h = 0, w = 0;
  int k = 1;  // odd
  bool reflect = true;
  BILEVEL_HD int radius() const { return k / 2; }
  BILEVEL_HD std::size_t plane() const { return std::size_t(h) * std::size_t(w); }
  BILEVEL_HD std::size_t weightIndex(int o, int c, int u, int v) const {
    return ((std::size_t(o) * in_channels + c) * k + u) * k + v;
  }
};

template <typename T, typename A = T>
BILEVEL_HD inline A CorrelatePoint(const ConvGeometry& g, const T* x, const T* w, int o, int y,
                                   int px) {
  const int r = g.radius();
  A sum = A(0);
  for (int c = 0; c < g.in_channels; ++c) {
    const T* xc = x + std::size_t(c) * g.plane();
    for (int u = 0; u < g.k; ++u) {
      const int sy = SourceIndex(y + u - r, g.h, g.reflect);
      if (sy < 0) continue;
      for (int v = 0; v < g.k; ++v) {
        const int sx = SourceIndex(px + v - r, g.w, g.reflect);
        if (sx < 0) continue;
        sum += A(w[g.weightIndex(o, c, u, v)]) * A(xc[std::size_t(sy) * g.w + sx]);
      }
    }
  }
  return sum;
}

// (K^T z)[c](y, x): every output (y', x') of channel o whose read at offset (u, v) lands on a
// padded position that the boundary rule maps to (y, x).
template <typename T, typename A = T>
BILEVEL_HD inline A CorrelateAdjointPoint(const ConvGeometry& g, const T* z, const T* w, int c,
                                          int y, int px) {
  const int r = g.radius();
  int rows[3], cols[3];
  const int nr = MirrorImages(y, g.h, r, g.reflect, rows);
  const int nc = MirrorImages(px, g.w, r, g.reflect, cols);
  A sum = A(0);
  for (int o = 0; o < g.out_channels; ++o) {
    const T* zo = z + std::size_t(o) * g.plane();
    for (int u = 0; u < g.k; ++u)
      for (int a = 0; a < nr; ++a) {
        const int oy = rows[a] - u + r;
        if (oy < 0 || oy >= g.h) continue;
        for (int v = 0; v < g.k; ++v) {
          const A wv = A(w[g.weightIndex(o, c, u, v)]);
          for (int b = 0; b < nc; ++b) {
            const int ox = cols[b] - v + r;
            if (ox < 0 || ox >= g.w) continue;
            sum += wv * A(zo[std::size_t(oy) * g.w + ox]);
          }
        }
      }
  }
  return sum;
}

template <typename T, typename A = double>
BILEVEL_HD inline A WeightGradientPoint(const ConvGeometry& g, const T* x, const T* z, int o, int c,
                                        int u, int v) {
  const int r = g.radius();
  const T* xc = x + std::size_t(c) * g.plane();
  const T* zo = z + std::size_t(o) * g.plane();
  A sum = A(0);
  for (int y = 0; y < g.h; ++y) {
    const int sy = SourceIndex(y + u - r, g.h, g.reflect);
    if (sy < 0) continue;
    for (int px = 0; px < g.w; ++px) {
      const int sx = SourceIndex(px + v - r, g.w, g.reflect);
      if (sx < 0) continue;
      sum += A(zo[std::size_t(y) * g.w + px]) * A(xc[std::size_t(sy) * g.w + sx]);
    }
  }
  return sum;
}

}  // namespace bilevel::kernels

namespace bilevel::kernels {

// The batched launches of the three bodies: one call per value over a grid of
// (x: columns, y: rows, z: slot x channel), the same on a CUDA grid and in HostLaunch. Images
// are consecutive in x and out (n images of in_channels x h x w, and of out_channels x h x w);
// slot s works on image active[s], or on image s when there is no active list.
BILEVEL_HD inline int ImageOfSlot(const int* active, int slot) {
  return active ? active[slot] : slot;
}

template <typename T>
struct CorrelateForwardBody {
  ConvGeometry g;
  const T* x;
  const T* w;
  T* z;
  const int* active = nullptr;
  bool add = false;  // z += K x
  BILEVEL_HD void operator()(int px, int y, int slot) const {
    const int n = ImageOfSlot(active, slot / g.out_channels), o = slot % g.out_channels;
    const T* xn = x + std::size_t(n) * g.in_channels * g.plane();
    const T value = CorrelatePoint(g, xn, w, o, y, px);
    T& at = z[(std::size_t(n) * g.out_channels + o) * g.plane() + std::size_t(y) * g.w + px];
    at = add ? at + value : value;
  }
};

template <typename T>
struct CorrelateAdjointBody {
  ConvGeometry g;
  const T* z;
  const T* w;
  T* out;
  const int* active = nullptr;
  bool add = false;  // out += K^T z
  BILEVEL_HD void operator()(int px, int y, int slot) const {
    const int n = ImageOfSlot(active, slot / g.in_channels), c = slot % g.in_channels;
    const T* zn = z + std::size_t(n) * g.out_channels * g.plane();
    const T value = CorrelateAdjointPoint(g, zn, w, c, y, px);
    T& at = out[(std::size_t(n) * g.in_channels + c) * g.plane() + std::size_t(y) * g.w + px];
    at = add ? at + value : value;
  }
};

// The weight gradient of <K x_n, z_n> (plus <K x2_n, z2_n> when x2 is given) of slot s's image
// into grad[s] (out x in x k x k values each, in double): the grid is (k * k, in_channels,
// slots * out_channels).
template <typename T>
struct WeightGradientBody {
  ConvGeometry g;
  const T* x;
  const T* z;
  double* grad;
  const int* active = nullptr;
  const T* x2 = nullptr;
  const T* z2 = nullptr;
  BILEVEL_HD void operator()(int uv, int c, int slot) const {
    const int s = slot / g.out_channels, o = slot % g.out_channels;
    const std::size_t n = std::size_t(ImageOfSlot(active, s));
    const std::size_t weights = std::size_t(g.out_channels) * g.in_channels * g.k * g.k;
    const std::size_t xo = n * g.in_channels * g.plane(), zo = n * g.out_channels * g.plane();
    double sum = WeightGradientPoint<T, double>(g, x + xo, z + zo, o, c, uv / g.k, uv % g.k);
    if (x2) sum += WeightGradientPoint<T, double>(g, x2 + xo, z2 + zo, o, c, uv / g.k, uv % g.k);
    grad[std::size_t(s) * weights + g.weightIndex(o, c, uv / g.k, uv % g.k)] = sum;
  }
};

}  // namespace bilevel::kernels
