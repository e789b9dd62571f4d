// Field of Experts kernels: the forward correlation with a pointwise map, the adjoint (a gather
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
#include <cuda_runtime.h>

#include <cstdint>

#include <cstdlib>
#include "regularizers/foe_maps.h"

#include "foe_kernels.cuh"

namespace bilevel::cuda {
namespace {

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

// Source index of padded index i (unpadded coordinates, i in [-r, n + r)); -1 reads zero.
// Indices outside that range (tile overhang past the image) also read zero.
__device__ __forceinline__ int Src(int i, int n, bool reflect) {
  if (i >= 0 && i < n) return i;
  if (!reflect) return -1;
  const int j = i < 0 ? -i : 2 * n - 2 - i;
  return (j >= 0 && j < n) ? j : -1;
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

// ------------------------------------------------------------------------------------------
// Forward

template <int K, int JB>
__global__ void __launch_bounds__(kThreads)
    ForwardTiled(FoeDims d, const float* __restrict__ x, const float* __restrict__ wf,
                 const float* __restrict__ scale, float nu, FoeMap map,
                 const float* __restrict__ diag, float* __restrict__ out) {
  extern __shared__ float4 smem4[];
  float* smem = reinterpret_cast<float*>(smem4);
  constexpr int R = K / 2;
  constexpr int TH = kTY + K - 1;
  constexpr int NLOAD = (kPX + K - 1 + 3) / 4;
  constexpr int JBP = (JB + 3) / 4 * 4;
  const int groups = (d.J + JB - 1) / JB;
  const int g = blockIdx.z % groups;
  const int slot = d.first_slot + int(blockIdx.z) / groups;
  if (SlotImage(d.images, slot) < 0) return;
  const int x0 = blockIdx.x * kTileW, y0 = blockIdx.y * kTY;
  const int C = d.c;
  const int nw = C * K * K * JBP;
  float* sw = smem;
  float* sx = smem + nw;
  const int tid = threadIdx.y * kTX + threadIdx.x;

  const float* wg = wf + std::size_t(g) * nw;
  for (int t = tid; t < nw; t += kThreads)
    sw[t] = wg[t];
  const float* xi = x + std::size_t(SlotImage(d.images, slot)) * C * d.h * d.w;
  const int tile = C * TH * kPitch;
  // kLoadBatch independent loads in flight per thread before the shared stores.
  for (int t0 = tid; t0 < tile; t0 += kThreads * kLoadBatch) {
    float vals[kLoadBatch];
#pragma unroll
    for (int b = 0; b < kLoadBatch; ++b) {
      const int t = t0 + b * kThreads;
      const int col = t % kPitch, rest = t / kPitch;
      const int row = rest % TH, c = rest / TH;
      float v = 0.0f;
      if (t < tile && col < kTileW + K - 1) {
        const int sy = Src(y0 + row - R, d.h, d.reflect);
        const int sxx = Src(x0 + col - R, d.w, d.reflect);
        if (sy >= 0 && sxx >= 0) v = __ldg(xi + (std::size_t(c) * d.h + sy) * d.w + sxx);
      }
      vals[b] = v;
    }
#pragma unroll
    for (int b = 0; b < kLoadBatch; ++b)
      if (t0 + b * kThreads < tile) sx[t0 + b * kThreads] = vals[b];
  }
  __syncthreads();

  const int tx = threadIdx.x, ty = threadIdx.y;
  float acc[JB][kPX];
#pragma unroll
  for (int j = 0; j < JB; ++j)
#pragma unroll
    for (int p = 0; p < kPX; ++p)
      acc[j][p] = 0.0f;

  for (int c = 0; c < C; ++c) {
    // u stays a loop: unrolling it too makes the code outgrow the instruction cache.
#pragma unroll 1
    for (int u = 0; u < K; ++u) {
      const float4* row =
          reinterpret_cast<const float4*>(sx + (c * TH + ty + u) * kPitch + tx * kPX);
      float in[NLOAD * 4];
#pragma unroll
      for (int l = 0; l < NLOAD; ++l) {
        const float4 t4 = row[l];
        in[4 * l] = t4.x;
        in[4 * l + 1] = t4.y;
        in[4 * l + 2] = t4.z;
        in[4 * l + 3] = t4.w;
      }
#pragma unroll
      for (int v = 0; v < K; ++v) {
        const float* wv = sw + ((c * K + u) * K + v) * JBP;
        float wr[JBP];
#pragma unroll
        for (int j = 0; j < JBP; j += 4) {
          const float4 t4 = *reinterpret_cast<const float4*>(wv + j);
          wr[j] = t4.x;
          wr[j + 1] = t4.y;
          wr[j + 2] = t4.z;
          wr[j + 3] = t4.w;
        }
#pragma unroll
        for (int j = 0; j < JB; ++j)
#pragma unroll
          for (int p = 0; p < kPX; ++p)
            acc[j][p] = fmaf(wr[j], in[p + v], acc[j][p]);
      }
    }
  }

  const int y = y0 + ty, xb = x0 + tx * kPX;
  if (y >= d.h || xb >= d.w) return;
  const int i = SlotImageAgain(d.images, slot);
  const bool vec = (d.w % 4 == 0) && (xb + kPX <= d.w);
#pragma unroll
  for (int j = 0; j < JB; ++j) {
    const int jj = g * JB + j;
    if (jj >= d.J) break;
    const float sj = scale[jj];
    const std::size_t base = ((std::size_t(i) * d.J + jj) * d.h + y) * d.w + xb;
    float dg[kPX];
    if (map == FoeMap::kHessian) {
      if (vec) {
        const float4 a = *reinterpret_cast<const float4*>(diag + base);
        const float4 b = *reinterpret_cast<const float4*>(diag + base + 4);
        dg[0] = a.x, dg[1] = a.y, dg[2] = a.z, dg[3] = a.w;
        dg[4] = b.x, dg[5] = b.y, dg[6] = b.z, dg[7] = b.w;
      } else {
#pragma unroll
        for (int p = 0; p < kPX; ++p)
          dg[p] = xb + p < d.w ? diag[base + p] : 0.0f;
      }
    } else {
#pragma unroll
      for (int p = 0; p < kPX; ++p)
        dg[p] = 0.0f;
    }
    float val[kPX];
#pragma unroll
    for (int p = 0; p < kPX; ++p)
      val[p] = MapValue(map, acc[j][p], sj, nu, dg[p]);
    if (vec) {
      *reinterpret_cast<float4*>(out + base) = make_float4(val[0], val[1], val[2], val[3]);
      *reinterpret_cast<float4*>(out + base + 4) = make_float4(val[4], val[5], val[6], val[7]);
    } else {
#pragma unroll
      for (int p = 0; p < kPX; ++p)
        if (xb + p < d.w) out[base + p] = val[p];
    }
  }
}

// Any k, C and J: one thread per output value.
__global__ void ForwardGeneric(FoeDims d, const float* __restrict__ x, const float* __restrict__ wk,
                               const float* __restrict__ scale, float nu, FoeMap map,
                               const float* __restrict__ diag, float* __restrict__ out) {
  const std::size_t total = std::size_t(d.n) * d.J * d.h * d.w;
  const std::size_t idx = std::size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= total) return;
  const int px = int(idx % d.w), py = int(idx / d.w % d.h);
  const int j = int(idx / (std::size_t(d.w) * d.h) % d.J);
  const int i = SlotImage(d.images, int(idx / (std::size_t(d.w) * d.h * d.J)));
  if (i < 0) return;
  const std::size_t at = ((std::size_t(i) * d.J + j) * d.h + py) * d.w + px;
  const int K = d.k, R = K / 2;
  float z = 0.0f;
  for (int c = 0; c < d.c; ++c) {
    const float* xc = x + (std::size_t(i) * d.c + c) * d.h * d.w;
    const float* wc = wk + (std::size_t(j) * d.c + c) * K * K;
    for (int u = 0; u < K; ++u) {
      const int sy = Src(py + u - R, d.h, d.reflect);
      if (sy < 0) continue;
      for (int v = 0; v < K; ++v) {
        const int sxx = Src(px + v - R, d.w, d.reflect);
        if (sxx >= 0) z = fmaf(wc[u * K + v], xc[std::size_t(sy) * d.w + sxx], z);
      }
    }
  }
  out[at] = MapValue(map, z, scale[j], nu, map == FoeMap::kHessian ? diag[at] : 0.0f);
}

// ------------------------------------------------------------------------------------------
// Adjoint

constexpr int kAdjChunk = 16;        // most kernels whose response tiles share memory at once
constexpr int kAdjChunkDefault = 4;  // measured best on an H100 (more blocks per SM)

template <int K, int C>
__global__ void __launch_bounds__(kThreads)
    AdjointTiled(FoeDims d, const float* __restrict__ w, const float* __restrict__ wa, int chunk,
                 DataTerm data, float* __restrict__ out) {
  extern __shared__ float4 smem4[];
  float* smem = reinterpret_cast<float*>(smem4);
  constexpr int R = K / 2;
  constexpr int TH = kTY + K - 1;
  constexpr int NLOAD = (kPX + K - 1 + 3) / 4;
  const int J = d.J;
  const int i = SlotImage(d.images, blockIdx.z);
  if (i < 0) return;
  const int x0 = blockIdx.x * kTileW, y0 = blockIdx.y * kTY;
  const int nw = J * K * K * 4;  // wa4: J x k x k x 4 (channels padded to 4)
  float* sw = smem;
  float* st = smem + nw;
  const int tid = threadIdx.y * kTX + threadIdx.x;
  for (int t = tid; t < nw; t += kThreads)
    sw[t] = wa[t];

  const int tx = threadIdx.x, ty = threadIdx.y;
  float acc[C][kPX];
#pragma unroll
  for (int c = 0; c < C; ++c)
#pragma unroll
    for (int p = 0; p < kPX; ++p)
      acc[c][p] = 0.0f;

  const std::size_t plane = std::size_t(d.h) * d.w;
  for (int j0 = 0; j0 < J; j0 += chunk) {
    const int jn = min(chunk, J - j0);
    __syncthreads();  // the previous chunk is consumed
    const int tile = jn * TH * kPitch;
    for (int t0 = tid; t0 < tile; t0 += kThreads * kLoadBatch) {
      float vals[kLoadBatch];
#pragma unroll
      for (int b = 0; b < kLoadBatch; ++b) {
        const int t = t0 + b * kThreads;
        const int col = t % kPitch, rest = t / kPitch;
        const int row = rest % TH, jl = rest / TH;
        const int wy = y0 - R + row, wx = x0 - R + col;
        float v = 0.0f;
        if (t < tile && col < kTileW + K - 1 && wy >= 0 && wy < d.h && wx >= 0 && wx < d.w)
          v = __ldg(w + (std::size_t(i) * J + j0 + jl) * plane + std::size_t(wy) * d.w + wx);
        vals[b] = v;
      }
#pragma unroll
      for (int b = 0; b < kLoadBatch; ++b)
        if (t0 + b * kThreads < tile) st[t0 + b * kThreads] = vals[b];
    }
    __syncthreads();
    for (int jl = 0; jl < jn; ++jl) {
      const float* wj = sw + (j0 + jl) * K * K * 4;
#pragma unroll 1
      for (int u = 0; u < K; ++u) {
        const float4* row =
            reinterpret_cast<const float4*>(st + (jl * TH + ty + K - 1 - u) * kPitch + tx * kPX);
        float in[NLOAD * 4];
#pragma unroll
        for (int l = 0; l < NLOAD; ++l) {
          const float4 t4 = row[l];
          in[4 * l] = t4.x;
          in[4 * l + 1] = t4.y;
          in[4 * l + 2] = t4.z;
          in[4 * l + 3] = t4.w;
        }
#pragma unroll
        for (int v = 0; v < K; ++v) {
          float wr[4];
          if constexpr (C > 1) {
            const float4 t4 = *reinterpret_cast<const float4*>(wj + (u * K + v) * 4);
            wr[0] = t4.x;
            wr[1] = t4.y;
            wr[2] = t4.z;
            wr[3] = t4.w;
          } else {
            wr[0] = wj[(u * K + v) * 4];
          }
#pragma unroll
          for (int c = 0; c < C; ++c)
#pragma unroll
            for (int p = 0; p < kPX; ++p)
              acc[c][p] = fmaf(wr[c], in[p + K - 1 - v], acc[c][p]);
        }
      }
    }
  }

  const int y = y0 + ty, xb = x0 + tx * kPX;
  if (y >= d.h || xb >= d.w) return;
  const bool vec = (d.w % 4 == 0) && (xb + kPX <= d.w);
  if (HasData(data)) {
#pragma unroll
    for (int c = 0; c < C; ++c) {
      const std::size_t e = (std::size_t(i) * C + c) * plane + std::size_t(y) * d.w + xb;
#pragma unroll
      for (int p = 0; p < kPX; ++p)
        if (xb + p < d.w) acc[c][p] += DataValue(data, e + p);
    }
  }
#pragma unroll
  for (int c = 0; c < C; ++c) {
    float* o = out + (std::size_t(i) * C + c) * plane + std::size_t(y) * d.w + xb;
    if (vec) {
      *reinterpret_cast<float4*>(o) = make_float4(acc[c][0], acc[c][1], acc[c][2], acc[c][3]);
      *reinterpret_cast<float4*>(o + 4) = make_float4(acc[c][4], acc[c][5], acc[c][6], acc[c][7]);
    } else {
#pragma unroll
      for (int p = 0; p < kPX; ++p)
        if (xb + p < d.w) o[p] = acc[c][p];
    }
  }
}

// Any k, C and J: out_c(q) = G_c(q + r), one thread per output value.
__global__ void AdjointGeneric(FoeDims d, const float* __restrict__ w, const float* __restrict__ wa,
                               DataTerm data, float* __restrict__ out) {
  const std::size_t total = std::size_t(d.n) * d.c * d.h * d.w;
  const std::size_t idx = std::size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= total) return;
  const int qx = int(idx % d.w), qy = int(idx / d.w % d.h);
  const int c = int(idx / (std::size_t(d.w) * d.h) % d.c);
  const int i = SlotImage(d.images, int(idx / (std::size_t(d.w) * d.h * d.c)));
  if (i < 0) return;
  const std::size_t at = ((std::size_t(i) * d.c + c) * d.h + qy) * d.w + qx;
  const int K = d.k, R = K / 2, C = d.c;
  const std::size_t plane = std::size_t(d.h) * d.w;
  float g = 0.0f;
  for (int j = 0; j < d.J; ++j) {
    const float* wj = w + (std::size_t(i) * d.J + j) * plane;
    for (int u = 0; u < K; ++u) {
      const int wy = qy + R - u;
      if (wy < 0 || wy >= d.h) continue;
      for (int v = 0; v < K; ++v) {
        const int wx = qx + R - v;
        if (wx >= 0 && wx < d.w)
          g = fmaf(wa[((std::size_t(j) * K + u) * K + v) * C + c], wj[std::size_t(wy) * d.w + wx],
                   g);
      }
    }
  }
  out[at] = HasData(data) ? g + DataValue(data, at) : g;
}

// Reflect101: the pixels q whose row or column has a mirrored padding position (1 <= q <= r or
// n-1-r <= q <= n-2) also receive G at those positions. BorderBand enumerates them: first every
// pixel of the band rows, then the band columns of the other rows. A block holds 32 pixels x
// kFoldLanes lanes that split the kernels j; the lanes' partial sums are added in a fixed order
// and the total is added to the pixel (one thread per pixel, no atomics).
constexpr int kFoldLanes = 4;

struct BorderBand {
  int ay = 0, by = 0, nby = 0;  // band rows [1, ay] and [by, h-2], nby of them
  int ax = 0, bx = 0, nbx = 0;  // band columns likewise
  int total = 0;                // nby * w + (h - nby) * nbx
};

BorderBand MakeBand(int h, int w, int r) {
  BorderBand b;
  auto axis = [r](int n, int* a, int* bb, int* count) {
    *a = r < n - 2 ? r : n - 2;
    *bb = n - 1 - r > *a + 1 ? n - 1 - r : *a + 1;
    *count = *a + (n - 2 - *bb + 1 > 0 ? n - 2 - *bb + 1 : 0);
    if (*a < 1) *count = 0;
  };
  axis(h, &b.ay, &b.by, &b.nby);
  axis(w, &b.ax, &b.bx, &b.nbx);
  b.total = b.nby * w + (h - b.nby) * b.nbx;
  return b;
}

__device__ __forceinline__ int BandIndex(int j, int a, int b) {
  return j < a ? 1 + j : b + (j - a);
}
__device__ __forceinline__ int OutsideBandIndex(int j, int a, int b, int n) {
  return j == 0 ? 0 : (j <= b - 1 - a ? a + j : n - 1);
}

// The padded positions (unpadded coordinates in [-r, n + r)) that read pixel q: q itself first.
__device__ __forceinline__ int Preimages(int q, int n, int r, int* out) {
  int m = 0;
  out[m++] = q;
  if (q >= 1 && q <= r) out[m++] = -q;
  if (q >= n - 1 - r && q <= n - 2) out[m++] = 2 * n - 2 - q;
  return m;
}

template <int KT>
__global__ void __launch_bounds__(32 * kFoldLanes)
    FoldBorder(FoeDims d, BorderBand band, const float* __restrict__ w,
               const float* __restrict__ wa, float* __restrict__ out) {
  __shared__ float part[kFoldLanes][32][4];
  const int K = KT > 0 ? KT : d.k, R = K / 2, C = d.c;
  const int i = SlotImage(d.images, blockIdx.y);
  if (i < 0) return;  // uniform over the block
  const int t = blockIdx.x * 32 + threadIdx.x, lane = threadIdx.y;
  const bool valid = t < band.total;
  int qy = 0, qx = 0;
  if (valid) {
    if (t < band.nby * d.w) {
      qy = BandIndex(t / d.w, band.ay, band.by);
      qx = t % d.w;
    } else {
      const int u = t - band.nby * d.w;
      qy = OutsideBandIndex(u / band.nbx, band.ay, band.by, d.h);
      qx = BandIndex(u % band.nbx, band.ax, band.bx);
    }
  }
  int ys[3], xs[3];
  const int nys = Preimages(qy, d.h, R, ys), nxs = Preimages(qx, d.w, R, xs);
  const std::size_t plane = std::size_t(d.h) * d.w;
  for (int c0 = 0; c0 < C; c0 += 4) {
    float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    if (valid) {
      for (int j = lane; j < d.J; j += kFoldLanes) {
        const float* wj = w + (std::size_t(i) * d.J + j) * plane;
        const float* wk = wa + std::size_t(j) * K * K * C;
        for (int a = 0; a < nys; ++a) {
          for (int b = 0; b < nxs; ++b) {
            if (a == 0 && b == 0) continue;  // the interior term, written by the adjoint
            const int py = ys[a] + R, px = xs[b] + R;
            const int u0 = max(0, py - d.h + 1), u1 = min(K - 1, py);
            const int v0 = max(0, px - d.w + 1), v1 = min(K - 1, px);
            for (int u = u0; u <= u1; ++u) {
              const float* wrow = wj + std::size_t(py - u) * d.w + px;
              const float* ww = wk + std::size_t(u) * K * C;
              for (int v = v0; v <= v1; ++v) {
                const float val = __ldg(wrow - v);
#pragma unroll
                for (int cc = 0; cc < 4; ++cc)
                  if (c0 + cc < C) acc[cc] = fmaf(__ldg(ww + v * C + c0 + cc), val, acc[cc]);
              }
            }
          }
        }
      }
    }
#pragma unroll
    for (int cc = 0; cc < 4; ++cc)
      part[lane][threadIdx.x][cc] = acc[cc];
    __syncthreads();
    if (lane == 0 && valid) {
      for (int cc = 0; cc < 4 && c0 + cc < C; ++cc) {
        float g = 0.0f;
        for (int l = 0; l < kFoldLanes; ++l)
          g += part[l][threadIdx.x][cc];
        out[(std::size_t(i) * C + c0 + cc) * plane + std::size_t(qy) * d.w + qx] += g;
      }
    }
    __syncthreads();
  }
}

__global__ void FillKernel(float* data, std::size_t count, float value) {
  const std::size_t stride = std::size_t(gridDim.x) * blockDim.x;
  for (std::size_t k = std::size_t(blockIdx.x) * blockDim.x + threadIdx.x; k < count; k += stride)
    data[k] = value;
}

// ------------------------------------------------------------------------------------------
// Mixed derivative reductions (double accumulation, one block per output value and image).

constexpr int kReduceThreads = 256;

__device__ double BlockSum(double v, double* shared) {
  for (int off = 16; off > 0; off >>= 1)
    v += __shfl_down_sync(0xffffffffu, v, off);
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  __syncthreads();
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  double total = 0.0;
  if (threadIdx.x == 0)
    for (int k = 0; k < int(blockDim.x / 32); ++k)
      total += shared[k];
  return total;  // valid in thread 0
}

__global__ void __launch_bounds__(kReduceThreads)
    MixedDots(FoeDims d, float nu, const float* __restrict__ z, const float* __restrict__ kq,
              double* __restrict__ dots) {
  __shared__ double red[kReduceThreads / 32];
  const int j = blockIdx.x, i = blockIdx.y;
  const std::size_t plane = std::size_t(d.h) * d.w;
  const float* zj = z + (std::size_t(i) * d.J + j) * plane;
  const float* kj = kq + (std::size_t(i) * d.J + j) * plane;
  const float nu2 = nu * nu;
  double dphi = 0.0, ds = 0.0;
  for (std::size_t p = threadIdx.x; p < plane; p += blockDim.x) {
    const float zp = zj[p];
    float phi1, phi2;
    foe::PhiDerivatives(zp, nu2, &phi1, &phi2);
    dphi += double(phi1 * kj[p]);
    ds -= double(zp * phi2 * kj[p]);
  }
  dphi = BlockSum(dphi, red);
  ds = BlockSum(ds, red);
  if (threadIdx.x == 0) {
    dots[(std::size_t(i) * d.J + j) * 2] = dphi;
    dots[(std::size_t(i) * d.J + j) * 2 + 1] = ds;
  }
}

__global__ void __launch_bounds__(kReduceThreads)
    MixedKernelGrad(FoeDims d, const float* __restrict__ scale, float nu,
                    const float* __restrict__ x, const float* __restrict__ q,
                    const float* __restrict__ z, const float* __restrict__ kq,
                    double* __restrict__ kgrad) {
  __shared__ double red[kReduceThreads / 32];
  const int K = d.k, R = K / 2, C = d.c;
  const int kv = C * K * K;
  const int m = blockIdx.x, i = blockIdx.y;
  const int j = m / kv, rem = m % kv, c = rem / (K * K), u = rem / K % K, v = rem % K;
  const std::size_t plane = std::size_t(d.h) * d.w;
  const float* zj = z + (std::size_t(i) * d.J + j) * plane;
  const float* kj = kq + (std::size_t(i) * d.J + j) * plane;
  const float* xc = x + (std::size_t(i) * C + c) * plane;
  const float* qc = q + (std::size_t(i) * C + c) * plane;
  const float nu2 = nu * nu, sj = scale[j];
  double sum = 0.0;
  for (std::size_t p = threadIdx.x; p < plane; p += blockDim.x) {
    const int py = int(p / d.w), px = int(p % d.w);
    const int sy = Src(py + u - R, d.h, d.reflect), sxx = Src(px + v - R, d.w, d.reflect);
    if (sy < 0 || sxx < 0) continue;
    float phi1, phi2;
    foe::PhiDerivatives(zj[p], nu2, &phi1, &phi2);
    const float a = sj * phi2 * kj[p], b = sj * phi1;
    const std::size_t s = std::size_t(sy) * d.w + sxx;
    sum += double(a * xc[s]) + double(b * qc[s]);
  }
  sum = BlockSum(sum, red);
  if (threadIdx.x == 0) kgrad[std::size_t(i) * d.J * kv + m] = sum;
}

// ------------------------------------------------------------------------------------------
// Dispatch

template <int K, int JB>
cudaError_t ForwardTiledLaunch(const FoeDims& d, const FoeDeviceWeights& wts, FoeMap map,
                               const float* x, const float* diag, float* out, cudaStream_t stream) {
  const int groups = (d.J + JB - 1) / JB;
  const std::size_t smem = sizeof(float) * (std::size_t(d.c) * K * K * RoundUp4(JB) +
                                            std::size_t(d.c) * (kTY + K - 1) * kPitch);
  if (smem > 48 * 1024) {
    const cudaError_t e = cudaFuncSetAttribute(
        ForwardTiled<K, JB>, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem));
    if (e != cudaSuccess) return e;
  }
  // gridDim.z holds slots x groups and may not pass 65535: large batches take several launches.
  const int slots_per_launch = kMaxGridYZ / groups;
  for (int first = 0; first < d.n; first += slots_per_launch) {
    FoeDims part = d;
    part.first_slot = first;
    const int slots = d.n - first < slots_per_launch ? d.n - first : slots_per_launch;
    const dim3 grid((d.w + kTileW - 1) / kTileW, (d.h + kTY - 1) / kTY, slots * groups);
    ForwardTiled<K, JB><<<grid, dim3(kTX, kTY), smem, stream>>>(part, x, wts.wf, wts.scale, wts.nu,
                                                                map, diag, out);
    if (const cudaError_t e = cudaGetLastError(); e != cudaSuccess) return e;
  }
  return cudaSuccess;
}

