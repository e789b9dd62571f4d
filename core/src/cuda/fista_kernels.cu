// Solver kernels: the steps of FISTA and of the power method with their per-image decisions
// (solvers/solver_steps.h, as core/src/solvers/fista.cpp; see solver_kernels.cuh).
#include "solver_kernels_common.cuh"

namespace bilevel::cuda {
namespace {

using namespace solver_detail;

// ---------------------------------------------------------------------------------------------
// FISTA

// x_new = y - g / L, rounded the same way wherever it is computed.
__device__ __forceinline__ float FistaPoint(float y, float g, float inv_l) {
  return __fsub_rn(y, __fmul_rn(g, inv_l));
}

__global__ void __launch_bounds__(kThreads)
    FistaReduceKernel(VecDims d, ImageList current, FistaDevice f, Progress pr,
                      const float* __restrict__ g, const float* __restrict__ y,
                      const float* __restrict__ x, const float* __restrict__ gp,
                      const float* __restrict__ yp) {
  ClearNext(pr);
  const int i = SlotImage(current, blockIdx.y);
  if (i < 0) return;
  std::size_t begin, end;
  Chunk(d, blockIdx.x, &begin, &end);
  const std::size_t base = std::size_t(i) * d.size;
  const float inv = f.inv_l[i];
  // gg, the restart product, ||g - g_prev||^2, ||y - y_prev||^2, ||y||^2.
  double s[5] = {0.0, 0.0, 0.0, 0.0, 0.0};
  for (std::size_t e = begin + threadIdx.x; e < end; e += kThreads) {
    const float gv = g[base + e], yv = y[base + e], xv = x[base + e];
    const float xn = FistaPoint(yv, gv, inv);
    s[0] += double(gv) * double(gv);
    s[1] += double(__fsub_rn(yv, xn)) * double(__fsub_rn(xn, xv));
    const double dg = double(gv) - double(gp[base + e]), dy = double(yv) - double(yp[base + e]);
    s[2] += dg * dg;
    s[3] += dy * dy;
    s[4] += double(yv) * double(yv);
  }
  if (!LastBlockN<5>(pr, d.blocks, i, blockIdx.x, s)) return;
  const double gg = s[0], restart = s[1];
  // The decisions of SolveFista for image i (solvers/solver_steps.h, as
  // core/src/solvers/fista.cpp).
  const int iterations = ++f.iterations[i];
  const double norm = sqrt(gg);
  f.residual[i] = norm;
  double best = f.best[i];
  int since = f.since[i];
  const bool stuck =
      steps::FistaStalled(norm, f.precision, f.lipschitz[i], sqrt(s[4]), &best, &since);
  f.best[i] = best;
  f.since[i] = since;
  const steps::Verdict verdict =
      steps::FistaVerdict(norm, f.tolerance, iterations, f.max_iterations, stuck);
  if (verdict == steps::Verdict::kNonFinite) {
    f.state[i] = kNonFinite;
    f.mode[i] = 0;
  } else if (verdict == steps::Verdict::kConverged) {
    f.state[i] = kConverged;
    f.mode[i] = 1;
  } else if (verdict == steps::Verdict::kStalled) {
    f.state[i] = kStalled;
    f.mode[i] = 1;
  } else if (verdict == steps::Verdict::kLimit) {
    f.state[i] = kLimit;
    f.mode[i] = 1;
  } else {
    // The secant test of L once there is a previous point (the CPU's has_prev).
    bool grown = false;
    if (iterations >= 2) {
      const double l = f.lipschitz[i];
      const double grown_l =
          steps::FistaSafeLipschitz(sqrt(s[2]), sqrt(s[3]), sqrt(s[4]), f.precision, l, f.safety);
      if (grown_l > l) {
        grown = true;
        f.lipschitz[i] = grown_l;
        f.inv_l[i] = float(1.0 / grown_l);
        ++f.increases[i];
        f.momentum[i] =
            steps::StronglyConvexMomentum(f.strongly_convex_momentum != 0, grown_l, f.mu);
      }
    }
    double t = f.t[i];
    const double beta = steps::FistaExtrapolation(grown || (f.adaptive_restart && restart > 0.0),
                                                  f.momentum[i], &t);
    f.t[i] = t;
    f.beta[i] = float(beta);
    f.mode[i] = 2;
    Append(pr, i);
  }
}

__global__ void __launch_bounds__(kThreads)
    FistaUpdateKernel(VecDims d, ImageList current, FistaDevice f, const float* __restrict__ g,
                      float* __restrict__ y, float* __restrict__ x, float* __restrict__ gp,
                      float* __restrict__ yp) {
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
    const float xv = x[base + e], yv = y[base + e], gv = g[base + e];
    const float xn = FistaPoint(yv, gv, inv);
    gp[base + e] = gv;
    yp[base + e] = yv;
    y[base + e] = xn + beta * (xn - xv);
    x[base + e] = xn;
  }
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

}  // namespace

cudaError_t LaunchFistaReduce(const VecDims& d, ImageList current, const FistaDevice& f,
                              const Progress& pr, const float* g, const float* y, const float* x,
                              const float* g_prev, const float* y_prev, cudaStream_t stream) {
  if (!Fits(d)) return cudaErrorInvalidValue;
  if (d.n == 0) return cudaSuccess;
  FistaReduceKernel<<<Grid(d), kThreads, 0, stream>>>(d, current, f, pr, g, y, x, g_prev, y_prev);
  return cudaGetLastError();
}

cudaError_t LaunchFistaUpdate(const VecDims& d, ImageList current, const FistaDevice& f,
                              const float* g, float* y, float* x, float* g_prev, float* y_prev,
                              cudaStream_t stream) {
  if (!Fits(d)) return cudaErrorInvalidValue;
  if (d.n == 0) return cudaSuccess;
  FistaUpdateKernel<<<Grid(d), kThreads, 0, stream>>>(d, current, f, g, y, x, g_prev, y_prev);
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
