// FISTA, the power method and CG on the device (bilevel/cuda/cuda_solvers.h): host loops that
// queue the kernels of solver_kernels.cu and foe_kernels.cu on the CudaFoe's stream. The
// per-image decisions are taken on the device; see core/src/fista.cpp and core/src/cg.cpp for the
// algorithms this mirrors.
#include "bilevel/cuda/cuda_solvers.h"

#include "solvers/solver_steps.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <new>
#include <random>
#include <string>
#include <utility>

#include "bilevel/batch_ops.h"
#include "device_array.h"
#include "solver_kernels.cuh"

namespace bilevel {
namespace {

using cuda::CudaStatus;

bool PositiveFinite(double v) {
  return v > 0.0 && std::isfinite(v);
}

bool SameImageShape(const Shape& a, const Shape& b) {
  return a.c == b.c && a.h == b.h && a.w == b.w;
}

SolveSummary Failed(SolveSummary summary, const std::string& prefix, const Status& s) {
  summary.status = SolverStatus::kInvalidInput;
  summary.message = prefix + s.message();
  return summary;
}

}  // namespace

// ------------------------------------------------------------------------------------------
// CudaDataOperator

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

CudaDataOperator::CudaDataOperator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CudaDataOperator::~CudaDataOperator() = default;

Status CudaDataOperator::Create(const ForwardOperator<float>& op, void* stream,
                                std::unique_ptr<CudaDataOperator>* out) {
  try {
    auto impl = std::make_unique<Impl>();
    impl->kind = op.kind();
    impl->shape = op.imageShape();
    impl->shape.n = 1;
    impl->lower = op.normalLowerBound();
    impl->stream = static_cast<cudaStream_t>(stream);
    const Shape& s = impl->shape;
    if (s.c < 1 || s.h < 1 || s.w < 1)
      return Status::Error("CudaDataOperator: invalid image shape " + s.toString());
    switch (op.kind()) {
      case OperatorKind::kIdentity:
        break;
      case OperatorKind::kGaussianBlur: {
        const auto* blur = dynamic_cast<const GaussianBlurOperator<float>*>(&op);
        if (!blur) return Status::Error("CudaDataOperator: unknown blur operator");
        const std::vector<float>& kernel = blur->kernel();
        const int k = int(std::lround(std::sqrt(double(kernel.size()))));
        if (k < 1 || std::size_t(k) * k != kernel.size() || k % 2 == 0 || k > s.h || k > s.w)
          return Status::Error("CudaDataOperator: the blur kernel does not fit the images");
        impl->k = k;
        // The boundary rule: Reflect101 reads only image pixels, so a constant image stays
        // constant (the kernel is normalised); zero padding darkens the corner.
        Batch<float> ones(Shape{1, s.c, s.h, s.w}, 1.0f), blurred(Shape{1, s.c, s.h, s.w});
        op.apply(0, ones.data(), blurred.data());
        impl->reflect = blurred.data()[0] > 0.999f;
        BILEVEL_STATUS_CHECK(
            impl->kernel.upload(kernel.data(), kernel.size(), impl->stream, "the blur kernel"));
        break;
      }
      case OperatorKind::kInpainting: {
        const auto* inpaint = dynamic_cast<const InpaintingOperator<float>*>(&op);
        if (!inpaint) return Status::Error("CudaDataOperator: unknown inpainting operator");
        const Batch<float>& masks = inpaint->masks();
        BILEVEL_STATUS_CHECK(impl->masks.allocate(masks.shape()));
        if (masks.size() > 0)
          BILEVEL_CUDA_CHECK(
              cudaMemcpyAsync(impl->masks.data(), masks.data(), masks.size() * sizeof(float),
                              cudaMemcpyHostToDevice, impl->stream),
              "uploading the inpainting masks");
        break;
      }
    }
    BILEVEL_CUDA_CHECK(cudaStreamSynchronize(impl->stream), "uploading the operator");
    out->reset(new CudaDataOperator(std::move(impl)));
    return Status::Ok();
  } catch (const std::bad_alloc&) {
    return Status::Error("CudaDataOperator: out of host memory");
  }
}

OperatorKind CudaDataOperator::kind() const {
  return impl_->kind;
}
double CudaDataOperator::normalLowerBound() const {
  return impl_->lower;
}
const Shape& CudaDataOperator::imageShape() const {
  return impl_->shape;
}
DeviceBatch& CudaDataOperator::masks() {
  return impl_->masks;
}
const DeviceBatch& CudaDataOperator::masks() const {
  return impl_->masks;
}

Status CudaDataOperator::apply(const DeviceBatch& in, DeviceBatch& out, bool adjoint) {
  Impl& m = *impl_;
  const Shape& s = in.shape();
  if (!SameImageShape(s, m.shape))
    return Status::Error("CudaDataOperator: images of " + s.toString() + ", the operator is for " +
                         m.shape.toString());
  if (&in == &out) return Status::Error("CudaDataOperator: input and output must differ");
  if (m.kind == OperatorKind::kInpainting && m.masks.shape() != s)
    return Status::Error("CudaDataOperator: " + std::to_string(m.masks.shape().n) +
                         " masks for a batch of " + std::to_string(s.n));
  BILEVEL_STATUS_CHECK(out.allocate(s));
  if (s.size() == 0) return Status::Ok();
  switch (m.kind) {
    case OperatorKind::kIdentity:
      BILEVEL_CUDA_CHECK(cudaMemcpyAsync(out.data(), in.data(), s.size() * sizeof(float),
                                         cudaMemcpyDeviceToDevice, m.stream),
                         "identity operator");
      break;
    case OperatorKind::kGaussianBlur:
      BILEVEL_CUDA_CHECK(
          cuda::LaunchBlur(m.blur(s), {}, adjoint, false, in.data(), nullptr, out.data(), m.stream),
          "blur kernel");
      break;
    case OperatorKind::kInpainting:
      BILEVEL_CUDA_CHECK(cuda::LaunchMask(cuda::MakeVecDims(s.n, s.imageSize()), {}, m.masks.data(),
                                          in.data(), out.data(), m.stream),
                         "mask kernel");
      break;
  }
  return Status::Ok();
}

// ------------------------------------------------------------------------------------------
// CudaSolver

struct CudaSolver::Impl {
  CudaFoe* foe = nullptr;
  cudaStream_t stream = nullptr;
  cudaEvent_t done[2] = {nullptr, nullptr};

