// The state of CudaSolver (bilevel/cuda/cuda_solvers.h) shared by the files that implement it:
// cuda_solvers.cpp (set-up, the power method and FISTA), cuda_cg.cpp (CG) and
// cuda_solver_ops.cpp (operators and batch operations); cuda_data_operator.cpp holds the forward
// operators on the device.
#pragma once

#include "cuda/cuda_solvers.h"
#include "solvers/solver_steps.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <new>
#include <random>
#include <string>
#include <utility>

#include "base/batch_ops.h"
#include "device_array.h"
#include "solver_kernels.cuh"

namespace bilevel {
namespace cuda_solver_detail {

using cuda::CudaStatus;

inline bool PositiveFinite(double v) {
  return v > 0.0 && std::isfinite(v);
}

inline bool SameImageShape(const Shape& a, const Shape& b) {
  return a.c == b.c && a.h == b.h && a.w == b.w;
}

inline SolveSummary Failed(SolveSummary summary, const std::string& prefix, const Status& s) {
  summary.status = SolverStatus::kInvalidInput;
  summary.message = prefix + s.message();
  return summary;
}

}  // namespace cuda_solver_detail

using namespace cuda_solver_detail;

struct CudaDataOperator::Impl {
  OperatorKind kind = OperatorKind::kIdentity;
  Shape shape;  // one image (n = 1)
  double lower = 0.0;
  cudaStream_t stream = nullptr;
  DeviceBatch masks;
  cuda::DeviceArray<float> kernel;  // blur: k x k
  int k = 1;
  bool reflect = true;

  cuda::BlurDims blur(const Shape& s) const {
    cuda::BlurDims d;
    d.n = s.n;
    d.c = s.c;
    d.h = s.h;
    d.w = s.w;
    d.k = k;
    d.reflect = reflect;
    d.kernel = kernel.data();
    return d;
  }
};

struct CudaSolver::Impl {
  CudaFoe* foe = nullptr;
  cudaStream_t stream = nullptr;
  cudaEvent_t done[2] = {nullptr, nullptr};

  // Vectors: FISTA y = a, grad = b, the previous grad = c and y = d; power v = a, w = b; CG r = a,
  // p = b, Hp = c; tmp for A v.
  DeviceBatch a, b, c, d, tmp;
  // Per-image scalars (n each), in three arrays.
  enum Doubles {
    kMomentum,
    kT,
    kResidual,
    kRr,
    kAlpha,
    kBeta,
    kLambda,
    kScale,
    kQq,
    kLipschitz,
    kBest,
    kDoubles
  };
  enum Ints { kIterations, kState, kMode, kIncreases, kSince, kInts };
  enum Floats { kInvL, kBetaF, kFloats };
  cuda::DeviceArray<double> dbl;
  cuda::DeviceArray<int> ints;
  cuda::DeviceArray<float> flt;
  cuda::DeviceArray<double> partial;     // n x blocks x kMaxSums
  cuda::DeviceArray<unsigned> arrivals;  // n
  cuda::DeviceArray<int> control;        // three lists of n, then three counts
  cuda::DeviceArray<int> index;          // gather / scatter indices and test lists (+ count)
  cuda::DeviceArray<double> coef;        // axpby's alpha and beta
  cuda::PinnedArray<int> host_count;     // 2
  int n = 0;                             // images the per-image arrays hold

  // Power-method start vectors for CPU batch positions 0..start_count-1.
  DeviceBatch start;
  unsigned start_seed = 0;
  int start_count = 0;

  std::vector<double>* times = nullptr;
  std::vector<cudaEvent_t> marks;  // timing events, reused from solve to solve

  ~Impl() {
    for (cudaEvent_t e : done)
      if (e) cudaEventDestroy(e);
    for (cudaEvent_t e : marks)
      cudaEventDestroy(e);
  }

  double* dptr(Doubles which) { return dbl.data() + std::size_t(which) * n; }
  int* iptr(Ints which) { return ints.data() + std::size_t(which) * n; }
  float* fptr(Floats which) { return flt.data() + std::size_t(which) * n; }
  int* list(int slot) { return control.data() + std::size_t(slot) * n; }
  int* count(int slot) { return control.data() + std::size_t(3) * n + slot; }
  cuda::ImageList slot(int s) { return cuda::ImageList{list(s), count(s)}; }
  static DeviceImageList Device(const cuda::ImageList& l) {
    return DeviceImageList{l.list, l.count};
  }

