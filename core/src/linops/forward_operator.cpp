#include "bilevel/forward_operator.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <random>

#include "backend/cpu/correlation_rows.h"
#include "bilevel/thread_pool.h"

namespace bilevel {

const char* ToString(OperatorKind kind) {
  switch (kind) {
    case OperatorKind::kIdentity:
      return "denoise";
    case OperatorKind::kGaussianBlur:
      return "deblur";
    case OperatorKind::kInpainting:
      return "inpaint";
  }
  return "unknown";
}

std::optional<OperatorKind> OperatorKindFromString(std::string_view text) {
  if (text == "denoise" || text == "identity") return OperatorKind::kIdentity;
  if (text == "deblur" || text == "blur") return OperatorKind::kGaussianBlur;
  if (text == "inpaint" || text == "inpainting") return OperatorKind::kInpainting;
  return std::nullopt;
}

template <typename T>
void IdentityOperator<T>::apply(int, const T* in, T* out) const {
  std::copy(in, in + this->shape_.imageSize(), out);
}
template <typename T>
void IdentityOperator<T>::applyAdjoint(int i, const T* in, T* out) const {
  apply(i, in, out);
}

Status GaussianBlurOptions::validate() const {
  if (size < 1 || size % 2 == 0)
    return Status::Error("blur size must be a positive odd number, got " + std::to_string(size));
  if (!(sigma > 0.0) || !std::isfinite(sigma))
    return Status::Error("blur sigma must be positive and finite, got " + std::to_string(sigma));
  return Status::Ok();
}

template <typename T>
std::unique_ptr<GaussianBlurOperator<T>> GaussianBlurOperator<T>::Create(
    Shape image_shape, const GaussianBlurOptions& options, Status* status) {
  Status s = options.validate();
  if (s.ok() && (image_shape.c < 1 || image_shape.h < 1 || image_shape.w < 1))
    s = Status::Error("blur: invalid image shape " + image_shape.toString());
  if (s.ok() && (options.size > image_shape.h || options.size > image_shape.w))
    s = Status::Error("blur kernel size " + std::to_string(options.size) +
                      " is larger than the image (" + std::to_string(image_shape.h) + "x" +
                      std::to_string(image_shape.w) + ")");
  if (status) *status = s;
  if (!s.ok()) return nullptr;
  return std::unique_ptr<GaussianBlurOperator<T>>(
      new GaussianBlurOperator<T>(image_shape, options));
}

template <typename T>
GaussianBlurOperator<T>::GaussianBlurOperator(Shape image_shape, const GaussianBlurOptions& options)
    : ForwardOperator<T>(image_shape), options_(options) {
  const cv::Mat g = cv::getGaussianKernel(options.size, options.sigma, CV_64F);
  kernel_.resize(std::size_t(options.size) * options.size);
  double sum = 0.0;
  for (int u = 0; u < options.size; ++u)
    for (int v = 0; v < options.size; ++v)
      sum += g.at<double>(u) * g.at<double>(v);
  for (int u = 0; u < options.size; ++u)
    for (int v = 0; v < options.size; ++v)
      kernel_[u * options.size + v] = T(g.at<double>(u) * g.at<double>(v) / sum);
  flipped_.resize(kernel_.size());
  FlipTranspose(kernel_.data(), 1, 1, options.size, flipped_.data());
}

template <typename T>
void GaussianBlurOperator<T>::correlate(const T* in, T* out, bool adjoint) const {
  const Shape& s = this->shape_;
  const int k = options_.size, r = k / 2;
  const int hp = s.h + 2 * r, wp = s.w + 2 * r;
  thread_local std::vector<T> padded, full;
  if (!adjoint) {
    // A = C P: pad, then a valid correlation, channel by channel.
    padded.resize(std::size_t(hp) * wp);
    const CorrelationGeometry g{1, 1, k, hp, wp};
    for (int c = 0; c < s.c; ++c) {
      Pad(in + std::size_t(c) * s.h * s.w, 1, s.h, s.w, r, options_.boundary, padded.data());
      CorrelateRows(g, padded.data(), kernel_.data(), out + std::size_t(c) * s.h * s.w, 0, s.h);
    }
    return;
  }
  // A^T = P^T C^T: a full correlation with the flipped kernel over the zero-padded input, then the
  // padding's adjoint.
  const int hz = s.h + 2 * (k - 1), wz = s.w + 2 * (k - 1);
  padded.assign(std::size_t(hz) * wz, T(0));
  full.resize(std::size_t(hp) * wp);
  const CorrelationGeometry g{1, 1, k, hz, wz};
  for (int c = 0; c < s.c; ++c) {
    const T* src = in + std::size_t(c) * s.h * s.w;
    for (int y = 0; y < s.h; ++y)
      std::copy(src + std::size_t(y) * s.w, src + std::size_t(y + 1) * s.w,
                padded.data() + std::size_t(y + k - 1) * wz + (k - 1));
    CorrelateRows(g, padded.data(), flipped_.data(), full.data(), 0, hp);
    PadAdjoint(full.data(), 1, s.h, s.w, r, options_.boundary, out + std::size_t(c) * s.h * s.w);
  }
}

template <typename T>
void GaussianBlurOperator<T>::apply(int, const T* in, T* out) const {
  correlate(in, out, false);
}
template <typename T>
void GaussianBlurOperator<T>::applyAdjoint(int, const T* in, T* out) const {
  correlate(in, out, true);
}

template <typename T>
InpaintingOperator<T>::InpaintingOperator(Batch<T> masks)
    : ForwardOperator<T>(Shape{1, masks.c(), masks.h(), masks.w()}), masks_(std::move(masks)) {}

template <typename T>
Batch<T> InpaintingOperator<T>::RandomMasks(Shape shape, double keep_fraction, unsigned seed) {
  Batch<T> masks(shape);
  std::mt19937 rng(seed);
  std::bernoulli_distribution keep(std::clamp(keep_fraction, 0.0, 1.0));
  for (int i = 0; i < shape.n; ++i)
    for (int y = 0; y < shape.h; ++y)
      for (int x = 0; x < shape.w; ++x) {
        const T m = keep(rng) ? T(1) : T(0);
        for (int c = 0; c < shape.c; ++c)
          masks.at(i, c, y, x) = m;
      }
  return masks;
}

template <typename T>
void InpaintingOperator<T>::apply(int i, const T* in, T* out) const {
  const T* m = masks_.image(i);
  for (std::size_t p = 0; p < masks_.imageSize(); ++p)
    out[p] = m[p] * in[p];
}

template <typename T>
std::unique_ptr<ForwardOperator<T>> InpaintingOperator<T>::select(
    const std::vector<int>& images) const {
  Batch<T> subset(Shape{int(images.size()), masks_.c(), masks_.h(), masks_.w()});
  for (std::size_t k = 0; k < images.size(); ++k)
    std::copy(masks_.image(images[k]), masks_.image(images[k]) + masks_.imageSize(),
              subset.image(int(k)));
  return std::make_unique<InpaintingOperator<T>>(std::move(subset));
}

template <typename T>
void ApplyToBatch(const ForwardOperator<T>& op, const Batch<T>& in, Batch<T>& out, bool adjoint) {
  if (out.shape() != in.shape()) out.resize(in.shape());
  ParallelFor(in.n(), [&](int i) {
    if (adjoint)
      op.applyAdjoint(i, in.image(i), out.image(i));
    else
      op.apply(i, in.image(i), out.image(i));
  });
}

template <typename T>
Status CheckOperatorShape(const ForwardOperator<T>& op, const Shape& shape) {
  const Shape& s = op.imageShape();
  if (s.c != shape.c || s.h != shape.h || s.w != shape.w)
    return Status::Error(std::string("shape mismatch: the ") + ToString(op.kind()) +
                         " operator is for images of " + std::to_string(s.c) + "x" +
                         std::to_string(s.h) + "x" + std::to_string(s.w) + ", the batch is " +
                         shape.toString());
  if (op.imageCount() > 0 && op.imageCount() != shape.n)
    return Status::Error("shape mismatch: the operator has data for " +
                         std::to_string(op.imageCount()) + " images, the batch has " +
                         std::to_string(shape.n));
  return Status::Ok();
}

#define BILEVEL_INSTANTIATE(T)                                                                \
  template class IdentityOperator<T>;                                                         \
  template class GaussianBlurOperator<T>;                                                     \
  template class InpaintingOperator<T>;                                                       \
  template void ApplyToBatch<T>(const ForwardOperator<T>&, const Batch<T>&, Batch<T>&, bool); \
  template Status CheckOperatorShape<T>(const ForwardOperator<T>&, const Shape&);
BILEVEL_INSTANTIATE(float)
BILEVEL_INSTANTIATE(double)
#undef BILEVEL_INSTANTIATE

}  // namespace bilevel
