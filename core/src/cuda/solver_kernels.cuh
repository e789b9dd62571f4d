// Private: launchers of the solver kernels (vector_kernels.cu, fista_kernels.cu, cg_kernels.cu):
// per-image reductions and vector updates, the forward operators of the data term, and the steps of
// FISTA, CG and the power method with their per-image control on the device. Called by the host
// code in cuda_solvers.cpp.
//
// Per-image vector kernels split each image of `size` floats into `blocks` chunks (VecDims) and
// run a grid of blocks x n slots; a slot past the active count exits at once. Reductions are
// deterministic: each block writes its partial sum, and the last block of an image to arrive
// (an atomic counter per image) adds the partials in block order and applies the solver's
// per-image decision there, so no separate control kernel and no host round-trip are needed.
// Images that continue are appended to the next iteration's list (the order of that list does not
// matter: every image is computed the same way whatever its slot).
#pragma once

#include <cuda_runtime.h>

#include <cstddef>

#include "foe_kernels.cuh"

namespace bilevel::cuda {

struct VecDims {
  int n = 0;             // images (launch slots)
  std::size_t size = 0;  // floats per image
  int blocks = 1;        // chunks per image
};
VecDims MakeVecDims(int n, std::size_t size);

// The most sums one reduction takes per image (FISTA's, with the secant test of L).
constexpr int kMaxSums = 5;

// Bookkeeping of a reduction with a per-image decision in its last block.
struct Progress {
  double* partial = nullptr;     // n x blocks x kMaxSums
  unsigned* arrivals = nullptr;  // n, zero between launches (the last block resets its entry)
  int* next_list = nullptr;      // images that continue are appended here ...
  int* next_count = nullptr;     // ... (zero before the launch)
  int* clear_count = nullptr;    // set to zero by the launch (the list after next), may be null
};

// ---------------------------------------------------------------------------------------------
// Generic per-image operations

enum class Reduction : int { kDot = 0, kSquaredDistance = 1 };
// out[i] = sum_p a_i[p] b_i[p] (kDot) or sum_p (a_i[p] - b_i[p])^2 (kSquaredDistance), in double,
// for the listed images. partial: n x blocks doubles of scratch.
cudaError_t LaunchReduce(const VecDims& d, ImageList images, Reduction op, const float* a,
                         const float* b, double* partial, double* out, cudaStream_t stream);
// y_i = float(alpha[i]) x_i + float(beta[i]) y_i for the listed images (alpha, beta on the device).
cudaError_t LaunchAxpby(const VecDims& d, ImageList images, const double* alpha, const float* x,
                        const double* beta, float* y, cudaStream_t stream);
// out = a x + b y on `count` floats.
cudaError_t LaunchLinear(std::size_t count, float a, const float* x, float b, const float* y,
                         float* out, cudaStream_t stream);
// Image k of dst = image index[k] of src (gather), or image index[k] of dst = image k of src
// (scatter), for k < count.
cudaError_t LaunchGather(std::size_t size, int count, const int* index, const float* src,
                         float* dst, cudaStream_t stream);
cudaError_t LaunchScatter(std::size_t size, int count, const int* index, const float* src,
                          float* dst, cudaStream_t stream);

// ---------------------------------------------------------------------------------------------
// Forward operators of the data term

struct BlurDims {
  int n = 0, c = 0, h = 0, w = 0;
  int k = 1;                      // odd kernel size, k <= h, w
  bool reflect = true;            // Reflect101, else zero padding
  const float* kernel = nullptr;  // k x k, row-major (device)
};
// Per channel: out = A in - sub (forward; sub may be null) or out = A^T in (adjoint), for the
// listed images; accumulate adds to out instead of overwriting it.
cudaError_t LaunchBlur(const BlurDims& d, ImageList images, bool adjoint, bool accumulate,
                       const float* in, const float* sub, float* out, cudaStream_t stream);
// out = mask in (element by element) for the listed images.
cudaError_t LaunchMask(const VecDims& d, ImageList images, const float* mask, const float* in,
                       float* out, cudaStream_t stream);

// ---------------------------------------------------------------------------------------------
// FISTA (bilevel/fista.h): per-image state on the device.

enum ImageState : int {
  kRunning = 0,
  kConverged = 1,
  kLimit = 2,       // max_iterations reached
  kNonFinite = 3,   // a non-finite norm (or, for FISTA, Lipschitz estimate)
  kIndefinite = 4,  // CG: p^T H p <= 0
  kStalled = 5,     // FISTA: at the precision floor (steps::FistaStalled)
};

struct FistaDevice {
  double tolerance = 0.0;
  int max_iterations = 0;
  int adaptive_restart = 1;
  // The safeguard of L (steps::FistaSafeLipschitz): its safety factor, the unit roundoff of
  // float, and what the momentum is recomputed from when L grows.
  double safety = 1.0;
  double precision = 0.0;
  double mu = 0.0;
  int strongly_convex_momentum = 1;
  double* lipschitz = nullptr;  // L_i
  float* inv_l = nullptr;       // float(1 / L_i)
  double* momentum = nullptr;   // >= 0: the strongly convex constant; < 0: t-sequence
  int* increases = nullptr;     // times the secant test raised L_i
  double* best = nullptr;       // the stall test's state: the best residual ...
  int* since = nullptr;         // ... and the iterations since it last fell enough
  double* t = nullptr;
  int* iterations = nullptr;
  double* residual = nullptr;
  int* state = nullptr;
  int* mode = nullptr;    // this iteration: 0 nothing, 1 finish (x = y), 2 step
  float* beta = nullptr;  // this iteration's momentum
};
// With x_new = y - g / L: ||g||^2, <y - x_new, x_new - x>, and for the secant test
// ||g - g_prev||^2, ||y - y_prev||^2 and ||y||^2 per image; the last block counts the iteration,
// tests the stopping rules, raises L when the secant test fails (forcing a restart), chooses
// restart or momentum and appends continuing images.
cudaError_t LaunchFistaReduce(const VecDims& d, ImageList current, const FistaDevice& f,
                              const Progress& pr, const float* g, const float* y, const float* x,
                              const float* g_prev, const float* y_prev, cudaStream_t stream);
// mode 1: x = y; mode 2: g_prev = g, y_prev = y, x_new = y - g / L, y = x_new + beta (x_new - x),
// x = x_new.
cudaError_t LaunchFistaUpdate(const VecDims& d, ImageList current, const FistaDevice& f,
                              const float* g, float* y, float* x, float* g_prev, float* y_prev,
                              cudaStream_t stream);

// ---------------------------------------------------------------------------------------------
// CG (bilevel/cg.h)

struct CgDevice {
  double tolerance = 0.0;
  int max_iterations = 0;
  double* rr = nullptr;  // r^T r
  double* alpha = nullptr;
  double* beta = nullptr;
  double* residual = nullptr;
  int* iterations = nullptr;
  int* state = nullptr;
  int* mode = nullptr;  // 1: the image takes this iteration's step
};
// Images with a nonzero warm start (qq[i] = ||q_i||^2 != 0, NaN included) get mode 1, one
// iteration for their initial residual, and go to list/count (count zero before). Resets the state.
cudaError_t LaunchCgSelect(int n, const double* qq, const CgDevice& cg, int* list, int* count,
                           cudaStream_t stream);
// Every image: r = b - H q (mode 1) or r = b, p = r, rr = r^T r, and the loop head's tests; images
// that go on are appended to pr's next list.
cudaError_t LaunchCgStart(const VecDims& d, const CgDevice& cg, const Progress& pr, const float* b,
                          const float* hq, float* r, float* p, cudaStream_t stream);
// p^T H p per image; the last block counts the iteration, rejects non-finite or non-positive
// curvature, and sets alpha = rr / pHp.
cudaError_t LaunchCgCurvature(const VecDims& d, ImageList current, const CgDevice& cg,
                              const Progress& pr, const float* p, const float* hp,
                              cudaStream_t stream);
// q += alpha p, r -= alpha H p, rr_new = r^T r, beta = rr_new / rr, and the loop head's tests.
cudaError_t LaunchCgUpdate(const VecDims& d, ImageList current, const CgDevice& cg,
                           const Progress& pr, const float* p, const float* hp, float* q, float* r,
                           cudaStream_t stream);
// p = r + beta p for the listed images.
cudaError_t LaunchCgDirection(const VecDims& d, ImageList images, const CgDevice& cg,
                              const float* r, float* p, cudaStream_t stream);

// ---------------------------------------------------------------------------------------------
// Power method (PowerMethod in bilevel/fista.h)

struct PowerDevice {
  double* lambda = nullptr;  // <v, w>: the Rayleigh quotient of the unit vector v
  double* scale = nullptr;   // 1 / ||w|| (0 when ||w|| is not positive)
};
cudaError_t LaunchPowerReduce(const VecDims& d, const PowerDevice& pw, const Progress& pr,
                              const float* v, const float* w, cudaStream_t stream);
// v = float(scale) w + 0 v (as Axpby with beta 0, so non-finite values propagate as on the CPU).
cudaError_t LaunchPowerNormalize(const VecDims& d, const PowerDevice& pw, const float* w, float* v,
                                 cudaStream_t stream);

}  // namespace bilevel::cuda
