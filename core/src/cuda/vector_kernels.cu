// Solver kernels: per-image reductions and vector updates, and the data-term operators (Gaussian
// blur, masks) on the device (see solver_kernels.cuh).
#include "solver_kernels_common.cuh"

namespace bilevel::cuda {
namespace {

using namespace solver_detail;

// ---------------------------------------------------------------------------------------------
// Generic operations

__global__ void __launch_bounds__(kThreads)
    ReduceKernel(VecDims d, ImageList images, Reduction op, const float* __restrict__ a,
                 const float* __restrict__ b, double* __restrict__ partial,
                 double* __restrict__ out) {
  const int i = SlotImage(images, blockIdx.y);
  if (i < 0) return;
  std::size_t begin, end;
  Chunk(d, blockIdx.x, &begin, &end);
  const std::size_t base = std::size_t(i) * d.size;
  double s = 0.0, unused = 0.0;
  for (std::size_t e = begin + threadIdx.x; e < end; e += kThreads) {
    const double x = a[base + e], y = b[base + e];
    s += op == Reduction::kDot ? x * y : (x - y) * (x - y);
  }
  BlockSum2(&s, &unused);
  if (threadIdx.x == 0) partial[std::size_t(i) * d.blocks + blockIdx.x] = s;
}

__global__ void ReduceFinish(VecDims d, ImageList images, const double* __restrict__ partial,
                             double* __restrict__ out) {
  const int slot = blockIdx.x * blockDim.x + threadIdx.x;
  if (slot >= d.n) return;
  const int i = SlotImage(images, slot);
  if (i < 0) return;
  double s = 0.0;
  for (int k = 0; k < d.blocks; ++k)
    s += partial[std::size_t(i) * d.blocks + k];
  out[i] = s;
}

__global__ void __launch_bounds__(kThreads)
    AxpbyKernel(VecDims d, ImageList images, const double* __restrict__ alpha, const float* x,
                const double* __restrict__ beta, float* y) {  // x may be y
  const int i = SlotImage(images, blockIdx.y);
  if (i < 0) return;
  std::size_t begin, end;
  Chunk(d, blockIdx.x, &begin, &end);
  const std::size_t base = std::size_t(i) * d.size;
  const float a = float(alpha[i]), b = float(beta[i]);
  for (std::size_t e = begin + threadIdx.x; e < end; e += kThreads)
    y[base + e] = a * x[base + e] + b * y[base + e];
}

// out may be x or y.
__global__ void LinearKernel(std::size_t count, float a, const float* x, float b, const float* y,
                             float* out) {
  const std::size_t stride = std::size_t(gridDim.x) * blockDim.x;
  for (std::size_t k = std::size_t(blockIdx.x) * blockDim.x + threadIdx.x; k < count; k += stride)
    out[k] = a * x[k] + b * y[k];
}

__global__ void CopyImagesKernel(std::size_t size, const int* __restrict__ index, bool gather,
                                 const float* __restrict__ src, float* __restrict__ dst) {
  const int k = blockIdx.y;
  const int j = index[k];
  const float* s = src + std::size_t(gather ? j : k) * size;
  float* o = dst + std::size_t(gather ? k : j) * size;
  const std::size_t stride = std::size_t(gridDim.x) * blockDim.x;
  for (std::size_t e = std::size_t(blockIdx.x) * blockDim.x + threadIdx.x; e < size; e += stride)
    o[e] = s[e];
}

// ---------------------------------------------------------------------------------------------
// Data-term operators

__device__ __forceinline__ int Source(int i, int n, bool reflect) {
  if (i >= 0 && i < n) return i;
  if (!reflect) return -1;
  const int j = i < 0 ? -i : 2 * n - 2 - i;
  return (j >= 0 && j < n) ? j : -1;
}

// The padded positions (in [-r, n + r)) whose source is q, q itself first.
__device__ __forceinline__ int Preimages(int q, int n, int r, bool reflect, int* out) {
  int m = 0;
  out[m++] = q;
  if (!reflect) return m;
  if (q >= 1 && q <= r) out[m++] = -q;
  if (q >= n - 1 - r && q <= n - 2) out[m++] = 2 * n - 2 - q;
  return m;
}

__global__ void __launch_bounds__(kThreads)
    BlurKernel(BlurDims d, ImageList images, bool adjoint, bool accumulate,
               const float* __restrict__ in, const float* __restrict__ sub, float* out) {
  const int i = SlotImage(images, blockIdx.y);
  if (i < 0) return;
  const std::size_t plane = std::size_t(d.h) * d.w, size = plane * d.c;
  const std::size_t e = std::size_t(blockIdx.x) * kThreads + threadIdx.x;
  if (e >= size) return;
  const int c = int(e / plane), py = int(e % plane / d.w), px = int(e % d.w);
  const int K = d.k, R = K / 2;
  const float* src = in + std::size_t(i) * size + std::size_t(c) * plane;
  float acc = 0.0f;
  if (!adjoint) {
    // out(p) = sum_{u,v} k[u,v] in(src(p + (u,v) - r))
    for (int u = 0; u < K; ++u) {
      const int sy = Source(py + u - R, d.h, d.reflect);
      if (sy < 0) continue;
      for (int v = 0; v < K; ++v) {
        const int sx = Source(px + v - R, d.w, d.reflect);
        if (sx >= 0) acc = fmaf(__ldg(d.kernel + u * K + v), src[std::size_t(sy) * d.w + sx], acc);
      }
    }
  } else {
    // out(q) = sum over padded positions P with src(P) = q of sum_{u,v} k[u,v] in(P - (u,v) + r)
    int ys[3], xs[3];
    const int nys = Preimages(py, d.h, R, d.reflect, ys);
    const int nxs = Preimages(px, d.w, R, d.reflect, xs);
    for (int a = 0; a < nys; ++a) {
      const int Py = ys[a] + R;
      const int u0 = max(0, Py - d.h + 1), u1 = min(K - 1, Py);
      for (int b = 0; b < nxs; ++b) {
        const int Px = xs[b] + R;
        const int v0 = max(0, Px - d.w + 1), v1 = min(K - 1, Px);
        for (int u = u0; u <= u1; ++u) {
          const float* row = src + std::size_t(Py - u) * d.w + Px;
          for (int v = v0; v <= v1; ++v)
            acc = fmaf(__ldg(d.kernel + u * K + v), row[-v], acc);
        }
      }
    }
  }
  const std::size_t at = std::size_t(i) * size + e;
  if (sub) acc -= sub[at];
  out[at] = accumulate ? out[at] + acc : acc;
}

__global__ void __launch_bounds__(kThreads)
    MaskKernel(VecDims d, ImageList images, const float* __restrict__ mask,
               const float* __restrict__ in, float* __restrict__ out) {
  const int i = SlotImage(images, blockIdx.y);
  if (i < 0) return;
  std::size_t begin, end;
  Chunk(d, blockIdx.x, &begin, &end);
  const std::size_t base = std::size_t(i) * d.size;
  for (std::size_t e = begin + threadIdx.x; e < end; e += kThreads)
    out[base + e] = mask[base + e] * in[base + e];
}

}  // namespace

VecDims MakeVecDims(int n, std::size_t size) {
  VecDims d;
  d.n = n;
  d.size = size;
  std::size_t blocks = (size + kChunkTarget - 1) / kChunkTarget;
  if (blocks < 1) blocks = 1;
  if (blocks > std::size_t(kMaxBlocksPerImage)) blocks = kMaxBlocksPerImage;
  d.blocks = int(blocks);
  return d;
}

cudaError_t LaunchReduce(const VecDims& d, ImageList images, Reduction op, const float* a,
                         const float* b, double* partial, double* out, cudaStream_t stream) {
  if (!Fits(d)) return cudaErrorInvalidValue;
  if (d.n == 0) return cudaSuccess;
  ReduceKernel<<<Grid(d), kThreads, 0, stream>>>(d, images, op, a, b, partial, out);
  if (const cudaError_t e = cudaGetLastError(); e != cudaSuccess) return e;
  ReduceFinish<<<unsigned((d.n + 127) / 128), 128, 0, stream>>>(d, images, partial, out);
  return cudaGetLastError();
}

cudaError_t LaunchAxpby(const VecDims& d, ImageList images, const double* alpha, const float* x,
                        const double* beta, float* y, cudaStream_t stream) {
  if (!Fits(d)) return cudaErrorInvalidValue;
  if (d.n == 0) return cudaSuccess;
  AxpbyKernel<<<Grid(d), kThreads, 0, stream>>>(d, images, alpha, x, beta, y);
  return cudaGetLastError();
}

cudaError_t LaunchLinear(std::size_t count, float a, const float* x, float b, const float* y,
                         float* out, cudaStream_t stream) {
  if (count == 0) return cudaSuccess;
  std::size_t blocks = (count + kThreads - 1) / kThreads;
  if (blocks > 4096) blocks = 4096;
  LinearKernel<<<unsigned(blocks), kThreads, 0, stream>>>(count, a, x, b, y, out);
  return cudaGetLastError();
}

namespace {
cudaError_t CopyImages(std::size_t size, int count, const int* index, bool gather, const float* src,
                       float* dst, cudaStream_t stream) {
  if (count < 0 || count > kMaxSlots) return cudaErrorInvalidValue;
  if (count == 0 || size == 0) return cudaSuccess;
  std::size_t blocks = (size + kThreads * 4 - 1) / (kThreads * 4);
  if (blocks > 1024) blocks = 1024;
  CopyImagesKernel<<<dim3(unsigned(blocks), unsigned(count)), kThreads, 0, stream>>>(
      size, index, gather, src, dst);
  return cudaGetLastError();
}
}  // namespace

cudaError_t LaunchGather(std::size_t size, int count, const int* index, const float* src,
                         float* dst, cudaStream_t stream) {
  return CopyImages(size, count, index, true, src, dst, stream);
}

cudaError_t LaunchScatter(std::size_t size, int count, const int* index, const float* src,
                          float* dst, cudaStream_t stream) {
  return CopyImages(size, count, index, false, src, dst, stream);
}

cudaError_t LaunchBlur(const BlurDims& d, ImageList images, bool adjoint, bool accumulate,
                       const float* in, const float* sub, float* out, cudaStream_t stream) {
  if (d.n < 0 || d.n > kMaxSlots || d.k < 1 || d.k % 2 == 0 || d.k > d.h || d.k > d.w)
    return cudaErrorInvalidValue;
  if (d.n == 0) return cudaSuccess;
  const std::size_t size = std::size_t(d.c) * d.h * d.w;
  const dim3 grid(unsigned((size + kThreads - 1) / kThreads), unsigned(d.n));
  BlurKernel<<<grid, kThreads, 0, stream>>>(d, images, adjoint, accumulate, in, sub, out);
  return cudaGetLastError();
}

cudaError_t LaunchMask(const VecDims& d, ImageList images, const float* mask, const float* in,
                       float* out, cudaStream_t stream) {
  if (!Fits(d)) return cudaErrorInvalidValue;
  if (d.n == 0) return cudaSuccess;
  MaskKernel<<<Grid(d), kThreads, 0, stream>>>(d, images, mask, in, out);
  return cudaGetLastError();
}

}  // namespace bilevel::cuda
