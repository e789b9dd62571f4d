// Solver kernels: per-image reductions and vector updates, the data-term operators (Gaussian blur,
// masks), and the steps of FISTA, CG and the power method with their per-image decisions (see
// solver_kernels.cuh). The decisions follow core/src/fista.cpp and core/src/cg.cpp line by line.
#include <cuda_runtime.h>

#include <cstdint>

#include "solver_kernels.cuh"
#include "solvers/solver_steps.h"

namespace bilevel::cuda {
namespace {

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
__device__ void BlockSum2(double* a, double* b) {
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

// Stores this block's partial sums of image i. Returns true in thread 0 of the image's last block
// to arrive, with s0 and s1 replaced by the totals over the blocks. The last block's first warp
// adds the partials (lane k takes blocks k, k + 32, ..., then a fixed shuffle tree), so the totals
// do not depend on the order in which blocks arrive.
__device__ bool LastBlock(const Progress& pr, int blocks, int i, int b, double* s0, double* s1) {
  __shared__ int last;
  BlockSum2(s0, s1);
  if (threadIdx.x == 0) {
    double* mine = pr.partial + (std::size_t(i) * blocks + b) * 2;
    mine[0] = *s0;
    mine[1] = *s1;
    __threadfence();
    const unsigned before = atomicAdd(pr.arrivals + i, 1u);
    last = before == unsigned(blocks - 1);
  }
  __syncthreads();
  if (!last || threadIdx.x >= 32) return false;
  __threadfence();
  const volatile double* all = pr.partial + std::size_t(i) * blocks * 2;
  double t0 = 0.0, t1 = 0.0;
  for (int k = int(threadIdx.x); k < blocks; k += 32) {
    t0 += all[2 * k];
    t1 += all[2 * k + 1];
  }
  for (int off = 16; off > 0; off >>= 1) {
    t0 += __shfl_down_sync(0xffffffffu, t0, off);
    t1 += __shfl_down_sync(0xffffffffu, t1, off);
  }
  if (threadIdx.x != 0) return false;
  pr.arrivals[i] = 0;
  *s0 = t0;
  *s1 = t1;
  return true;
}

__device__ __forceinline__ void Append(const Progress& pr, int i) {
  const int slot = atomicAdd(pr.next_count, 1);
  pr.next_list[slot] = i;
}

__device__ __forceinline__ void ClearNext(const Progress& pr) {
  if (pr.clear_count && blockIdx.x == 0 && blockIdx.y == 0 && threadIdx.x == 0) *pr.clear_count = 0;
}

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

// ---------------------------------------------------------------------------------------------
// FISTA

// x_new = y - g / L, rounded the same way wherever it is computed.
__device__ __forceinline__ float FistaPoint(float y, float g, float inv_l) {
  return __fsub_rn(y, __fmul_rn(g, inv_l));
}

__global__ void __launch_bounds__(kThreads)
    FistaReduceKernel(VecDims d, ImageList current, FistaDevice f, Progress pr,
                      const float* __restrict__ g, const float* __restrict__ y,
                      const float* __restrict__ x) {
  ClearNext(pr);
  const int i = SlotImage(current, blockIdx.y);
  if (i < 0) return;
  std::size_t begin, end;
  Chunk(d, blockIdx.x, &begin, &end);
  const std::size_t base = std::size_t(i) * d.size;
  const float inv = f.inv_l[i];
  double gg = 0.0, restart = 0.0;
  for (std::size_t e = begin + threadIdx.x; e < end; e += kThreads) {
    const float gv = g[base + e], yv = y[base + e], xv = x[base + e];
    const float xn = FistaPoint(yv, gv, inv);
    gg += double(gv) * double(gv);
    restart += double(__fsub_rn(yv, xn)) * double(__fsub_rn(xn, xv));
  }
  if (!LastBlock(pr, d.blocks, i, blockIdx.x, &gg, &restart)) return;
  // The decisions of SolveFista for image i (solvers/solver_steps.h, as
  // core/src/solvers/fista.cpp).
  const int iterations = ++f.iterations[i];
  const double norm = sqrt(gg);
  f.residual[i] = norm;
  const steps::Verdict verdict =
      steps::FistaVerdict(norm, f.tolerance, iterations, f.max_iterations);
  if (verdict == steps::Verdict::kNonFinite) {
    f.state[i] = kNonFinite;
    f.mode[i] = 0;
  } else if (verdict == steps::Verdict::kConverged) {
    f.state[i] = kConverged;
    f.mode[i] = 1;
  } else if (verdict == steps::Verdict::kLimit) {
    f.state[i] = kLimit;
    f.mode[i] = 1;
  } else {
    double t = f.t[i];
    const double beta =
        steps::FistaExtrapolation(f.adaptive_restart && restart > 0.0, f.momentum[i], &t);
    f.t[i] = t;
    f.beta[i] = float(beta);
    f.mode[i] = 2;
    Append(pr, i);
  }
}

__global__ void __launch_bounds__(kThreads)
    FistaUpdateKernel(VecDims d, ImageList current, FistaDevice f, const float* __restrict__ g,
                      float* __restrict__ y, float* __restrict__ x) {
  const int i = SlotImage(current, blockIdx.y);
  if (i < 0) return;
  const int mode = f.mode[i];
  if (mode == 0) return;
  std::size_t begin, end;
  Chunk(d, blockIdx.x, &begin, &end);
  const std::size_t base = std::size_t(i) * d.size;
  if (mode == 1) {
    for (std::size_t e = begin + threadIdx.x; e < end; e += kThreads)
      x[base + e] = y[base + e];
    return;
  }
  const float inv = f.inv_l[i], beta = f.beta[i];
  for (std::size_t e = begin + threadIdx.x; e < end; e += kThreads) {
    const float xv = x[base + e];
    const float xn = FistaPoint(y[base + e], g[base + e], inv);
    y[base + e] = xn + beta * (xn - xv);
    x[base + e] = xn;
  }
}

// ---------------------------------------------------------------------------------------------
// CG

// The loop head of SolveCg for image i (core/src/cg.cpp): continue, or record why it stops.
__device__ void CgHead(const CgDevice& cg, const Progress& pr, int i) {
  const double rr = cg.rr[i];
  cg.residual[i] = sqrt(rr);
  const steps::Verdict verdict =
      steps::CgVerdict(rr, cg.tolerance, cg.iterations[i], cg.max_iterations);
  if (verdict == steps::Verdict::kNonFinite)
    cg.state[i] = kNonFinite;
  else if (verdict == steps::Verdict::kConverged)
    cg.state[i] = kConverged;
  else if (verdict == steps::Verdict::kLimit)
    cg.state[i] = kLimit;
  else
    Append(pr, i);
}

__global__ void CgSelectKernel(int n, const double* __restrict__ qq, CgDevice cg, int* list,
                               int* count) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    const bool nonzero = !(qq[i] == 0.0);
    cg.mode[i] = nonzero ? 1 : 0;
    cg.iterations[i] = nonzero ? 1 : 0;
    cg.state[i] = kRunning;
    cg.residual[i] = 0.0;
    if (nonzero) list[atomicAdd(count, 1)] = i;
  }
}

__global__ void __launch_bounds__(kThreads)
    CgStartKernel(VecDims d, CgDevice cg, Progress pr, const float* __restrict__ b,
                  const float* __restrict__ hq, float* __restrict__ r, float* __restrict__ p) {
  const int i = blockIdx.y;
  std::size_t begin, end;
  Chunk(d, blockIdx.x, &begin, &end);
  const std::size_t base = std::size_t(i) * d.size;
  const bool product = cg.mode[i] == 1;
  double rr = 0.0, unused = 0.0;
  for (std::size_t e = begin + threadIdx.x; e < end; e += kThreads) {
    // Axpby(minus_one, hq, one, r) on r = b.
    const float rv = product ? -1.0f * hq[base + e] + 1.0f * b[base + e] : b[base + e];
    r[base + e] = rv;
    p[base + e] = rv;
    rr += double(rv) * double(rv);
  }
  if (!LastBlock(pr, d.blocks, i, blockIdx.x, &rr, &unused)) return;
  cg.rr[i] = rr;
  CgHead(cg, pr, i);
}

__global__ void __launch_bounds__(kThreads)
    CgCurvatureKernel(VecDims d, ImageList current, CgDevice cg, Progress pr,
                      const float* __restrict__ p, const float* __restrict__ hp) {
  ClearNext(pr);
  const int i = SlotImage(current, blockIdx.y);
  if (i < 0) return;
  std::size_t begin, end;
  Chunk(d, blockIdx.x, &begin, &end);
  const std::size_t base = std::size_t(i) * d.size;
  double php = 0.0, unused = 0.0;
  for (std::size_t e = begin + threadIdx.x; e < end; e += kThreads)
    php += double(p[base + e]) * double(hp[base + e]);
  if (!LastBlock(pr, d.blocks, i, blockIdx.x, &php, &unused)) return;
  ++cg.iterations[i];
  double alpha = 0.0;
  const steps::Verdict verdict = steps::CgStep(cg.rr[i], php, &alpha);
  if (verdict == steps::Verdict::kNonFinite) {
    cg.state[i] = kNonFinite;
    cg.mode[i] = 0;
  } else if (verdict == steps::Verdict::kIndefinite) {
    cg.state[i] = kIndefinite;
    cg.mode[i] = 0;
  } else {
    cg.alpha[i] = alpha;
    cg.mode[i] = 1;
  }
}

__global__ void __launch_bounds__(kThreads)
    CgUpdateKernel(VecDims d, ImageList current, CgDevice cg, Progress pr,
                   const float* __restrict__ p, const float* __restrict__ hp, float* __restrict__ q,
                   float* __restrict__ r) {
  const int i = SlotImage(current, blockIdx.y);
  if (i < 0 || cg.mode[i] != 1) return;
  std::size_t begin, end;
  Chunk(d, blockIdx.x, &begin, &end);
  const std::size_t base = std::size_t(i) * d.size;
  const float alpha = float(cg.alpha[i]), minus_alpha = float(-cg.alpha[i]);
  double rr = 0.0, unused = 0.0;
  for (std::size_t e = begin + threadIdx.x; e < end; e += kThreads) {
    q[base + e] = alpha * p[base + e] + 1.0f * q[base + e];
    const float rv = minus_alpha * hp[base + e] + 1.0f * r[base + e];
    r[base + e] = rv;
    rr += double(rv) * double(rv);
  }
  if (!LastBlock(pr, d.blocks, i, blockIdx.x, &rr, &unused)) return;
  cg.beta[i] = steps::CgBeta(rr, cg.rr[i]);
  cg.rr[i] = rr;
  CgHead(cg, pr, i);
}

__global__ void __launch_bounds__(kThreads)
    CgDirectionKernel(VecDims d, ImageList images, CgDevice cg, const float* __restrict__ r,
                      float* __restrict__ p) {
  const int i = SlotImage(images, blockIdx.y);
  if (i < 0) return;
  std::size_t begin, end;
  Chunk(d, blockIdx.x, &begin, &end);
  const std::size_t base = std::size_t(i) * d.size;
  const float beta = float(cg.beta[i]);
  for (std::size_t e = begin + threadIdx.x; e < end; e += kThreads)
    p[base + e] = 1.0f * r[base + e] + beta * p[base + e];
}

// ---------------------------------------------------------------------------------------------
// Power method

__global__ void __launch_bounds__(kThreads)
    PowerReduceKernel(VecDims d, PowerDevice pw, Progress pr, const float* __restrict__ v,
                      const float* __restrict__ w) {
  const int i = blockIdx.y;
  std::size_t begin, end;
  Chunk(d, blockIdx.x, &begin, &end);
  const std::size_t base = std::size_t(i) * d.size;
  double vw = 0.0, ww = 0.0;
  for (std::size_t e = begin + threadIdx.x; e < end; e += kThreads) {
    const double a = v[base + e], b = w[base + e];
    vw += a * b;
    ww += b * b;
  }
  if (!LastBlock(pr, d.blocks, i, blockIdx.x, &vw, &ww)) return;
  pw.lambda[i] = vw;
  const double norm = sqrt(ww);
  pw.scale[i] = norm > 0.0 ? 1.0 / norm : 0.0;
}

__global__ void __launch_bounds__(kThreads)
    PowerNormalizeKernel(VecDims d, PowerDevice pw, const float* __restrict__ w,
                         float* __restrict__ v) {
  const int i = blockIdx.y;
  std::size_t begin, end;
  Chunk(d, blockIdx.x, &begin, &end);
  const std::size_t base = std::size_t(i) * d.size;
  const float s = float(pw.scale[i]);
  for (std::size_t e = begin + threadIdx.x; e < end; e += kThreads)
    v[base + e] = s * w[base + e] + 0.0f * v[base + e];
}

bool Fits(const VecDims& d) {
  return d.n >= 0 && d.n <= kMaxSlots && d.blocks >= 1;
}

dim3 Grid(const VecDims& d) {
  return dim3(unsigned(d.blocks), unsigned(d.n));
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

cudaError_t LaunchFistaReduce(const VecDims& d, ImageList current, const FistaDevice& f,
                              const Progress& pr, const float* g, const float* y, const float* x,
                              cudaStream_t stream) {
  if (!Fits(d)) return cudaErrorInvalidValue;
  if (d.n == 0) return cudaSuccess;
  FistaReduceKernel<<<Grid(d), kThreads, 0, stream>>>(d, current, f, pr, g, y, x);
  return cudaGetLastError();
}

cudaError_t LaunchFistaUpdate(const VecDims& d, ImageList current, const FistaDevice& f,
                              const float* g, float* y, float* x, cudaStream_t stream) {
  if (!Fits(d)) return cudaErrorInvalidValue;
  if (d.n == 0) return cudaSuccess;
  FistaUpdateKernel<<<Grid(d), kThreads, 0, stream>>>(d, current, f, g, y, x);
  return cudaGetLastError();
}

cudaError_t LaunchCgSelect(int n, const double* qq, const CgDevice& cg, int* list, int* count,
                           cudaStream_t stream) {
  if (n <= 0) return n == 0 ? cudaSuccess : cudaErrorInvalidValue;
  CgSelectKernel<<<unsigned((n + 255) / 256), 256, 0, stream>>>(n, qq, cg, list, count);
  return cudaGetLastError();
}

cudaError_t LaunchCgStart(const VecDims& d, const CgDevice& cg, const Progress& pr, const float* b,
                          const float* hq, float* r, float* p, cudaStream_t stream) {
  if (!Fits(d)) return cudaErrorInvalidValue;
  if (d.n == 0) return cudaSuccess;
  CgStartKernel<<<Grid(d), kThreads, 0, stream>>>(d, cg, pr, b, hq, r, p);
  return cudaGetLastError();
}

cudaError_t LaunchCgCurvature(const VecDims& d, ImageList current, const CgDevice& cg,
                              const Progress& pr, const float* p, const float* hp,
                              cudaStream_t stream) {
  if (!Fits(d)) return cudaErrorInvalidValue;
  if (d.n == 0) return cudaSuccess;
  CgCurvatureKernel<<<Grid(d), kThreads, 0, stream>>>(d, current, cg, pr, p, hp);
  return cudaGetLastError();
}

cudaError_t LaunchCgUpdate(const VecDims& d, ImageList current, const CgDevice& cg,
                           const Progress& pr, const float* p, const float* hp, float* q, float* r,
                           cudaStream_t stream) {
  if (!Fits(d)) return cudaErrorInvalidValue;
  if (d.n == 0) return cudaSuccess;
  CgUpdateKernel<<<Grid(d), kThreads, 0, stream>>>(d, current, cg, pr, p, hp, q, r);
  return cudaGetLastError();
}

cudaError_t LaunchCgDirection(const VecDims& d, ImageList images, const CgDevice& cg,
                              const float* r, float* p, cudaStream_t stream) {
  if (!Fits(d)) return cudaErrorInvalidValue;
  if (d.n == 0) return cudaSuccess;
  CgDirectionKernel<<<Grid(d), kThreads, 0, stream>>>(d, images, cg, r, p);
  return cudaGetLastError();
}

cudaError_t LaunchPowerReduce(const VecDims& d, const PowerDevice& pw, const Progress& pr,
                              const float* v, const float* w, cudaStream_t stream) {
  if (!Fits(d)) return cudaErrorInvalidValue;
  if (d.n == 0) return cudaSuccess;
  PowerReduceKernel<<<Grid(d), kThreads, 0, stream>>>(d, pw, pr, v, w);
  return cudaGetLastError();
}

cudaError_t LaunchPowerNormalize(const VecDims& d, const PowerDevice& pw, const float* w, float* v,
                                 cudaStream_t stream) {
  if (!Fits(d)) return cudaErrorInvalidValue;
  if (d.n == 0) return cudaSuccess;
  PowerNormalizeKernel<<<Grid(d), kThreads, 0, stream>>>(d, pw, w, v);
  return cudaGetLastError();
}

}  // namespace bilevel::cuda
