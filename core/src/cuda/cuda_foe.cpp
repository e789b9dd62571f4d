// CudaFoe: parameters, buffers and checked calls around the Field of Experts kernels
// (foe_*_kernels.cu).
#include "cuda/cuda_foe.h"

#include <cuda_runtime.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "foe_kernels.cuh"

namespace bilevel {
namespace {

Status CudaError(cudaError_t err, const char* what) {
  cudaGetLastError();  // clear a non-sticky error so that later calls start clean
  return Status::Error(std::string("CUDA: ") + what + ": " + cudaGetErrorString(err));
}

#define BILEVEL_CUDA_TRY(expr, what)                                       \
  do {                                                                     \
    const cudaError_t bilevel_err_ = (expr);                               \
    if (bilevel_err_ != cudaSuccess) return CudaError(bilevel_err_, what); \
  } while (0)

// Images per call: the kernels put the image index in a grid dimension (at most 65535).
constexpr int kMaxImages = 65535;

std::string ShapeText(const Shape& s) {
  return std::to_string(s.n) + "x" + std::to_string(s.c) + "x" + std::to_string(s.h) + "x" +
         std::to_string(s.w);
}

// A device allocation of doubles (mixed-derivative partial sums). Owns its memory: not copyable.
struct DoubleBuffer {
  double* data = nullptr;
  std::size_t count = 0;
  DoubleBuffer() = default;
  DoubleBuffer(const DoubleBuffer&) = delete;
  DoubleBuffer& operator=(const DoubleBuffer&) = delete;
  ~DoubleBuffer() {
    if (data) cudaFree(data);
  }
  Status ensure(std::size_t n) {
    if (n <= count) return Status::Ok();
    if (data) cudaFree(data);
    data = nullptr;
    count = 0;
    BILEVEL_CUDA_TRY(cudaMalloc(&data, n * sizeof(double)), "allocating partial sums");
    count = n;
    return Status::Ok();
  }
};

Status CopyToDevice(DeviceBatch& dst, const std::vector<float>& src, cudaStream_t stream) {
  if (Status s = dst.allocate(Shape{1, 1, 1, int(src.size())}); !s.ok()) return s;
  BILEVEL_CUDA_TRY(cudaMemcpyAsync(dst.data(), src.data(), src.size() * sizeof(float),
                                   cudaMemcpyHostToDevice, stream),
                   "copying parameters to the device");
  return Status::Ok();
}

}  // namespace

// ------------------------------------------------------------------------------------------
// CudaFoe

struct CudaFoe::Impl {
  FoeConfig config;
  int J = 0, C = 0, K = 0, kv = 0, params = 0;
  std::string name;
  cudaStream_t stream = nullptr;
  bool have_parameters = false;
  cuda::FoeDeviceWeights wts;
  std::vector<float> scale;  // a b_j (host copy)
  DeviceBatch wk, wf, wa, wa4, dscale;
  DeviceBatch work, work2;  // n x J x h x w
  DeviceBatch diag;         // n x J x h x w
  bool hessian_ready = false;
  DoubleBuffer dots, kgrad;

  ~Impl() {
    if (stream) cudaStreamDestroy(stream);
  }

  cuda::FoeDims dims(const Shape& s, const DeviceImageList& images = {}) const {
    cuda::FoeDims d;
    d.images.list = images.list;
    d.images.count = images.count;
    d.n = s.n;
    d.c = s.c;
    d.h = s.h;
    d.w = s.w;
    d.J = J;
    d.k = K;
    d.reflect = config.boundary == Boundary::kReflect101;
    return d;
  }

