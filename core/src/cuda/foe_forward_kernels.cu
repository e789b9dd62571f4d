// Field of Experts kernels: the forward correlation K_j x with a pointwise map, for all J kernels
// of a batch (see foe_kernels.cuh).
#include "foe_kernels_common.cuh"

namespace bilevel::cuda {
namespace {

using namespace foe_detail;

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

}  // namespace bilevel::cuda