  // Vectors: FISTA y = a, grad = b; power v = a, w = b; CG r = a, p = b, Hp = c; tmp for A v.
  DeviceBatch a, b, c, tmp;
  // Per-image scalars (n each), in three arrays.
  enum Doubles { kMomentum, kT, kResidual, kRr, kAlpha, kBeta, kLambda, kScale, kQq, kDoubles };
  enum Ints { kIterations, kState, kMode, kInts };
  enum Floats { kInvL, kBetaF, kFloats };
  cuda::DeviceArray<double> dbl;
  cuda::DeviceArray<int> ints;
  cuda::DeviceArray<float> flt;
  cuda::DeviceArray<double> partial;     // n x blocks x 2
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
    BILEVEL_STATUS_CHECK(partial.allocate(std::size_t(n) * vd.blocks * 2, "partial sums"));
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

  // Start vectors for CPU batch positions 0..count-1, generated exactly as PowerMethod does.
  Status ensureStartVectors(unsigned seed, const Shape& image, int count) {
    if (start_count >= count && start_seed == seed && SameImageShape(start.shape(), image))
      return Status::Ok();
    count = std::max(count, 8);
    const Shape shape{count, image.c, image.h, image.w};
    Batch<float> v(shape);
    for (int i = 0; i < count; ++i) {
      std::mt19937 rng(seed + 7919u * unsigned(i));
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
    f.inv_l = fptr(kInvL);
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

CudaSolver::CudaSolver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CudaSolver::~CudaSolver() = default;

std::unique_ptr<CudaSolver> CudaSolver::Create(CudaFoe& foe, Status* status) {
  auto impl = std::make_unique<Impl>();
  impl->foe = &foe;
  impl->stream = static_cast<cudaStream_t>(foe.stream());
  for (cudaEvent_t& e : impl->done) {
    const cudaError_t err = cudaEventCreateWithFlags(&e, cudaEventDisableTiming);
    if (err != cudaSuccess) {
      e = nullptr;
      if (status) *status = CudaStatus(err, "creating events");
      return nullptr;
    }
  }
  if (Status s = impl->host_count.allocate(2, "image counts"); !s.ok()) {
    if (status) *status = s;
    return nullptr;
  }
  if (status) *status = Status::Ok();
  return std::unique_ptr<CudaSolver>(new CudaSolver(std::move(impl)));
}

void CudaSolver::recordIterationTimes(std::vector<double>* milliseconds) {
  impl_->times = milliseconds;
}

// ------------------------------------------------------------------------------------------
// Power method

Status CudaSolver::Impl::runPower(const CudaProblem& problem, int iterations, unsigned seed,
                                  const std::function<bool()>& keep_going,
                                  const std::vector<int>& start_ids, std::vector<double>* lambda) {
  lambda->clear();
  const Shape shape = problem.measured->shape();
  const int images = shape.n;
  if (images == 0) return Status::Ok();
  std::vector<int> ids = start_ids;
  if (ids.empty()) ids = AllImages(images);
  if (int(ids.size()) != images)
    return Status::Error("power method: " + std::to_string(ids.size()) + " start ids for " +
                         std::to_string(images) + " images");
  int count_needed = 0;
  for (int id : ids) {
    if (id < 0) return Status::Error("power method: negative start id");
    count_needed = std::max(count_needed, id + 1);
  }
  const cuda::VecDims vd = cuda::MakeVecDims(images, shape.imageSize());
  BILEVEL_STATUS_CHECK(ensure(images, vd));
  BILEVEL_STATUS_CHECK(ensureStartVectors(seed, shape, count_needed));
  BILEVEL_STATUS_CHECK(uploadIndex(ids));
  BILEVEL_STATUS_CHECK(a.allocate(shape));
  BILEVEL_STATUS_CHECK(b.allocate(shape));
  BILEVEL_CUDA_CHECK(
      cuda::LaunchGather(shape.imageSize(), images, index.data(), start.data(), a.data(), stream),
      "gathering start vectors");
  BILEVEL_STATUS_CHECK(arrivals.zero(stream, "solver counters"));
  cuda::PowerDevice pw;
  pw.lambda = dptr(kLambda);
  pw.scale = dptr(kScale);
  const cuda::Progress pr = progress(-1, -1);
  for (int it = 0; it < iterations; ++it) {
    if (keep_going && !keep_going()) {
      BILEVEL_CUDA_CHECK(cudaStreamSynchronize(stream), "power iterations");
      return Status::Ok();  // cancelled: lambda stays empty
    }
    BILEVEL_STATUS_CHECK(hessianOn(problem, a, b, {}, true));
    BILEVEL_CUDA_CHECK(cuda::LaunchPowerReduce(vd, pw, pr, a.data(), b.data(), stream),
                       "power-method reduction");
    BILEVEL_CUDA_CHECK(cuda::LaunchPowerNormalize(vd, pw, b.data(), a.data(), stream),
                       "power-method normalisation");
  }
  std::vector<double> values(images, 0.0);
  if (iterations > 0)
    BILEVEL_CUDA_CHECK(cudaMemcpyAsync(values.data(), pw.lambda, images * sizeof(double),
                                       cudaMemcpyDeviceToHost, stream),
                       "downloading eigenvalue estimates");
  BILEVEL_CUDA_CHECK(cudaStreamSynchronize(stream), "power iterations");
  *lambda = std::move(values);
  return Status::Ok();
}

std::vector<double> CudaSolver::powerMethod(const CudaProblem& problem, int iterations,
                                            unsigned seed, const std::function<bool()>& keep_going,
                                            const std::vector<int>& start_ids, Status* status) {
  std::vector<double> lambda;
  Status s = problem.measured ? impl_->checkProblem(problem, problem.measured->shape())
                              : Status::Error("no measurements");
  if (s.ok()) {
    try {
      s = impl_->runPower(problem, iterations, seed, keep_going, start_ids, &lambda);
    } catch (const std::bad_alloc&) {
      s = Status::Error("power method: out of host memory");
    }
  }
  if (!s.ok()) lambda.clear();
  if (status) *status = s;
  return lambda;
}

// ------------------------------------------------------------------------------------------
// FISTA

Status CudaSolver::Impl::runFista(const FistaOptions& options, const CudaProblem& problem,
                                  DeviceBatch& x, const std::vector<double>& L,
                                  SolveSummary* summary) {
  const Shape shape = x.shape();
  const int images = shape.n;
  const cuda::VecDims vd = cuda::MakeVecDims(images, shape.imageSize());
  BILEVEL_STATUS_CHECK(ensure(images, vd));

  // Host side of the set-up, as SolveFista: momentum, the active images, per-image state.
  std::vector<double> doubles(std::size_t(kDoubles) * n, 0.0);
  std::vector<int> counters(std::size_t(kInts) * n, 0);
  std::vector<float> floats(std::size_t(kFloats) * n, 0.0f);
  std::vector<int> lists(std::size_t(3) * n + 3, 0);
  const double mu = problem.op->normalLowerBound() + problem.mu0;
  int active = 0;
  bool bad_lipschitz = false;
  for (int i = 0; i < images; ++i) {
    const double momentum =
        steps::StronglyConvexMomentum(options.strongly_convex_momentum, L[i], mu);
    doubles[std::size_t(kMomentum) * n + i] = momentum;
    doubles[std::size_t(kT) * n + i] = 1.0;
    if (PositiveFinite(L[i])) {
      floats[std::size_t(kInvL) * n + i] = float(1.0 / L[i]);
      lists[std::size_t(active++)] = i;
    } else {
      bad_lipschitz = true;
      counters[std::size_t(kState) * n + i] = cuda::kNonFinite;
    }
  }
  lists[std::size_t(3) * n] = active;  // counts of slots 0, 1, 2
  BILEVEL_STATUS_CHECK(dbl.upload(doubles.data(), doubles.size(), stream, "solver scalars"));
  BILEVEL_STATUS_CHECK(ints.upload(counters.data(), counters.size(), stream, "solver counters"));
  BILEVEL_STATUS_CHECK(flt.upload(floats.data(), floats.size(), stream, "solver scalars"));
  BILEVEL_STATUS_CHECK(control.upload(lists.data(), lists.size(), stream, "image lists"));
  BILEVEL_STATUS_CHECK(arrivals.zero(stream, "solver counters"));
  // y = x; a = y, b = grad.
  BILEVEL_STATUS_CHECK(a.allocate(shape));
  BILEVEL_STATUS_CHECK(b.allocate(shape));
  if (shape.size() > 0)
    BILEVEL_CUDA_CHECK(cudaMemcpyAsync(a.data(), x.data(), shape.size() * sizeof(float),
                                       cudaMemcpyDeviceToDevice, stream),
                       "copying the starting points");

  const cuda::FistaDevice f = fistaDevice(options);
  auto enqueue = [&](int k) -> Status {
    const int cur = k % 3, next = (k + 1) % 3, clear = (k + 2) % 3;
    const cuda::ImageList current = slot(cur);
    BILEVEL_STATUS_CHECK(gradientOn(problem, a, b, current));
    BILEVEL_CUDA_CHECK(cuda::LaunchFistaReduce(vd, current, f, progress(next, clear), b.data(),
                                               a.data(), x.data(), stream),
                       "FISTA reduction");
    BILEVEL_CUDA_CHECK(
        cuda::LaunchFistaUpdate(vd, current, f, b.data(), a.data(), x.data(), stream),
        "FISTA update");
    return sendCount(count(next), k % 2);
  };
  bool cancelled = false;
  BILEVEL_STATUS_CHECK(run(false, active, options.keep_going, enqueue, &cancelled));

  std::vector<int> its, states;
  std::vector<double> residuals;
  BILEVEL_STATUS_CHECK(results(images, &its, &states, &residuals));
  bool non_finite = bad_lipschitz, hit_limit = false;
  for (int i = 0; i < images; ++i) {
    ImageSolveReport& rep = summary->images[i];
    rep.power_iterations = options.power_iterations;
    rep.lipschitz = L[i];
    if (!PositiveFinite(L[i])) {
      rep.residual = std::nan("");
      continue;
    }
    rep.iterations = its[i];
    rep.residual = residuals[i];
    rep.converged = states[i] == cuda::kConverged;
    if (states[i] == cuda::kNonFinite) non_finite = true;
    if (states[i] == cuda::kLimit) hit_limit = true;
  }
  if (cancelled) {
    summary->status = SolverStatus::kCancelled;
    summary->message = "FISTA: cancelled";
  } else if (non_finite) {
    summary->status = SolverStatus::kNonFinite;
    summary->message = bad_lipschitz ? "FISTA: the Lipschitz estimate is not finite and positive"
                                     : "FISTA: the gradient became non-finite";
  } else if (hit_limit) {
    summary->status = SolverStatus::kMaxIterations;
    summary->message = "FISTA: some images reached max_iterations before the tolerance";
  } else {
    summary->status = SolverStatus::kConverged;
  }
  return Status::Ok();
}

SolveSummary CudaSolver::fista(const FistaOptions& options, const CudaProblem& problem,
                               DeviceBatch& x, const std::vector<int>& start_ids) {
  SolveSummary summary;
  if (Status s = options.validate(); !s.ok()) {
    summary.message = s.message();
    return summary;
  }
  const Shape shape = x.shape();
  if (Status s = impl_->checkProblem(problem, shape); !s.ok())
    return Failed(std::move(summary), "FISTA: ", s);
  if (x.data() != nullptr && x.data() == problem.measured->data())
    return Failed(std::move(summary),
                  "FISTA: ", Status::Error("the starting points must not be the measurements"));
  const int images = shape.n;
  summary.images.assign(images, {});
  try {
    Status st;
    std::vector<double> L = powerMethod(problem, options.power_iterations, options.seed,
                                        options.keep_going, start_ids, &st);
    if (!st.ok()) return Failed(std::move(summary), "FISTA: ", st);
    if (images > 0 && L.empty()) {
      summary.status = SolverStatus::kCancelled;
      summary.message = "FISTA: cancelled";
      return summary;
    }
    for (double& l : L)
      l *= options.lipschitz_safety;
    if (images == 0) {
      summary.status = SolverStatus::kConverged;
      return summary;
    }
    if (Status s = impl_->runFista(options, problem, x, L, &summary); !s.ok())
      return Failed(std::move(summary), "FISTA: ", s);
  } catch (const std::bad_alloc&) {
    return Failed(std::move(summary), "FISTA: ", Status::Error("out of host memory"));
  }
  return summary;
}

// ------------------------------------------------------------------------------------------
// CG

Status CudaSolver::Impl::runCg(const CgOptions& options, const CudaProblem& problem,
                               const DeviceBatch& rhs, DeviceBatch& q, SolveSummary* summary) {
  const Shape shape = rhs.shape();
  const int images = shape.n;
  const cuda::VecDims vd = cuda::MakeVecDims(images, shape.imageSize());
  BILEVEL_STATUS_CHECK(ensure(images, vd));
  BILEVEL_STATUS_CHECK(a.allocate(shape));  // r
  BILEVEL_STATUS_CHECK(b.allocate(shape));  // p
  BILEVEL_STATUS_CHECK(c.allocate(shape));  // H p
  BILEVEL_STATUS_CHECK(arrivals.zero(stream, "solver counters"));
  BILEVEL_CUDA_CHECK(cudaMemsetAsync(count(0), 0, 3 * sizeof(int), stream),
                     "clearing image counts");
  const cuda::CgDevice g = cgDevice(options);

  // The initial residual r = b - H q costs a product only where the warm start is nonzero (those
  // images are listed in slot 2, which iteration 0 clears).
  BILEVEL_CUDA_CHECK(cuda::LaunchReduce(vd, {}, cuda::Reduction::kDot, q.data(), q.data(),
                                        partial.data(), dptr(kQq), stream),
                     "norms of the warm starts");
  BILEVEL_CUDA_CHECK(cuda::LaunchCgSelect(images, dptr(kQq), g, list(2), count(2), stream),
                     "CG set-up");
  BILEVEL_STATUS_CHECK(hessianOn(problem, q, c, slot(2), false));
  BILEVEL_CUDA_CHECK(
      cuda::LaunchCgStart(vd, g, progress(0, -1), rhs.data(), c.data(), a.data(), b.data(), stream),
      "CG initial residual");
  BILEVEL_STATUS_CHECK(sendCount(count(0), 1));

  auto enqueue = [&](int k) -> Status {
    const int cur = k % 3, next = (k + 1) % 3, clear = (k + 2) % 3;
    const cuda::ImageList current = slot(cur);
    BILEVEL_STATUS_CHECK(hessianOn(problem, b, c, current, false));
    BILEVEL_CUDA_CHECK(
        cuda::LaunchCgCurvature(vd, current, g, progress(-1, clear), b.data(), c.data(), stream),
        "CG curvature");
    BILEVEL_CUDA_CHECK(cuda::LaunchCgUpdate(vd, current, g, progress(next, -1), b.data(), c.data(),
                                            q.data(), a.data(), stream),
                       "CG update");
    BILEVEL_CUDA_CHECK(cuda::LaunchCgDirection(vd, slot(next), g, a.data(), b.data(), stream),
                       "CG direction");
    return sendCount(count(next), k % 2);
  };
  bool cancelled = false;
  BILEVEL_STATUS_CHECK(run(true, 0, options.keep_going, enqueue, &cancelled));

  std::vector<int> its, states;
  std::vector<double> residuals;
  BILEVEL_STATUS_CHECK(results(images, &its, &states, &residuals));
  bool non_finite = false, indefinite = false, hit_limit = false;
  for (int i = 0; i < images; ++i) {
    ImageSolveReport& rep = summary->images[i];
    rep.iterations = its[i];
    rep.residual = residuals[i];
    rep.converged = states[i] == cuda::kConverged;
    if (states[i] == cuda::kNonFinite) non_finite = true;
    if (states[i] == cuda::kIndefinite) indefinite = true;
    if (states[i] == cuda::kLimit) hit_limit = true;
  }
  if (cancelled) {
    summary->status = SolverStatus::kCancelled;
    summary->message = "CG: cancelled";
  } else if (non_finite || indefinite) {
    summary->status = SolverStatus::kNonFinite;
    summary->message = non_finite ? "CG: a non-finite value appeared"
                                  : "CG: the operator is not positive definite";
  } else if (hit_limit) {
    summary->status = SolverStatus::kMaxIterations;
    summary->message = "CG: some images reached max_iterations before the tolerance";
  } else {
    summary->status = SolverStatus::kConverged;
  }
  return Status::Ok();
}

SolveSummary CudaSolver::cg(const CgOptions& options, const CudaProblem& problem,
                            const DeviceBatch& rhs, DeviceBatch& q) {
  SolveSummary summary;
  if (Status s = options.validate(); !s.ok()) {
    summary.message = s.message();
    return summary;
  }
  if (q.shape() != rhs.shape()) {
    summary.message = "CG: starting point has shape " + q.shape().toString() +
                      ", the right-hand side has " + rhs.shape().toString();
    return summary;
  }
  if (Status s = impl_->checkProblem(problem, rhs.shape()); !s.ok())
    return Failed(std::move(summary), "CG: ", s);
  if (&q == &rhs || (q.data() == rhs.data() && q.data() != nullptr))
    return Failed(std::move(summary),
                  "CG: ", Status::Error("the right-hand side and the solution must differ"));
  const int images = rhs.shape().n;
  summary.images.assign(images, {});
  if (images == 0) {
    summary.status = SolverStatus::kConverged;
    return summary;
  }
  try {
    if (Status s = impl_->runCg(options, problem, rhs, q, &summary); !s.ok())
      return Failed(std::move(summary), "CG: ", s);
  } catch (const std::bad_alloc&) {
    return Failed(std::move(summary), "CG: ", Status::Error("out of host memory"));
  }
  return summary;
}

// ------------------------------------------------------------------------------------------
// Operators and batch operations

Status CudaSolver::gradient(const CudaProblem& problem, const DeviceBatch& x, DeviceBatch& grad) {
  BILEVEL_STATUS_CHECK(impl_->checkProblem(problem, x.shape()));
  BILEVEL_STATUS_CHECK(grad.allocate(x.shape()));
  return impl_->gradientOn(problem, x, grad, {});
}

Status CudaSolver::hessian(const CudaProblem& problem, const DeviceBatch& v, DeviceBatch& out) {
  BILEVEL_STATUS_CHECK(impl_->checkProblem(problem, v.shape()));
  BILEVEL_STATUS_CHECK(out.allocate(v.shape()));
  return impl_->hessianOn(problem, v, out, {}, false);
}

Status CudaSolver::curvatureBound(const CudaProblem& problem, const DeviceBatch& v,
                                  DeviceBatch& out) {
  BILEVEL_STATUS_CHECK(impl_->checkProblem(problem, v.shape()));
  BILEVEL_STATUS_CHECK(out.allocate(v.shape()));
  return impl_->hessianOn(problem, v, out, {}, true);
}

namespace {

Status CheckActive(const std::vector<int>& active, int n) {
  for (int i : active)
    if (i < 0 || i >= n)
      return Status::Error("image index " + std::to_string(i) + " out of range for a batch of " +
                           std::to_string(n));
  return Status::Ok();
}

// The same for the images an operation writes: each at most once (two slots writing one image
// would race).
Status CheckWritten(const std::vector<int>& images, int n) {
  BILEVEL_STATUS_CHECK(CheckActive(images, n));
  std::vector<char> seen(std::size_t(n), 0);
  for (int i : images)
    if (std::exchange(seen[std::size_t(i)], 1))
      return Status::Error("image index " + std::to_string(i) + " is listed twice");
  return Status::Ok();
}

}  // namespace

Status CudaSolver::dots(const std::vector<int>& active, const DeviceBatch& a, const DeviceBatch& b,
                        std::vector<double>* out) {
  Impl& m = *impl_;
  const Shape& s = a.shape();
  if (b.shape() != s)
    return Status::Error("dots: shapes " + s.toString() + " and " + b.shape().toString() +
                         " differ");
  BILEVEL_STATUS_CHECK(CheckActive(active, s.n));
  out->resize(s.n);
  if (active.empty() || s.imageSize() == 0) return Status::Ok();
  const cuda::VecDims vd = cuda::MakeVecDims(s.n, s.imageSize());
  BILEVEL_STATUS_CHECK(m.ensure(s.n, vd));
  BILEVEL_STATUS_CHECK(m.uploadIndex(active, s.n));
  const cuda::ImageList images{m.index.data(), m.index.data() + s.n};
  BILEVEL_CUDA_CHECK(cuda::LaunchReduce(vd, images, cuda::Reduction::kDot, a.data(), b.data(),
                                        m.partial.data(), m.dptr(Impl::kQq), m.stream),
                     "dot products");
  std::vector<double> all(s.n);
  BILEVEL_CUDA_CHECK(cudaMemcpyAsync(all.data(), m.dptr(Impl::kQq), s.n * sizeof(double),
                                     cudaMemcpyDeviceToHost, m.stream),
                     "downloading dot products");
  BILEVEL_CUDA_CHECK(cudaStreamSynchronize(m.stream), "dot products");
  for (int i : active)
    (*out)[i] = all[i];
  return Status::Ok();
}

Status CudaSolver::norms(const std::vector<int>& active, const DeviceBatch& a,
                         std::vector<double>* out) {
  BILEVEL_STATUS_CHECK(dots(active, a, a, out));
  for (int i : active)
    (*out)[i] = std::sqrt((*out)[i]);
  return Status::Ok();
}

Status CudaSolver::squaredDistances(const DeviceBatch& a, const DeviceBatch& b,
                                    std::vector<double>* out) {
  Impl& m = *impl_;
  const Shape& s = a.shape();
  if (b.shape() != s)
    return Status::Error("squared distances: shapes " + s.toString() + " and " +
                         b.shape().toString() + " differ");
  out->assign(s.n, 0.0);
  if (s.n == 0 || s.imageSize() == 0) return Status::Ok();
  const cuda::VecDims vd = cuda::MakeVecDims(s.n, s.imageSize());
  BILEVEL_STATUS_CHECK(m.ensure(s.n, vd));
  BILEVEL_CUDA_CHECK(cuda::LaunchReduce(vd, {}, cuda::Reduction::kSquaredDistance, a.data(),
                                        b.data(), m.partial.data(), m.dptr(Impl::kQq), m.stream),
                     "squared distances");
  BILEVEL_CUDA_CHECK(cudaMemcpyAsync(out->data(), m.dptr(Impl::kQq), s.n * sizeof(double),
                                     cudaMemcpyDeviceToHost, m.stream),
                     "downloading squared distances");
  BILEVEL_CUDA_CHECK(cudaStreamSynchronize(m.stream), "squared distances");
  return Status::Ok();
}

Status CudaSolver::axpby(const std::vector<int>& active, const std::vector<double>& alpha,
                         const DeviceBatch& x, const std::vector<double>& beta, DeviceBatch& y) {
  Impl& m = *impl_;
  const Shape& s = x.shape();
  if (y.shape() != s)
    return Status::Error("axpby: shapes " + s.toString() + " and " + y.shape().toString() +
                         " differ");
  if (int(alpha.size()) < s.n || int(beta.size()) < s.n)
    return Status::Error("axpby: one coefficient per image is needed");
  BILEVEL_STATUS_CHECK(CheckWritten(active, s.n));
  if (active.empty() || s.imageSize() == 0) return Status::Ok();
  const cuda::VecDims vd = cuda::MakeVecDims(s.n, s.imageSize());
  BILEVEL_STATUS_CHECK(m.ensure(s.n, vd));
  BILEVEL_STATUS_CHECK(m.uploadIndex(active, s.n));
  std::vector<double> coefs(alpha.begin(), alpha.begin() + s.n);
  coefs.insert(coefs.end(), beta.begin(), beta.begin() + s.n);
  BILEVEL_STATUS_CHECK(m.coef.upload(coefs.data(), coefs.size(), m.stream, "coefficients"));
  const cuda::ImageList images{m.index.data(), m.index.data() + s.n};
  BILEVEL_CUDA_CHECK(cuda::LaunchAxpby(vd, images, m.coef.data(), x.data(), m.coef.data() + s.n,
                                       y.data(), m.stream),
                     "axpby kernel");
  return Status::Ok();
}

Status CudaSolver::linear(float a, const DeviceBatch& x, float b, const DeviceBatch& y,
                          DeviceBatch& out) {
  if (y.shape() != x.shape())
    return Status::Error("linear: shapes " + x.shape().toString() + " and " + y.shape().toString() +
                         " differ");
  if (&out != &x && &out != &y) BILEVEL_STATUS_CHECK(out.allocate(x.shape()));
  BILEVEL_CUDA_CHECK(
      cuda::LaunchLinear(x.size(), a, x.data(), b, y.data(), out.data(), impl_->stream),
      "linear combination kernel");
  return Status::Ok();
}

Status CudaSolver::gather(const DeviceBatch& from, const std::vector<int>& images,
                          DeviceBatch& to) {
  Impl& m = *impl_;
  const Shape& s = from.shape();
  BILEVEL_STATUS_CHECK(CheckActive(images, s.n));
  if (&from == &to) return Status::Error("gather: source and destination must differ");
  if (int(images.size()) > 65535) return Status::Error("gather: too many images");
  BILEVEL_STATUS_CHECK(to.allocate(Shape{int(images.size()), s.c, s.h, s.w}));
  if (images.empty()) return Status::Ok();
  BILEVEL_STATUS_CHECK(m.uploadIndex(images));
  BILEVEL_CUDA_CHECK(cuda::LaunchGather(s.imageSize(), int(images.size()), m.index.data(),
                                        from.data(), to.data(), m.stream),
                     "gather kernel");
  return Status::Ok();
}

Status CudaSolver::scatter(const DeviceBatch& from, const std::vector<int>& images,
                           DeviceBatch& to) {
  Impl& m = *impl_;
  const Shape& s = from.shape();
  if (int(images.size()) != s.n)
    return Status::Error("scatter: " + std::to_string(images.size()) + " indices for " +
                         std::to_string(s.n) + " images");
  if (!SameImageShape(s, to.shape()))
    return Status::Error("scatter: images of " + s.toString() + " into " + to.shape().toString());
  BILEVEL_STATUS_CHECK(CheckWritten(images, to.shape().n));
  if (&from == &to) return Status::Error("scatter: source and destination must differ");
  if (images.empty()) return Status::Ok();
  BILEVEL_STATUS_CHECK(m.uploadIndex(images));
  BILEVEL_CUDA_CHECK(
      cuda::LaunchScatter(s.imageSize(), s.n, m.index.data(), from.data(), to.data(), m.stream),
      "scatter kernel");
  return Status::Ok();
}

}  // namespace bilevel
