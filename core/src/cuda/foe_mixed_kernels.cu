// Field of Experts kernels: the reductions of the mixed derivative, in double (see
// foe_kernels.cuh).
#include "foe_kernels_common.cuh"

namespace bilevel::cuda {
namespace {

using namespace foe_detail;

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

}  // namespace

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
