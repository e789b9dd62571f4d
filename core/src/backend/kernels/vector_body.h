// The per-image vector operations of the solvers as kernel bodies, on the images of an active
// list: y_i = alpha_i x_i + beta_i y_i, copies, zeros, and dot products and norms reduced in a
// fixed order (chunks of kChunk values summed in sequence, then the chunks in sequence), so that
// a result does not depend on the launch. The CUDA backend runs them on a grid, the CPU tests in a
// host loop; slot k of a launch is image active[k].
#pragma once

#include <cstddef>

#include "backend/host_device.h"
#include "backend/kernels/solver_steps.h"

namespace bilevel::kernels {

// Values per partial sum of a reduction.
constexpr int kChunk = 1024;

BILEVEL_HD inline int Chunks(std::size_t size) {
  return int((size + kChunk - 1) / kChunk);
}

// The values [begin, end) of chunk c of image `image` in a batch of images of `size` values.
struct ChunkSpan {
  std::size_t begin, end;
};
BILEVEL_HD inline ChunkSpan ChunkOf(std::size_t size, int image, int c) {
  const std::size_t base = std::size_t(image) * size, begin = std::size_t(c) * kChunk;
  return {base + begin, base + (begin + kChunk < size ? begin + kChunk : size)};
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
    const ChunkSpan span = ChunkOf(size, active[slot], c);
    double sum = 0.0;
    for (std::size_t k = span.begin; k < span.end; ++k)
      sum += double(a[k]) * double(b[k]);
    partial[std::size_t(slot) * std::size_t(Chunks(size)) + std::size_t(c)] = sum;
  }
};

// Second pass: out[active[slot]] (out[slot] when active is null) = the partial sums of the slot
// in order, or their square root. Grid (1, 1, active count).
struct ReduceBody {
  int chunks;
  const int* active;
  const double* partial;
  bool root;
  double* out;  // per image, or per slot
  BILEVEL_HD void operator()(int, int, int slot) const {
    double sum = 0.0;
    for (int c = 0; c < chunks; ++c)
      sum += partial[std::size_t(slot) * std::size_t(chunks) + std::size_t(c)];
    out[active ? active[slot] : slot] = root ? hd::Sqrt(sum) : sum;
  }
};

// FISTA's step (backend/ops.h fistaStep), its decisions in bodies so that the state crosses to
// the host once per step.
// First pass of the secants: partial[slot * chunks + c] = the sum over chunk c of
// (g - gp)^2 and partial[(count + slot) * chunks + c] of (y - yp)^2, in double; then gp = g
// and yp = y there. Grid (Chunks(size), 1, active count).
template <typename T>
struct SecantPartialBody {
  std::size_t size;
  int count;
  const int* active;
  const T* g;
  T* gp;
  const T* y;
  T* yp;
  double* partial;
  BILEVEL_HD void operator()(int c, int, int slot) const {
    const ChunkSpan span = ChunkOf(size, active[slot], c);
    double dg = 0.0, dy = 0.0;
    for (std::size_t k = span.begin; k < span.end; ++k) {
      const double a = double(g[k]) - double(gp[k]), b = double(y[k]) - double(yp[k]);
      dg += a * a;
      dy += b * b;
      gp[k] = g[k];
      yp[k] = y[k];
    }
    const std::size_t chunks = std::size_t(Chunks(size));
    partial[std::size_t(slot) * chunks + std::size_t(c)] = dg;
    partial[std::size_t(count + slot) * chunks + std::size_t(c)] = dy;
  }
};

// FISTA's per-image state on the device (backend/ops.h FistaState): rows of `count` values, by
// slot.
struct FistaRows {
  double* state;
  int count;
  BILEVEL_HD double& at(int row, int slot) const { return state[std::size_t(row) * count + slot]; }
  enum Row { kLipschitz, kMomentum, kT, kGrown, kMu, kYNorm, kSecant, kBeta, kRows };
};

// The secant test, one image per index (grid (count, 1, 1)), from the secant sums (dg^2 of every
// slot, then dy^2): L grows and the momentum follows where the test says so.
struct FistaLipschitzBody {
  FistaRows rows;
  const double* sums;
  double precision, safety;
  bool strongly_convex_momentum;
  BILEVEL_HD void operator()(int slot, int, int) const {
    rows.at(FistaRows::kGrown, slot) = 0.0;
    if (rows.at(FistaRows::kSecant, slot) == 0.0) return;
    double& lipschitz = rows.at(FistaRows::kLipschitz, slot);
    const double grown =
        steps::FistaSafeLipschitz(hd::Sqrt(sums[slot]), hd::Sqrt(sums[rows.count + slot]),
                                  rows.at(FistaRows::kYNorm, slot), precision, lipschitz, safety);
    if (!(grown > lipschitz)) return;
    lipschitz = grown;
    rows.at(FistaRows::kGrown, slot) = 1.0;
    rows.at(FistaRows::kMomentum, slot) = steps::StronglyConvexMomentum(
        strongly_convex_momentum, grown, rows.at(FistaRows::kMu, slot));
  }
};

// g = y - g / L. Grid (size, 1, active count).
template <typename T>
struct FistaMoveBody {
  std::size_t size;
  const int* active;
  FistaRows rows;
  const T* y;
  T* g;
  BILEVEL_HD void operator()(int e, int, int slot) const {
    const std::size_t k = std::size_t(active[slot]) * size + std::size_t(e);
    g[k] = y[k] - g[k] * T(1.0 / rows.at(FistaRows::kLipschitz, slot));
  }
};

// The restart and the extrapolation weight, one image per index (grid (count, 1, 1)), from the
// restart products <y - g, g - x>.
struct FistaRestartBody {
  FistaRows rows;
  const double* products;
  bool adaptive_restart;
  BILEVEL_HD void operator()(int slot, int, int) const {
    const bool restart =
        rows.at(FistaRows::kGrown, slot) != 0.0 || (adaptive_restart && products[slot] > 0.0);
    rows.at(FistaRows::kBeta, slot) = steps::FistaExtrapolation(
        restart, rows.at(FistaRows::kMomentum, slot), &rows.at(FistaRows::kT, slot));
  }
};

// First pass of <y - g, g - x> (after the move), as DotPartialBody. Grid (Chunks(size), 1, count).
template <typename T>
struct RestartPartialBody {
  std::size_t size;
  const int* active;
  const T* y;
  const T* g;
  const T* x;
  double* partial;
  BILEVEL_HD void operator()(int c, int, int slot) const {
    const ChunkSpan span = ChunkOf(size, active[slot], c);
    double sum = 0.0;
    for (std::size_t k = span.begin; k < span.end; ++k)
      sum += (double(y[k]) - double(g[k])) * (double(g[k]) - double(x[k]));
    partial[std::size_t(slot) * std::size_t(Chunks(size)) + std::size_t(c)] = sum;
  }
};

// y = g + beta (g - x), then x = g. Grid (size, 1, active count).
template <typename T>
struct ExtrapolateBody {
  std::size_t size;
  const int* active;
  FistaRows rows;
  const T* g;
  T* x;
  T* y;
  BILEVEL_HD void operator()(int e, int, int slot) const {
    const std::size_t k = std::size_t(active[slot]) * size + std::size_t(e);
    y[k] = g[k] + T(rows.at(FistaRows::kBeta, slot)) * (g[k] - x[k]);
    x[k] = g[k];
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