  // The per-image arrays grow to `images`; n (their stride) changes only once all of them have,
  // so that a failed allocation leaves no array shorter than n says.
  Status ensure(int images, const cuda::VecDims& vd) {
    if (images > n) {
      const std::size_t m = std::size_t(images);
      n = 0;
      BILEVEL_STATUS_CHECK(dbl.allocate(std::size_t(kDoubles) * m, "solver scalars"));
      BILEVEL_STATUS_CHECK(ints.allocate(std::size_t(kInts) * m, "solver counters"));
      BILEVEL_STATUS_CHECK(flt.allocate(std::size_t(kFloats) * m, "solver scalars"));
      BILEVEL_STATUS_CHECK(arrivals.allocate(m, "solver counters"));
      BILEVEL_STATUS_CHECK(control.allocate(std::size_t(3) * m + 3, "image lists"));
      n = images;
    }
    BILEVEL_STATUS_CHECK(
        partial.allocate(std::size_t(n) * vd.blocks * cuda::kMaxSums, "partial sums"));
    BILEVEL_STATUS_CHECK(host_count.allocate(2, "image counts"));
    return Status::Ok();
  }

  Status checkProblem(const CudaProblem& p, const Shape& shape) const {
    if (!p.foe || !p.op || !p.measured)
      return Status::Error("incomplete problem: regularizer, operator or measurements missing");
    if (static_cast<cudaStream_t>(p.foe->stream()) != stream)
      return Status::Error("the problem's regularizer is not the one the solver was made for");
    if (shape.n < 0 || shape.c < 1 || shape.h < 1 || shape.w < 1)
      return Status::Error("invalid batch shape " + shape.toString());
    if (p.measured->shape() != shape)
      return Status::Error("shape mismatch: the measurements are " +
                           p.measured->shape().toString() + ", the batch is " + shape.toString());
    if (!SameImageShape(p.op->imageShape(), shape))
      return Status::Error("shape mismatch: the operator is for images of " +
                           p.op->imageShape().toString() + ", the batch is " + shape.toString());
    if (p.op->kind() == OperatorKind::kInpainting && p.op->masks().shape() != shape)
      return Status::Error("shape mismatch: the operator has " +
                           std::to_string(p.op->masks().shape().n) + " masks, the batch has " +
                           std::to_string(shape.n) + " images");
    if (!(p.mu0 >= 0.0) || !std::isfinite(p.mu0))
      return Status::Error("mu0 must be finite and non-negative");
    if (shape.n > 65535)
      return Status::Error("batches of more than 65535 images are not supported");
    return Status::Ok();
  }

  // grad h on the listed images: the regularizer's gradient with the data term in its epilogue
  // (the blur's A^T (A x - y) is added by a separate pass).
  Status gradientOn(const CudaProblem& p, const DeviceBatch& x, DeviceBatch& g,
                    const cuda::ImageList& images) {
    const CudaDataOperator::Impl& op = p.op->impl();
    const float mu0 = float(p.mu0);
    DeviceDataTerm term;
    term.v = x.data();
    switch (op.kind) {
      case OperatorKind::kIdentity:
        term.coef = 1.0f + mu0;
        term.y = p.measured->data();
        break;
      case OperatorKind::kInpainting:
        term.coef = mu0;
        term.mask = op.masks.data();
        term.y = p.measured->data();
        break;
      case OperatorKind::kGaussianBlur:
        term.coef = mu0;
        BILEVEL_STATUS_CHECK(tmp.allocate(x.shape()));
        BILEVEL_CUDA_CHECK(cuda::LaunchBlur(op.blur(x.shape()), images, false, false, x.data(),
                                            p.measured->data(), tmp.data(), stream),
                           "blur kernel");
        break;
    }
    BILEVEL_STATUS_CHECK(p.foe->gradient(x, g, Device(images), term));
    if (op.kind == OperatorKind::kGaussianBlur)
      BILEVEL_CUDA_CHECK(cuda::LaunchBlur(op.blur(x.shape()), images, true, true, tmp.data(),
                                          nullptr, g.data(), stream),
                         "blur adjoint kernel");
    return Status::Ok();
  }

  // The Hessian (A^T A + grad^2 R + mu0 I) or the curvature bound on the listed images.
  Status hessianOn(const CudaProblem& p, const DeviceBatch& v, DeviceBatch& out,
                   const cuda::ImageList& images, bool bound) {
    const CudaDataOperator::Impl& op = p.op->impl();
    const float mu0 = float(p.mu0);
    DeviceDataTerm term;
    term.v = v.data();
    switch (op.kind) {
      case OperatorKind::kIdentity:
        term.coef = 1.0f + mu0;
        break;
      case OperatorKind::kInpainting:
        term.coef = mu0;
        term.mask = op.masks.data();
        break;
      case OperatorKind::kGaussianBlur:
        term.coef = mu0;
        BILEVEL_STATUS_CHECK(tmp.allocate(v.shape()));
        BILEVEL_CUDA_CHECK(cuda::LaunchBlur(op.blur(v.shape()), images, false, false, v.data(),
                                            nullptr, tmp.data(), stream),
                           "blur kernel");
        break;
    }
    if (bound)
      BILEVEL_STATUS_CHECK(p.foe->hessianBound(v, out, Device(images), term));
    else
      BILEVEL_STATUS_CHECK(p.foe->hessianVector(v, out, Device(images), term));
    if (op.kind == OperatorKind::kGaussianBlur)
      BILEVEL_CUDA_CHECK(cuda::LaunchBlur(op.blur(v.shape()), images, true, true, tmp.data(),
                                          nullptr, out.data(), stream),
                         "blur adjoint kernel");
    return Status::Ok();
  }

