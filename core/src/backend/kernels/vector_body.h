// The per-image vector operations of the solvers as kernel bodies, on the images of an active
// list: y_i = alpha_i x_i + beta_i y_i, copies, zeros, and dot products and norms reduced in a
// fixed order (chunks of kChunk values summed in sequence, then the chunks in sequence), so that
// a result does not depend on the launch. The CUDA backend runs them on a grid, the CPU tests in a
// host loop; slot k of a launch is image active[k].
#pragma once

#include <cstddef>

#include "backend/host_device.h"

namespace bilevel::kernels {

// Values per partial sum of a reduction.
constexpr int kChunk = 1024;

BILEVEL_HD inline int Chunks(std::size_t size) {
  return int((size + kChunk - 1) / kChunk);
}

// Grid (size, 1, active count).
template <typename T>
struct AxpbyBody {
  std::size_t size;  // values per image
  const int* active;
  const double* alpha;  // per image (indexed by image, not slot)
  const double* beta;
  const T* x;
  T* y;
  BILEVEL_HD void operator()(int e, int, int slot) const {
    const int i = active[slot];
    const std::size_t k = std::size_t(i) * size + std::size_t(e);
    y[k] = T(alpha[i]) * x[k] + T(beta[i]) * y[k];
  }
};

// dst_i = src_i, or zero when src is null. Grid (size, 1, active count).
template <typename T>
struct CopyBody {
  std::size_t size;
  const int* active;
  const T* src;
  T* dst;
  BILEVEL_HD void operator()(int e, int, int slot) const {
    const std::size_t k = std::size_t(active[slot]) * size + std::size_t(e);
    dst[k] = src ? src[k] : T(0);
  }
};

// First pass of <a_i, b_i>: partial[slot * chunks + c] = the sum over chunk c, in double.
// Grid (Chunks(size), 1, active count).
template <typename T>
struct DotPartialBody {
  std::size_t size;
  const int* active;
  const T* a;
  const T* b;
  double* partial;
  BILEVEL_HD void operator()(int c, int, int slot) const {
    const std::size_t base = std::size_t(active[slot]) * size;
    const std::size_t begin = std::size_t(c) * kChunk;
    const std::size_t end = begin + kChunk < size ? begin + kChunk : size;
    double sum = 0.0;
    for (std::size_t k = begin; k < end; ++k)
      sum += double(a[base + k]) * double(b[base + k]);
    partial[std::size_t(slot) * std::size_t(Chunks(size)) + std::size_t(c)] = sum;
  }
};

// Second pass: out[active[slot]] = the partial sums of the slot in order, or their square root.
// Grid (1, 1, active count).
struct ReduceBody {
  int chunks;
  const int* active;
  const double* partial;
  bool root;
  double* out;  // per image
  BILEVEL_HD void operator()(int, int, int slot) const {
    double sum = 0.0;
    for (int c = 0; c < chunks; ++c)
      sum += partial[std::size_t(slot) * std::size_t(chunks) + std::size_t(c)];
    out[active[slot]] = root ? hd::Sqrt(sum) : sum;
  }
};

// out_i = a_i b_i + c_i d_i, x_i = value, y_i += x_i: value by value on the listed images.
// Grid (size, 1, active count).
template <typename T>
struct MultiplyAddBody {
  std::size_t size;
  const int* active;
  const T* a;
  const T* b;
  const T* c;
  const T* d;
  T* out;
  BILEVEL_HD void operator()(int e, int, int slot) const {
    const std::size_t k = std::size_t(active[slot]) * size + std::size_t(e);
    out[k] = a[k] * b[k] + c[k] * d[k];
  }
};

template <typename T>
struct FillBody {
  std::size_t size;
  const int* active;
  T value;
  T* x;
  BILEVEL_HD void operator()(int e, int, int slot) const {
    x[std::size_t(active[slot]) * size + std::size_t(e)] = value;
  }
};

template <typename T>
struct AddBody {
  std::size_t size;
  const int* active;
  const T* x;
  T* y;
  BILEVEL_HD void operator()(int e, int, int slot) const {
    const std::size_t k = std::size_t(active[slot]) * size + std::size_t(e);
    y[k] += x[k];
  }
};

}  // namespace bilevel::kernels
