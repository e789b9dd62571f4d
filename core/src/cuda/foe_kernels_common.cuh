// Device helpers shared by the Field of Experts kernels (foe_forward_kernels.cu,
// foe_adjoint_kernels.cu, foe_mixed_kernels.cu): tile sizes, boundary indexing, the pointwise
// maps, launch slots and the data term.
//
// The kernels: the forward correlation with a pointwise map, the adjoint (a gather
// over the zero-extended responses plus, for Reflect101, the fold of the padding frame), and the
// reductions of the mixed derivative.
//
// Forward (ForwardTiled): a block computes a 32 x 16 output tile of one image for a group of jb
// kernels. The input tile with its halo (padding rule applied while loading) and the group's
// weights sit in shared memory; each thread keeps 8 consecutive pixels x jb kernels of
// accumulators in registers and reuses each loaded input row segment for all k columns offsets.
//
// Adjoint: with w_j zero outside the image, G_c(P) = sum_j sum_{u,v} k_j[c,u,v] w_j(P - (u,v)) on
// the padded grid, and out = P^T G. For every pixel q the interior term is G(q + r) (AdjointTiled,
// a gather shaped like the forward pass); under Reflect101 the pixels near the border also receive
// G at their mirrored padding positions (FoldBorder: one thread per such pixel sums them in a fixed
// order, so results are bitwise reproducible). Zero padding has no fold.
//
// Every launch may be restricted to a device-side list of images (FoeDims::images); the adjoint
// adds the data term of the lower level in its epilogue (DataTerm).
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "backend/kernels/boundary_index.h"
#include "backend/kernels/pointwise_maps.h"
#include "foe_kernels.cuh"

namespace bilevel::cuda {
namespace foe_detail {

constexpr int kPX = 8;   // pixels per thread (one row)
constexpr int kTX = 4;   // threads across a tile row
constexpr int kTY = 16;  // tile rows (threads down)
constexpr int kTileW = kPX * kTX;
constexpr int kPitch = kTileW + 8;  // shared row pitch in floats (>= tile width + k - 1, k <= 9)
constexpr int kThreads = kTX * kTY;
constexpr int kLoadBatch = 8;      // global loads in flight per thread while filling a tile
constexpr int kMaxGridYZ = 65535;  // the largest gridDim.y and gridDim.z

__host__ __device__ inline int RoundUp4(int v) {
  return (v + 3) & ~3;
}

// Source index of padded index i (unpadded coordinates); -1 reads zero, also for a tile's
// overhang past the image.
__device__ __forceinline__ int Src(int i, int n, bool reflect) {
  return kernels::SourceIndex(i, n, reflect);
}

__device__ __forceinline__ float MapValue(FoeMap map, float z, float sj, float nu, float diag) {
  const float nu2 = nu * nu;
  switch (map) {
    case FoeMap::kGradient:
      return foe::WeightedPhiPrime(sj, z, nu2);
    case FoeMap::kHessian:
      return diag * z;
    case FoeMap::kBound:
      return (sj / nu) * z;
    case FoeMap::kPrepare:
      return foe::WeightedPhiSecond(sj, z, nu2);
    case FoeMap::kNone:
    default:
      return z;
  }
}

// The image of a launch slot, or -1 when the slot is past the active count.
__device__ __forceinline__ int SlotImage(const ImageList& a, int slot) {
  if (a.count && slot >= *a.count) return -1;
  return a.list ? a.list[slot] : slot;
}

// The same, read again (volatile, so that the compiler does not keep the first value live in a
// register through a long loop).
__device__ __forceinline__ int SlotImageAgain(const ImageList& a, int slot) {
  return a.list ? *static_cast<const volatile int*>(a.list + slot) : slot;
}

__device__ __forceinline__ bool HasData(const DataTerm& t) {
  return t.v != nullptr || t.y != nullptr;
}

// The data term at element e (see DataTerm).
__device__ __forceinline__ float DataValue(const DataTerm& t, std::size_t e) {
  const float v = t.v ? t.v[e] : 0.0f;
  float r = t.coef * v;
  if (t.mask) {
    const float m = t.mask[e];
    r += m * (m * v - (t.y ? t.y[e] : 0.0f));
  } else if (t.y) {
    r -= t.y[e];
  }
  return r;
}

inline bool TiledK(int k) {
  return k == 3 || k == 5 || k == 7;
}

inline unsigned Blocks(std::size_t total, int threads) {
  return unsigned((total + std::size_t(threads) - 1) / std::size_t(threads));
}

}  // namespace foe_detail
}  // namespace bilevel::cuda