template <int K>
cudaError_t ForwardTiledK(const FoeDims& d, const FoeDeviceWeights& wts, FoeMap map, const float* x,
                          const float* diag, float* out, cudaStream_t stream) {
  switch (wts.jb) {
    case 10:
      return ForwardTiledLaunch<K, 10>(d, wts, map, x, diag, out, stream);
    case 5:
      return ForwardTiledLaunch<K, 5>(d, wts, map, x, diag, out, stream);
    case 8:
      return ForwardTiledLaunch<K, 8>(d, wts, map, x, diag, out, stream);
    default:
      return ForwardTiledLaunch<K, 4>(d, wts, map, x, diag, out, stream);
  }
}

// Kernels per shared-memory chunk of the adjoint (BILEVEL_CUDA_ADJOINT_CHUNK overrides, 1..16).
int AdjointChunk(int J) {
  static const int chunk = [] {
    const char* env = std::getenv("BILEVEL_CUDA_ADJOINT_CHUNK");
    const int v = env ? std::atoi(env) : 0;
    return v >= 1 && v <= kAdjChunk ? v : kAdjChunkDefault;
  }();
  return J < chunk ? J : chunk;
}

template <int K, int C>
cudaError_t AdjointTiledLaunch(const FoeDims& d, const FoeDeviceWeights& wts, const float* w,
                               const DataTerm& data, float* out, cudaStream_t stream) {
  const int chunk = AdjointChunk(d.J);
  const std::size_t smem =
      sizeof(float) * (std::size_t(d.J) * K * K * 4 + std::size_t(chunk) * (kTY + K - 1) * kPitch);
  if (smem > 48 * 1024) {
    const cudaError_t e = cudaFuncSetAttribute(
        AdjointTiled<K, C>, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem));
    if (e != cudaSuccess) return e;
  }
  const dim3 grid((d.w + kTileW - 1) / kTileW, (d.h + kTY - 1) / kTY, d.n);
  AdjointTiled<K, C><<<grid, dim3(kTX, kTY), smem, stream>>>(d, w, wts.wa4, chunk, data, out);
  return cudaGetLastError();
}

