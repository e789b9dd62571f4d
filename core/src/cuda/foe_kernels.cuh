// Private: launchers of the Field of Experts kernels (foe_forward_kernels.cu,
// foe_adjoint_kernels.cu, foe_mixed_kernels.cu), called by cuda_foe.cpp. Plain C++ declarations;
// only cuda_runtime.h's types are needed.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>

namespace bilevel::cuda {

// What the forward pass writes for z = (K_j x)(p), with s_j = a b_j:
//   kGradient: s_j z / sqrt(z^2 + nu^2)      kHessian: diag(p) z
//   kBound:    (s_j / nu) z                  kNone:    z
//   kPrepare:  s_j nu^2 / (z^2 + nu^2)^(3/2)  (the Hessian diagonal)
enum class FoeMap : int { kGradient = 0, kHessian = 1, kBound = 2, kNone = 3, kPrepare = 4 };

// The images a launch works on: list[0 .. *count) of the batch (device memory, written by earlier
// kernels on the stream). Both null: every image 0..n-1. Launches cover n slots; slots at or past
// *count exit at once, so images that have converged cost (almost) nothing.
struct ImageList {
  const int* list = nullptr;
  const int* count = nullptr;
};

struct FoeDims {
  int n = 0, c = 0, h = 0, w = 0;
  int J = 0, k = 0;
  bool reflect = true;
  ImageList images;
  int first_slot = 0;  // the forward launch's first slot (a batch too large for one grid is split)
};

// The data term of the lower level, added to the adjoint's output element by element:
//   out += coef * v - y               (mask null; v and y may be null)
//   out += coef * v + m (m v - y)     (with a mask m; y may be null)
// All arrays have the output's layout (n x C x h x w).
struct DataTerm {
  const float* v = nullptr;
  float coef = 0.0f;
  const float* mask = nullptr;
  const float* y = nullptr;
};

// Device copies of the parameters in the layouts the kernels read.
struct FoeDeviceWeights {
  const float* wk = nullptr;     // J x C x k x k (as in theta)
  const float* wf = nullptr;     // groups x C x k x k x jbp (forward; jbp = jb rounded up to 4,
                                 // padded with zero kernels)
  const float* wa = nullptr;     // J x k x k x C (adjoint)
  const float* wa4 = nullptr;    // J x k x k x 4 (adjoint, channels padded to 4; C <= 4)
  const float* scale = nullptr;  // J: a b_j
  int jb = 4;                    // kernels per forward group: 4, 5, 8 or 10
  float nu = 1.0f;
};

// jb the forward kernels use for J kernels.
int ForwardGroupSize(int J);
inline int PaddedGroupSize(int jb) {
  return (jb + 3) / 4 * 4;
}

// out (n x J x h x w) = map(K x). diag (n x J x h x w) is read for kHessian only.
cudaError_t LaunchForward(const FoeDims& d, const FoeDeviceWeights& wts, FoeMap map, const float* x,
                          const float* diag, float* out, cudaStream_t stream);
// out (n x C x h x w) = sum_j K_j^T w_j (P^T of the full correlation) + the data term. The
// result is deterministic (no atomics): the Reflect101 fold is a gather per border pixel.
cudaError_t LaunchAdjoint(const FoeDims& d, const FoeDeviceWeights& wts, const float* w, float* out,
                          cudaStream_t stream, const DataTerm& data = {});
cudaError_t LaunchFill(float* data, std::size_t count, float value, cudaStream_t stream);
// dots (n x J x 2): <phi'(z_j), K_j q> and <-z nu^2/r^3, K_j q> per image and kernel.
// kgrad (n x J x C x k x k): sum_p A_j(p) x_c(p+(u,v)-r) + B_j(p) q_c(p+(u,v)-r) per image.
cudaError_t LaunchMixed(const FoeDims& d, const FoeDeviceWeights& wts, const float* x,
                        const float* q, const float* z, const float* kq, double* dots,
                        double* kgrad, cudaStream_t stream);

}  // namespace bilevel::cuda