  // Start vectors for CPU batch positions 0..count-1, generated exactly as PowerMethod does (the
  // same vector at every position).
  Status ensureStartVectors(unsigned seed, const Shape& image, int count) {
    if (start_count >= count && start_seed == seed && SameImageShape(start.shape(), image))
      return Status::Ok();
    count = std::max(count, 8);
    const Shape shape{count, image.c, image.h, image.w};
    Batch<float> v(shape);
    for (int i = 0; i < count; ++i) {
      std::mt19937 rng(seed);
      std::normal_distribution<double> normal;
      float* vi = v.image(i);
      for (std::size_t q = 0; q < v.imageSize(); ++q)
        vi[q] = float(normal(rng));
    }
    const std::vector<int> all = AllImages(count);
    std::vector<double> norms, scale(count), zero(count, 0.0);
    Norm(all, v, norms);
    for (int i = 0; i < count; ++i)
      scale[i] = 1.0 / norms[i];
    Axpby(all, scale, v, zero, v);
    start_count = 0;
    BILEVEL_STATUS_CHECK(start.allocate(shape));
    BILEVEL_CUDA_CHECK(cudaMemcpyAsync(start.data(), v.data(), v.size() * sizeof(float),
                                       cudaMemcpyHostToDevice, stream),
                       "uploading the power-method start vectors");
    BILEVEL_CUDA_CHECK(cudaStreamSynchronize(stream), "uploading the power-method start vectors");
    start_seed = seed;
    start_count = count;
    return Status::Ok();
  }

  Status uploadIndex(const std::vector<int>& values, int count_at = -1) {
    std::vector<int> host = values;
    if (count_at >= 0) {
      host.resize(std::size_t(count_at) + 1, 0);
      host[std::size_t(count_at)] = int(values.size());
    }
    return index.upload(host.data(), host.size(), stream, "an image list");
  }

  Status waitCount(int slot, int* value) {
    BILEVEL_CUDA_CHECK(cudaEventSynchronize(done[slot]), "waiting for a solver iteration");
    *value = host_count[std::size_t(slot)];
    return Status::Ok();
  }

  // Queues the copy of an image count to the host (slot 0 or 1) and marks it with an event.
  Status sendCount(const int* device_count, int slot) {
    BILEVEL_CUDA_CHECK(cudaMemcpyAsync(host_count.data() + slot, device_count, sizeof(int),
                                       cudaMemcpyDeviceToHost, stream),
                       "reading the number of active images");
    BILEVEL_CUDA_CHECK(cudaEventRecord(done[slot], stream), "recording an event");
    return Status::Ok();
  }

  // Queues iterations 0, 1, ... with enqueue(k) until the device reports no active image; each
  // iteration ends with sendCount(next count, k % 2). The count before iteration 0 is `known` or,
  // when pending, in flight in slot 1. The host waits for iteration k - 1's count only after
  // queueing iteration k, so the device always has work; iteration k then may find an empty list
  // (it does nothing).
  Status run(bool pending, int known, const std::function<bool()>& keep_going,
             const std::function<Status(int)>& enqueue, bool* cancelled) {
    *cancelled = false;
    std::size_t used = 0;
    auto mark = [&]() -> Status {
      if (!times) return Status::Ok();
      if (used == marks.size()) {
        cudaEvent_t e = nullptr;
        BILEVEL_CUDA_CHECK(cudaEventCreate(&e), "creating a timing event");
        marks.push_back(e);
      }
      BILEVEL_CUDA_CHECK(cudaEventRecord(marks[used++], stream), "recording a timing event");
      return Status::Ok();
    };
    if (times) {  // enough events for a typical solve before the first iteration
      while (marks.size() < 64) {
        cudaEvent_t e = nullptr;
        BILEVEL_CUDA_CHECK(cudaEventCreate(&e), "creating a timing event");
        marks.push_back(e);
      }
    }
    bool idle_last = false;  // the last queued iteration ran on an empty list
    Status status;
    for (int k = 0;; ++k) {
      if (!pending && known == 0) break;
      if (keep_going && !keep_going()) {
        if (pending) {
          if (status = waitCount((k + 1) % 2, &known); !status.ok()) break;
          if (known == 0) break;
        }
        *cancelled = true;
        break;
      }
      if (status = mark(); !status.ok()) break;
      if (status = enqueue(k); !status.ok()) break;
      if (pending) {
        if (status = waitCount((k + 1) % 2, &known); !status.ok()) break;
        if (known == 0) {
          idle_last = true;
          break;
        }
      }
      pending = true;
    }
    if (status.ok() && times && !idle_last) status = mark();
    if (const cudaError_t e = cudaStreamSynchronize(stream); e != cudaSuccess && status.ok())
      status = CudaStatus(e, "solver iterations");
    if (times) {
      times->clear();
      for (std::size_t k = 0; k + 1 < used; ++k) {
        float ms = 0.0f;
        if (cudaEventElapsedTime(&ms, marks[k], marks[k + 1]) == cudaSuccess)
          times->push_back(double(ms));
      }
      cudaGetLastError();
    }
    return status;
  }