template <int C>
cudaError_t AdjointTiledC(const FoeDims& d, const FoeDeviceWeights& wts, const float* w,
                          const DataTerm& data, float* out, cudaStream_t stream) {
  switch (d.k) {
    case 3:
      return AdjointTiledLaunch<3, C>(d, wts, w, data, out, stream);
    case 5:
      return AdjointTiledLaunch<5, C>(d, wts, w, data, out, stream);
    default:
      return AdjointTiledLaunch<7, C>(d, wts, w, data, out, stream);
  }
}

bool TiledK(int k) {
  return k == 3 || k == 5 || k == 7;
}

unsigned Blocks(std::size_t total, int threads) {
  return unsigned((total + std::size_t(threads) - 1) / std::size_t(threads));
}

void LaunchFold(const FoeDims& d, const float* w, const float* wa, float* out,
                cudaStream_t stream) {
  const BorderBand band = MakeBand(d.h, d.w, d.k / 2);
  if (band.total == 0) return;
  const dim3 grid(Blocks(std::size_t(band.total), 32), d.n), block(32, kFoldLanes);
  switch (d.k) {
    case 3:
      FoldBorder<3><<<grid, block, 0, stream>>>(d, band, w, wa, out);
      break;
    case 5:
      FoldBorder<5><<<grid, block, 0, stream>>>(d, band, w, wa, out);
      break;
    case 7:
      FoldBorder<7><<<grid, block, 0, stream>>>(d, band, w, wa, out);
      break;
    default:
      FoldBorder<0><<<grid, block, 0, stream>>>(d, band, w, wa, out);
      break;
  }
}

}  // namespace

