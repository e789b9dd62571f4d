// CudaSolver's operators (gradient and Hessian of the lower level) and batch operations.
#include "cuda_solver_impl.h"

namespace bilevel {

using namespace cuda_solver_detail;

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