  cuda::FistaDevice fistaDevice(const FistaOptions& o) {
    cuda::FistaDevice f;
    f.tolerance = o.tolerance;
    f.max_iterations = o.max_iterations;
    f.adaptive_restart = o.adaptive_restart ? 1 : 0;
    f.safety = o.lipschitz_safety;
    f.precision = double(std::numeric_limits<float>::epsilon()) / 2.0;
    f.strongly_convex_momentum = o.strongly_convex_momentum ? 1 : 0;
    f.lipschitz = dptr(kLipschitz);
    f.inv_l = fptr(kInvL);
    f.increases = iptr(kIncreases);
    f.best = dptr(kBest);
    f.since = iptr(kSince);
    f.momentum = dptr(kMomentum);
    f.t = dptr(kT);
    f.iterations = iptr(kIterations);
    f.residual = dptr(kResidual);
    f.state = iptr(kState);
    f.mode = iptr(kMode);
    f.beta = fptr(kBetaF);
    return f;
  }

  cuda::CgDevice cgDevice(const CgOptions& o) {
    cuda::CgDevice g;
    g.tolerance = o.tolerance;
    g.max_iterations = o.max_iterations;
    g.rr = dptr(kRr);
    g.alpha = dptr(kAlpha);
    g.beta = dptr(kBeta);
    g.residual = dptr(kResidual);
    g.iterations = iptr(kIterations);
    g.state = iptr(kState);
    g.mode = iptr(kMode);
    return g;
  }

  cuda::Progress progress(int next, int clear) {
    cuda::Progress pr;
    pr.partial = partial.data();
    pr.arrivals = arrivals.data();
    if (next >= 0) {
      pr.next_list = list(next);
      pr.next_count = count(next);
    }
    if (clear >= 0) pr.clear_count = count(clear);
    return pr;
  }

  // Per-image results of FISTA's safeguard: the final L and the times it grew.
  Status lipschitzResults(int images, std::vector<double>* lipschitz, std::vector<int>* increases);

  // Per-image results after a solve: iterations, states and residuals.
  Status results(int images, std::vector<int>* its, std::vector<int>* states,
                 std::vector<double>* residuals) {
    its->resize(images);
    states->resize(images);
    residuals->resize(images);
    BILEVEL_CUDA_CHECK(cudaMemcpyAsync(its->data(), iptr(kIterations), images * sizeof(int),
                                       cudaMemcpyDeviceToHost, stream),
                       "downloading iteration counts");
    BILEVEL_CUDA_CHECK(cudaMemcpyAsync(states->data(), iptr(kState), images * sizeof(int),
                                       cudaMemcpyDeviceToHost, stream),
                       "downloading solver states");
    BILEVEL_CUDA_CHECK(cudaMemcpyAsync(residuals->data(), dptr(kResidual), images * sizeof(double),
                                       cudaMemcpyDeviceToHost, stream),
                       "downloading residuals");
    BILEVEL_CUDA_CHECK(cudaStreamSynchronize(stream), "downloading solver results");
    return Status::Ok();
  }

  Status runFista(const FistaOptions& options, const CudaProblem& problem, DeviceBatch& x,
                  const std::vector<double>& L, SolveSummary* summary);
  Status runCg(const CgOptions& options, const CudaProblem& problem, const DeviceBatch& rhs,
               DeviceBatch& q, SolveSummary* summary);
  Status runPower(const CudaProblem& problem, int iterations, unsigned seed,
                  const std::function<bool()>& keep_going, const std::vector<int>& start_ids,
                  std::vector<double>* lambda);
};

}  // namespace bilevel
