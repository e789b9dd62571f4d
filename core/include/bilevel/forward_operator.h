// Forward operators A of the lower-level data term 1/2 ||A x - y||^2, each with its exact adjoint.
//
// An operator is built for one image shape (C x H x W) and one batch; the image index passed to
// apply() selects per-image data (the inpainting mask). Operators are immutable after
// construction and safe to call from several threads at once.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bilevel/batch.h"
#include "bilevel/boundary.h"
#include "bilevel/status.h"

namespace bilevel {

enum class OperatorKind { kIdentity, kGaussianBlur, kInpainting };
const char* ToString(OperatorKind kind);
std::optional<OperatorKind> OperatorKindFromString(std::string_view text);

template <typename T>
class ForwardOperator {
 public:
  virtual ~ForwardOperator() = default;
  virtual OperatorKind kind() const = 0;
  // out = A in, for image i. in and out have the operator's image size and do not alias.
  virtual void apply(int i, const T* in, T* out) const = 0;
  // out = A^T in, for image i.
  virtual void applyAdjoint(int i, const T* in, T* out) const = 0;
  // A lower bound of the smallest eigenvalue of A^T A (1 for the identity, else 0).
  virtual double normalLowerBound() const { return 0.0; }
  // Number of images with their own data (0: the same operator for every image).
  virtual int imageCount() const { return 0; }

  // C x H x W of one image (n is unused).
  const Shape& imageShape() const { return shape_; }
  // The operator of a mini-batch: image k of the result is image images[k] of this one (only
  // per-image data such as masks differs; the indices must be valid when imageCount() > 0).
  virtual std::unique_ptr<ForwardOperator<T>> select(const std::vector<int>& images) const = 0;

 protected:
  explicit ForwardOperator(Shape image_shape) : shape_(image_shape) {}
  Shape shape_;
};

template <typename T>
class IdentityOperator final : public ForwardOperator<T> {
 public:
  explicit IdentityOperator(Shape image_shape) : ForwardOperator<T>(image_shape) {}
  OperatorKind kind() const override { return OperatorKind::kIdentity; }
  void apply(int i, const T* in, T* out) const override;
  void applyAdjoint(int i, const T* in, T* out) const override;
  double normalLowerBound() const override { return 1.0; }
  std::unique_ptr<ForwardOperator<T>> select(const std::vector<int>&) const override {
    return std::make_unique<IdentityOperator<T>>(this->shape_);
  }
};

struct GaussianBlurOptions {
  int size = 7;        // odd kernel size
  double sigma = 2.0;  // standard deviation in pixels
  Boundary boundary = Boundary::kReflect101;
  Status validate() const;
};

// Per-channel correlation with a normalised size x size Gaussian.
template <typename T>
class GaussianBlurOperator final : public ForwardOperator<T> {
 public:
  // Check options.validate() and the shape first; Create() does both.
  static std::unique_ptr<GaussianBlurOperator> Create(Shape image_shape,
                                                      const GaussianBlurOptions& options,
                                                      Status* status);
  OperatorKind kind() const override { return OperatorKind::kGaussianBlur; }
  void apply(int i, const T* in, T* out) const override;
  void applyAdjoint(int i, const T* in, T* out) const override;
  const std::vector<T>& kernel() const { return kernel_; }  // size x size, row-major
  const GaussianBlurOptions& options() const { return options_; }
  std::unique_ptr<ForwardOperator<T>> select(const std::vector<int>&) const override {
    return std::unique_ptr<ForwardOperator<T>>(new GaussianBlurOperator(this->shape_, options_));
  }

 private:
  GaussianBlurOperator(Shape image_shape, const GaussianBlurOptions& options);
  void correlate(const T* in, T* out, bool adjoint) const;
  GaussianBlurOptions options_;
  std::vector<T> kernel_;
  std::vector<T> flipped_;  // for the adjoint
};

// A = A^T = diag(M_i) with a binary mask per image (same shape as the images).
template <typename T>
class InpaintingOperator final : public ForwardOperator<T> {
 public:
  explicit InpaintingOperator(Batch<T> masks);
  // Random masks keeping each pixel (all channels together) with probability keep_fraction.
  static Batch<T> RandomMasks(Shape shape, double keep_fraction, unsigned seed);
  OperatorKind kind() const override { return OperatorKind::kInpainting; }
  void apply(int i, const T* in, T* out) const override;
  void applyAdjoint(int i, const T* in, T* out) const override { apply(i, in, out); }
  int imageCount() const override { return masks_.n(); }
  const Batch<T>& masks() const { return masks_; }
  std::unique_ptr<ForwardOperator<T>> select(const std::vector<int>& images) const override;

 private:
  Batch<T> masks_;
};

// Applies op to every image of a batch (in parallel): out_i = A in_i or A^T in_i.
template <typename T>
void ApplyToBatch(const ForwardOperator<T>& op, const Batch<T>& in, Batch<T>& out,
                  bool adjoint = false);

// Checks that op fits images of `shape` (channels, size, and image count for per-image data).
template <typename T>
Status CheckOperatorShape(const ForwardOperator<T>& op, const Shape& shape);

}  // namespace bilevel