  Status checkInput(const DeviceBatch& x, const char* what) const {
    if (!have_parameters) return Status::Error("CudaFoe: no parameters set");
    const Shape& s = x.shape();
    if (x.empty() || s.n < 1) return Status::Error(std::string("CudaFoe: ") + what + " is empty");
    if (s.n > kMaxImages)
      return Status::Error(std::string("CudaFoe: ") + what + " has " + std::to_string(s.n) +
                           " images; a call takes at most " + std::to_string(kMaxImages));
    if (s.c != C)
      return Status::Error(std::string("CudaFoe: ") + what + " has " + std::to_string(s.c) +
                           " channels, the regularizer expects " + std::to_string(C));
    if (K > s.h || K > s.w)
      return Status::Error("CudaFoe: kernel size " + std::to_string(K) +
                           " is larger than the image (" + ShapeText(s) + ")");
    return Status::Ok();
  }

  Shape responseShape(const Shape& s) const { return Shape{s.n, J, s.h, s.w}; }

  Status forward(const DeviceBatch& in, cuda::FoeMap map, const float* diagp, DeviceBatch& out,
                 const DeviceImageList& images = {}) {
    if (Status s = out.allocate(responseShape(in.shape())); !s.ok()) return s;
    BILEVEL_CUDA_TRY(cuda::LaunchForward(dims(in.shape(), images), wts, map, in.data(), diagp,
                                         out.data(), stream),
                     "forward correlation kernel");
    return Status::Ok();
  }

  Status adjoint(const DeviceBatch& responses, const Shape& imageShape, DeviceBatch& out,
                 const DeviceImageList& images = {}, const DeviceDataTerm& data = {}) {
    if (Status s = out.allocate(imageShape); !s.ok()) return s;
    cuda::DataTerm term;
    term.v = data.v;
    term.coef = data.coef;
    term.mask = data.mask;
    term.y = data.y;
    BILEVEL_CUDA_TRY(cuda::LaunchAdjoint(dims(imageShape, images), wts, responses.data(),
                                         out.data(), stream, term),
                     "adjoint correlation kernel");
    return Status::Ok();
  }

