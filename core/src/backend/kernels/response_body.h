// The bodies behind the seam's pointwise operations (backend/ops.h) on filter responses
// (n x J x plane), and the per-plane sums of its reductions: slot s of a launch works on image
// active[s]. backend/body_ops.h launches them, on a CUDA grid or in the host loop.
#pragma once

#include <cstddef>

#include "backend/host_device.h"
#include "backend/kernels/pointwise_maps.h"
#include "backend/kernels/vector_body.h"

namespace bilevel::kernels {

// out = m(z) for the Field of Experts' maps, or factor * z. Grid (plane, J, slots).
template <typename T>
struct ResponseMapBody {
  enum Kind { kFoeGradient, kFoeSecond, kFoeBound, kMultiply };
  Kind kind;
  int kernels;
  std::size_t plane;
  T nu;
  const T* scale;   // s_j (FoE kinds)
  const T* factor;  // kMultiply
  const int* active;
  const T* z;
  T* out;
  BILEVEL_HD void operator()(int p, int j, int slot) const {
    const std::size_t k =
        (std::size_t(active[slot]) * kernels + std::size_t(j)) * plane + std::size_t(p);
    switch (kind) {
      case kFoeGradient:
        out[k] = foe::WeightedPhiPrime(scale[j], z[k], nu * nu);
        break;
      case kFoeSecond:
        out[k] = foe::WeightedPhiSecond(scale[j], z[k], nu * nu);
        break;
      case kFoeBound:
        out[k] = scale[j] / nu * z[k];
        break;
      case kMultiply:
        out[k] = factor[k] * z[k];
        break;
    }
  }
};

// The Field of Experts' mixed derivative at each response z with kq the response to the
// direction: a = s_j phi''(z) kq, b = s_j phi'(z), and the terms phi'(z) kq and -z phi''(z) kq
// that are summed per plane. Grid (plane, J, slots); the terms are stored per slot.
template <typename T>
struct FoeMixedBody {
  int kernels;
  std::size_t plane;
  T nu;
  const T* scale;
  const int* active;
  const T* z;
  const T* kq;
  T* a;
  T* b;
  T* first;   // slots x J x plane
  T* smooth;  // slots x J x plane
  BILEVEL_HD void operator()(int p, int j, int slot) const {
    const std::size_t k =
        (std::size_t(active[slot]) * kernels + std::size_t(j)) * plane + std::size_t(p);
    const std::size_t t = (std::size_t(slot) * kernels + std::size_t(j)) * plane + std::size_t(p);
    T phi1, phi2;
    foe::PhiDerivatives(z[k], nu * nu, &phi1, &phi2);
    first[t] = phi1 * kq[k];
    smooth[t] = -(z[k] * phi2 * kq[k]);
    a[k] = scale[j] * phi2 * kq[k];
    b[k] = scale[j] * phi1;
  }
};

// phi(z) in double, stored per slot. Grid (plane, J, slots).
template <typename T>
struct FoePhiBody {
  int kernels;
  std::size_t plane;
  double nu;
  const int* active;
  const T* z;
  double* phi;  // slots x J x plane
  BILEVEL_HD void operator()(int p, int j, int slot) const {
    const std::size_t k =
        (std::size_t(active[slot]) * kernels + std::size_t(j)) * plane + std::size_t(p);
    phi[(std::size_t(slot) * kernels + std::size_t(j)) * plane + std::size_t(p)] =
        foe::Phi(double(z[k]), nu);
  }
};

// First pass of the sums of `planes` consecutive planes of `plane` values: partial[q * chunks +
// c] = the sum of chunk c of plane q, in double. Grid (Chunks(plane), planes, 1).
template <typename U>
struct PlaneSumPartialBody {
  std::size_t plane;
  const U* values;
  double* partial;
  BILEVEL_HD void operator()(int c, int q, int) const {
    const U* v = values + std::size_t(q) * plane;
    const std::size_t begin = std::size_t(c) * kChunk;
    const std::size_t end = begin + kChunk < plane ? begin + kChunk : plane;
    double sum = 0.0;
    for (std::size_t k = begin; k < end; ++k)
      sum += double(v[k]);
    partial[std::size_t(q) * std::size_t(Chunks(plane)) + std::size_t(c)] = sum;
  }
};

// Second pass: out[q * stride] = the partial sums of plane q in order. Grid (planes, 1, 1).
struct PlaneSumBody {
  int chunks;
  int stride;
  const double* partial;
  double* out;
  BILEVEL_HD void operator()(int q, int, int) const {
    double sum = 0.0;
    for (int c = 0; c < chunks; ++c)
      sum += partial[std::size_t(q) * std::size_t(chunks) + std::size_t(c)];
    out[std::size_t(q) * std::size_t(stride)] = sum;
  }
};

// out_i = a_i * b_i, value by value, for images of `size` values. Grid (size, 1, slots).
template <typename T>
struct ProductBody {
  std::size_t size;
  const int* active;
  const T* a;
  const T* b;
  T* out;
  BILEVEL_HD void operator()(int e, int, int slot) const {
    const std::size_t k = std::size_t(active[slot]) * size + std::size_t(e);
    out[k] = a[k] * b[k];
  }
};

}  // namespace bilevel::kernels
