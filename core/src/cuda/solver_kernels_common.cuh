// Device helpers shared by the solver kernels (vector_kernels.cu, fista_kernels.cu,
// cg_kernels.cu): block sizes, per-image chunks and reductions in a fixed order, and the lists
// of images still running.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "solver_kernels.cuh"
#include "solvers/solver_steps.h"

namespace bilevel::cuda {
namespace solver_detail {

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr std::size_t kChunkTarget = std::size_t(kThreads) * 16;  // floats per block, roughly
constexpr int kMaxBlocksPerImage = 128;
constexpr int kMaxSlots = 65535;  // gridDim.y

__device__ __forceinline__ int SlotImage(const ImageList& a, int slot) {
  if (a.count && slot >= *a.count) return -1;
  return a.list ? a.list[slot] : slot;
}

// The chunk [begin, end) of an image that block b handles.
__device__ __forceinline__ void Chunk(const VecDims& d, int b, std::size_t* begin,
                                      std::size_t* end) {
  const std::size_t chunk = (d.size + std::size_t(d.blocks) - 1) / std::size_t(d.blocks);
  *begin = std::size_t(b) * chunk;
  const std::size_t e = *begin + chunk;
  *end = e < d.size ? e : d.size;
}

// Sums of two values over the block (fixed order: warp shuffles, then the warps in order); the
// totals are valid in thread 0.
__device__ inline void BlockSum2(double* a, double* b) {
  __shared__ double sa[kWarps], sb[kWarps];
  double x = *a, y = *b;
  for (int off = 16; off > 0; off >>= 1) {
    x += __shfl_down_sync(0xffffffffu, x, off);
    y += __shfl_down_sync(0xffffffffu, y, off);
  }
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  if (lane == 0) {
    sa[warp] = x;
    sb[warp] = y;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    x = 0.0;
    y = 0.0;
    for (int k = 0; k < kWarps; ++k) {
      x += sa[k];
      y += sb[k];
    }
    *a = x;
    *b = y;
  }
  __syncthreads();
}

// Stores this block's K partial sums of image i (K <= kMaxSums, s[0..K-1]; warp shuffles, then the
// warps in order). Returns true in thread 0 of the image's last block to arrive, with s replaced by
// the totals over the blocks. The last block's first warp adds the partials (lane k takes blocks k,
// k + 32, ..., then a fixed shuffle tree), so the totals do not depend on the order in which blocks
// arrive.
template <int K>
__device__ inline bool LastBlockN(const Progress& pr, int blocks, int i, int b, double* s) {
  __shared__ double shared[K][kWarps];
  __shared__ int last;
  double v[K];
  for (int k = 0; k < K; ++k)
    v[k] = s[k];
  for (int off = 16; off > 0; off >>= 1)
    for (int k = 0; k < K; ++k)
      v[k] += __shfl_down_sync(0xffffffffu, v[k], off);
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  if (lane == 0)
    for (int k = 0; k < K; ++k)
      shared[k][warp] = v[k];
  __syncthreads();
  if (threadIdx.x == 0) {
    double* mine = pr.partial + (std::size_t(i) * blocks + b) * K;
    for (int k = 0; k < K; ++k) {
      double total = 0.0;
      for (int w = 0; w < kWarps; ++w)
        total += shared[k][w];
      mine[k] = total;
    }
    __threadfence();
    const unsigned before = atomicAdd(pr.arrivals + i, 1u);
    last = before == unsigned(blocks - 1);
  }
  __syncthreads();
  if (!last || threadIdx.x >= 32) return false;
  __threadfence();
  const volatile double* all = pr.partial + std::size_t(i) * blocks * K;
  double t[K];
  for (int k = 0; k < K; ++k)
    t[k] = 0.0;
  for (int j = int(threadIdx.x); j < blocks; j += 32)
    for (int k = 0; k < K; ++k)
      t[k] += all[K * j + k];
  for (int off = 16; off > 0; off >>= 1)
    for (int k = 0; k < K; ++k)
      t[k] += __shfl_down_sync(0xffffffffu, t[k], off);
  if (threadIdx.x != 0) return false;
  pr.arrivals[i] = 0;
  for (int k = 0; k < K; ++k)
    s[k] = t[k];
  return true;
}

// LastBlockN for two sums.
__device__ inline bool LastBlock(const Progress& pr, int blocks, int i, int b, double* s0,
                                 double* s1) {
  double s[2] = {*s0, *s1};
  if (!LastBlockN<2>(pr, blocks, i, b, s)) return false;
  *s0 = s[0];
  *s1 = s[1];
  return true;
}

__device__ __forceinline__ void Append(const Progress& pr, int i) {
  const int slot = atomicAdd(pr.next_count, 1);
  pr.next_list[slot] = i;
}

__device__ __forceinline__ void ClearNext(const Progress& pr) {
  if (pr.clear_count && blockIdx.x == 0 && blockIdx.y == 0 && threadIdx.x == 0) *pr.clear_count = 0;
}

inline bool Fits(const VecDims& d) {
  return d.n >= 0 && d.n <= kMaxSlots && d.blocks >= 1;
}

inline dim3 Grid(const VecDims& d) {
  return dim3(unsigned(d.blocks), unsigned(d.n));
}

}  // namespace solver_detail
}  // namespace bilevel::cuda