  Status sandwich(const DeviceBatch& in, cuda::FoeMap map, DeviceBatch& out, const char* what,
                  const DeviceImageList& images = {}, const DeviceDataTerm& data = {}) {
    if (Status s = checkInput(in, what); !s.ok()) return s;
    if (&in == &out || (in.data() == out.data() && in.data() != nullptr))
      return Status::Error("CudaFoe: input and output must be different buffers");
    if (out.data() != nullptr &&
        (out.data() == data.v || out.data() == data.y || out.data() == data.mask))
      return Status::Error("CudaFoe: the output must not alias the data term");
    const Shape shape = in.shape();
    const float* diagp = nullptr;
    if (map == cuda::FoeMap::kHessian) {
      if (!hessian_ready) return Status::Error("CudaFoe: hessianVector before prepareHessian");
      if (diag.shape() != responseShape(shape))
        return Status::Error("CudaFoe: hessianVector on a " + ShapeText(shape) +
                             " batch, prepared for " + ShapeText(diag.shape()));
      diagp = diag.data();
    }
    if (Status s = forward(in, map, diagp, work, images); !s.ok()) return s;
    return adjoint(work, shape, out, images, data);
  }
};

CudaFoe::CudaFoe(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CudaFoe::~CudaFoe() = default;

std::unique_ptr<CudaFoe> CudaFoe::Create(const FoeConfig& config, Shape batchShape,
                                         Status* status) {
  auto fail = [&](Status s) -> std::unique_ptr<CudaFoe> {
    if (status) *status = std::move(s);
    return nullptr;
  };
  if (config.channels < 1 || config.kernels < 1 || config.kernel_size < 1 ||
      config.kernel_size % 2 == 0)
    return fail(
        Status::Error("CudaFoe: invalid configuration (channels, kernels >= 1, odd "
                      "kernel size)"));
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess || count == 0) {
    cudaGetLastError();
    return fail(Status::Error(err != cudaSuccess
                                  ? std::string("no CUDA device: ") + cudaGetErrorString(err)
                                  : std::string("no CUDA device found")));
  }
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->J = config.kernels;
  impl->C = config.channels;
  impl->K = config.kernel_size;
  impl->kv = impl->C * impl->K * impl->K;
  impl->params = 2 + impl->J + impl->J * impl->kv;
  cudaDeviceProp prop{};
  if ((err = cudaGetDeviceProperties(&prop, 0)) != cudaSuccess)
    return fail(CudaError(err, "reading device properties"));
  impl->name = prop.name;
  if ((err = cudaStreamCreateWithFlags(&impl->stream, cudaStreamNonBlocking)) != cudaSuccess)
    return fail(CudaError(err, "creating a stream"));
  if (batchShape.n > 0) {
    const Shape rs{batchShape.n, impl->J, batchShape.h, batchShape.w};
    if (Status s = impl->work.allocate(rs); !s.ok()) return fail(s);
  }
  if (status) *status = Status::Ok();
  return std::unique_ptr<CudaFoe>(new CudaFoe(std::move(impl)));
}

const FoeConfig& CudaFoe::config() const {
  return impl_->config;
}
int CudaFoe::parameterCount() const {
  return impl_->params;
}
void* CudaFoe::stream() const {
  return impl_->stream;
}
std::string CudaFoe::deviceName() const {
  return impl_->name;
}

Status CudaFoe::setParameters(const Vector<float>& theta) {
  Impl& m = *impl_;
  if (theta.size() != m.params)
    return Status::Error("CudaFoe: parameter vector has " + std::to_string(theta.size()) +
                         " entries, expected " + std::to_string(m.params));
  if (!theta.allFinite()) return Status::Error("CudaFoe: parameters are not finite");
  const int J = m.J, C = m.C, K = m.K, kv = m.kv;
  const float a = std::exp(theta[0]);
  const float nu = std::exp(theta[1 + J]);
  std::vector<float> scale(J);
  for (int j = 0; j < J; ++j)
    scale[j] = a * std::exp(theta[1 + j]);
  for (float s : scale)
    if (!std::isfinite(s) || !std::isfinite(s / nu) || nu <= 0.0f)
      return Status::Error("CudaFoe: parameters overflow (weights or smoothing out of range)");
  const float* k = theta.data() + 2 + J;
  std::vector<float> wk(k, k + std::size_t(J) * kv);
  int jb = cuda::ForwardGroupSize(J);
  // Tuning knob for benchmarks: kernels per forward group (4, 5, 8 or 10).
  if (const char* env = std::getenv("BILEVEL_CUDA_FORWARD_GROUP")) {
    const int want = std::atoi(env);
    if (want == 4 || want == 5 || want == 8 || want == 10) jb = want;
  }
  const int jbp = cuda::PaddedGroupSize(jb);
  const int groups = (J + jb - 1) / jb;
  std::vector<float> wf(std::size_t(groups) * C * K * K * jbp, 0.0f);
  std::vector<float> wa(std::size_t(J) * kv);
  std::vector<float> wa4(C <= 4 ? std::size_t(J) * K * K * 4 : 1, 0.0f);
  for (int j = 0; j < J; ++j)
    for (int c = 0; c < C; ++c)
      for (int u = 0; u < K; ++u)
        for (int v = 0; v < K; ++v) {
          const float val = wk[std::size_t(j) * kv + (c * K + u) * K + v];
          const int g = j / jb, jl = j % jb;
          wf[(((std::size_t(g) * C + c) * K + u) * K + v) * jbp + jl] = val;
          wa[((std::size_t(j) * K + u) * K + v) * C + c] = val;
          if (C <= 4) wa4[((std::size_t(j) * K + u) * K + v) * 4 + c] = val;
        }
  // Wait for work that may still read the old parameters before overwriting them.
  BILEVEL_CUDA_TRY(cudaStreamSynchronize(m.stream), "waiting for queued work");
  // A failure part-way leaves a mix of old and new weights: unusable until the next success.
  m.have_parameters = false;
  m.hessian_ready = false;
  if (Status s = CopyToDevice(m.wk, wk, m.stream); !s.ok()) return s;
  if (Status s = CopyToDevice(m.wf, wf, m.stream); !s.ok()) return s;
  if (Status s = CopyToDevice(m.wa, wa, m.stream); !s.ok()) return s;
  if (Status s = CopyToDevice(m.wa4, wa4, m.stream); !s.ok()) return s;
  if (Status s = CopyToDevice(m.dscale, scale, m.stream); !s.ok()) return s;
  BILEVEL_CUDA_TRY(cudaStreamSynchronize(m.stream), "copying parameters");
  m.scale = scale;
  m.wts.wk = m.wk.data();
  m.wts.wf = m.wf.data();
  m.wts.wa = m.wa.data();
  m.wts.wa4 = m.wa4.data();
  m.wts.scale = m.dscale.data();
  m.wts.jb = jb;
  m.wts.nu = nu;
  m.have_parameters = true;
  m.hessian_ready = false;
  return Status::Ok();
}

Status CudaFoe::upload(const Batch<float>& src, DeviceBatch& dst) {
  if (Status s = dst.allocate(src.shape()); !s.ok()) return s;
  if (src.size() == 0) return Status::Ok();
  BILEVEL_CUDA_TRY(cudaMemcpyAsync(dst.data(), src.data(), src.size() * sizeof(float),
                                   cudaMemcpyHostToDevice, impl_->stream),
                   "uploading a batch");
  return Status::Ok();
}

Status CudaFoe::download(const DeviceBatch& src, Batch<float>& dst) {
  if (dst.shape() != src.shape()) dst.resize(src.shape());
  if (src.size() > 0)
    BILEVEL_CUDA_TRY(cudaMemcpyAsync(dst.data(), src.data(), src.size() * sizeof(float),
                                     cudaMemcpyDeviceToHost, impl_->stream),
                     "downloading a batch");
  BILEVEL_CUDA_TRY(cudaStreamSynchronize(impl_->stream), "waiting for queued work");
  return Status::Ok();
}

Status CudaFoe::fill(DeviceBatch& dst, float value) {
  BILEVEL_CUDA_TRY(cuda::LaunchFill(dst.data(), dst.size(), value, impl_->stream), "fill kernel");
  return Status::Ok();
}

Status CudaFoe::synchronize() {
  BILEVEL_CUDA_TRY(cudaStreamSynchronize(impl_->stream), "waiting for queued work");
  return Status::Ok();
}

Status CudaFoe::gradient(const DeviceBatch& x, DeviceBatch& out) {
  return impl_->sandwich(x, cuda::FoeMap::kGradient, out, "x");
}

Status CudaFoe::gradient(const DeviceBatch& x, DeviceBatch& out, const DeviceImageList& images,
                         const DeviceDataTerm& data) {
  return impl_->sandwich(x, cuda::FoeMap::kGradient, out, "x", images, data);
}

Status CudaFoe::hessianVector(const DeviceBatch& v, DeviceBatch& out, const DeviceImageList& images,
                              const DeviceDataTerm& data) {
  return impl_->sandwich(v, cuda::FoeMap::kHessian, out, "v", images, data);
}

Status CudaFoe::hessianBound(const DeviceBatch& v, DeviceBatch& out, const DeviceImageList& images,
                             const DeviceDataTerm& data) {
  return impl_->sandwich(v, cuda::FoeMap::kBound, out, "v", images, data);
}

Status CudaFoe::prepareHessian(const DeviceBatch& x) {
  Impl& m = *impl_;
  m.hessian_ready = false;
  if (Status s = m.checkInput(x, "x"); !s.ok()) return s;
  if (Status s = m.forward(x, cuda::FoeMap::kPrepare, nullptr, m.diag); !s.ok()) return s;
  m.hessian_ready = true;
  return Status::Ok();
}

Status CudaFoe::hessianVector(const DeviceBatch& v, DeviceBatch& out) {
  return impl_->sandwich(v, cuda::FoeMap::kHessian, out, "v");
}

Status CudaFoe::hessianBound(const DeviceBatch& v, DeviceBatch& out) {
  return impl_->sandwich(v, cuda::FoeMap::kBound, out, "v");
}

Status CudaFoe::filterResponses(const DeviceBatch& x, DeviceBatch& responses) {
  Impl& m = *impl_;
  if (Status s = m.checkInput(x, "x"); !s.ok()) return s;
  if (&x == &responses) return Status::Error("CudaFoe: input and output must be different");
  return m.forward(x, cuda::FoeMap::kNone, nullptr, responses);
}

Status CudaFoe::filterResponsesAdjoint(const DeviceBatch& responses, DeviceBatch& out) {
  Impl& m = *impl_;
  if (!m.have_parameters) return Status::Error("CudaFoe: no parameters set");
  const Shape& rs = responses.shape();
  if (responses.empty() || rs.c != m.J)
    return Status::Error("CudaFoe: responses must have " + std::to_string(m.J) + " channels");
  if (m.K > rs.h || m.K > rs.w)
    return Status::Error("CudaFoe: kernel size is larger than the image");
  if (rs.n > kMaxImages)
    return Status::Error("CudaFoe: a call takes at most " + std::to_string(kMaxImages) + " images");
  if (&responses == &out) return Status::Error("CudaFoe: input and output must be different");
  return m.adjoint(responses, Shape{rs.n, m.C, rs.h, rs.w}, out);
}

Status CudaFoe::mixedDerivative(const DeviceBatch& x, const DeviceBatch& q, Vector<float>& out) {
  Impl& m = *impl_;
  if (Status s = m.checkInput(x, "x"); !s.ok()) return s;
  if (q.shape() != x.shape())
    return Status::Error("CudaFoe: q (" + ShapeText(q.shape()) + ") and x (" +
                         ShapeText(x.shape()) + ") differ in shape");
  const Shape& s = x.shape();
  if (Status st = m.forward(x, cuda::FoeMap::kNone, nullptr, m.work); !st.ok()) return st;
  if (Status st = m.forward(q, cuda::FoeMap::kNone, nullptr, m.work2); !st.ok()) return st;
  const std::size_t ndots = std::size_t(s.n) * m.J * 2, nk = std::size_t(s.n) * m.J * m.kv;
  if (Status st = m.dots.ensure(ndots); !st.ok()) return st;
  if (Status st = m.kgrad.ensure(nk); !st.ok()) return st;
  BILEVEL_CUDA_TRY(cuda::LaunchMixed(m.dims(s), m.wts, x.data(), q.data(), m.work.data(),
                                     m.work2.data(), m.dots.data, m.kgrad.data, m.stream),
                   "mixed-derivative kernels");
  std::vector<double> dots(ndots), kgrad(nk);
  BILEVEL_CUDA_TRY(cudaMemcpyAsync(dots.data(), m.dots.data, ndots * sizeof(double),
                                   cudaMemcpyDeviceToHost, m.stream),
                   "downloading partial sums");
  BILEVEL_CUDA_TRY(cudaMemcpyAsync(kgrad.data(), m.kgrad.data, nk * sizeof(double),
                                   cudaMemcpyDeviceToHost, m.stream),
                   "downloading partial sums");
  BILEVEL_CUDA_TRY(cudaStreamSynchronize(m.stream), "mixed derivative");
  Eigen::VectorXd acc = Eigen::VectorXd::Zero(m.params);
  for (int i = 0; i < s.n; ++i)
    for (int j = 0; j < m.J; ++j) {
      const double sj = double(m.scale[j]);
      const double dphi = dots[(std::size_t(i) * m.J + j) * 2];
      const double ds = dots[(std::size_t(i) * m.J + j) * 2 + 1];
      acc[0] += sj * dphi;
      acc[1 + j] += sj * dphi;
      acc[1 + m.J] += sj * ds;
      const double* kg = kgrad.data() + (std::size_t(i) * m.J + j) * m.kv;
      for (int t = 0; t < m.kv; ++t)
        acc[2 + m.J + j * m.kv + t] += kg[t];
    }
  out = acc.cast<float>();
  return Status::Ok();
}

}  // namespace bilevel
