// CudaDataOperator (bilevel/cuda/cuda_solvers.h): the forward operators A and A^T on the device.
#include "cuda_solver_impl.h"

namespace bilevel {

using namespace cuda_solver_detail;

// ------------------------------------------------------------------------------------------
// CudaDataOperator

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

}  // namespace bilevel
