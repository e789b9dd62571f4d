// Field of Experts kernels: the adjoint sum_j K_j^T w_j with the lower level's data term in its
// epilogue, and the folding of mirrored padding back onto the border (see foe_kernels.cuh).
#include "foe_kernels_common.cuh"

namespace bilevel::cuda {
namespace {

using namespace foe_detail;

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

}  // namespace bilevel::cuda
