// Solver kernels: the steps of CG with their per-image decisions (solvers/solver_steps.h, as
// core/src/solvers/cg.cpp; see solver_kernels.cuh).
#include "solver_kernels_common.cuh"

namespace bilevel::cuda {
namespace {

using namespace solver_detail;

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

}  // namespace

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

}  // namespace bilevel::cuda