int ForwardGroupSize(int J) {
  if (J % 10 == 0) return 10;
  if (J % 5 == 0 && J < 10) return 5;
  if (J % 8 == 0) return 8;
  return 4;
}

cudaError_t LaunchForward(const FoeDims& d, const FoeDeviceWeights& wts, FoeMap map, const float* x,
                          const float* diag, float* out, cudaStream_t stream) {
  if (TiledK(d.k) && d.c <= 8) {
    switch (d.k) {
      case 3:
        return ForwardTiledK<3>(d, wts, map, x, diag, out, stream);
      case 5:
        return ForwardTiledK<5>(d, wts, map, x, diag, out, stream);
      default:
        return ForwardTiledK<7>(d, wts, map, x, diag, out, stream);
    }
  }
  const std::size_t total = std::size_t(d.n) * d.J * d.h * d.w;
  ForwardGeneric<<<Blocks(total, 256), 256, 0, stream>>>(d, x, wts.wk, wts.scale, wts.nu, map, diag,
                                                         out);
  return cudaGetLastError();
}

cudaError_t LaunchAdjoint(const FoeDims& d, const FoeDeviceWeights& wts, const float* w, float* out,
                          cudaStream_t stream, const DataTerm& data) {
  cudaError_t e;
  if (TiledK(d.k) && d.c == 3 && d.J <= 64) {
    e = AdjointTiledC<3>(d, wts, w, data, out, stream);
  } else if (TiledK(d.k) && d.c == 1 && d.J <= 64) {
    e = AdjointTiledC<1>(d, wts, w, data, out, stream);
  } else {
    const std::size_t total = std::size_t(d.n) * d.c * d.h * d.w;
    AdjointGeneric<<<Blocks(total, 256), 256, 0, stream>>>(d, w, wts.wa, data, out);
    e = cudaGetLastError();
  }
  if (e != cudaSuccess || !d.reflect || d.k < 3) return e;
  LaunchFold(d, w, wts.wa, out, stream);
  return cudaGetLastError();
}

cudaError_t LaunchFill(float* data, std::size_t count, float value, cudaStream_t stream) {
  if (count == 0) return cudaSuccess;
  const unsigned blocks = Blocks(count, 256) < 4096u ? Blocks(count, 256) : 4096u;
  FillKernel<<<blocks, 256, 0, stream>>>(data, count, value);
  return cudaGetLastError();
}

cudaError_t LaunchMixed(const FoeDims& d, const FoeDeviceWeights& wts, const float* x,
                        const float* q, const float* z, const float* kq, double* dots,
                        double* kgrad, cudaStream_t stream) {
  MixedDots<<<dim3(d.J, d.n), kReduceThreads, 0, stream>>>(d, wts.nu, z, kq, dots);
  cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) return e;
  const int kv = d.c * d.k * d.k;
  MixedKernelGrad<<<dim3(d.J * kv, d.n), kReduceThreads, 0, stream>>>(d, wts.scale, wts.nu, x, q, z,
                                                                      kq, kgrad);
  return cudaGetLastError();
}

}  // namespace bilevel::cuda
