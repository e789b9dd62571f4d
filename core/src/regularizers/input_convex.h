// The input-convex network regularizer (DESIGN.md section 2, type "input_convex"); the formulas
// and evaluations (written over the backend seam, backend/ops.h) are in input_convex.cpp, the
// parameters and views in input_convex_parameters.cpp, the settings in input_convex_type.cpp.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "backend/ops.h"
#include "bilevel/boundary.h"
#include "bilevel/regularizer.h"

namespace bilevel {

template <typename T>
class InputConvexNetwork final : public Regularizer<T> {
 public:
  explicit InputConvexNetwork(RegularizerSettings settings);
  // On a backend (the CPU's when null).
  InputConvexNetwork(RegularizerSettings settings, std::unique_ptr<backend::Ops<T>> ops);

  const RegularizerSettings& settings() const override { return settings_; }
  std::string definition() const override;
  std::vector<ParameterBlock> blocks() const override;
  int parameterCount() const override { return count_; }

  Vector<T> initialParameters() const override;
  bool project(Vector<T>& theta) const override;
  Status checkParameters(const Vector<T>& theta) const override;
  Status checkImages(const Shape& shape) const override;
  void setParameters(const Vector<T>& theta) override;
  backend::Ops<T>* backend() override { return ops_.get(); }

  void value(const std::vector<int>& active, const Batch<T>& x,
             std::vector<double>& values) override;
  void gradient(const std::vector<int>& active, const Batch<T>& x, Batch<T>& grad) override;
  void prepareHessian(const Batch<T>& x) override;
  void hessianVector(const std::vector<int>& active, const Batch<T>& v, Batch<T>& out) override;
  void mixedDerivative(const std::vector<int>& active, const Batch<T>& x, const Batch<T>& q,
                       Vector<T>& out) override;
  void mixedDerivatives(const std::vector<int>& active, const Batch<T>& x, const Batch<T>& q,
                        Eigen::MatrixXd& out) override;

  std::vector<NamedArray> readable(const Eigen::VectorXd& theta) const override;
  std::vector<FilterImage> filters(const Eigen::VectorXd& theta) const override;

 private:
  // Where each layer's blocks start in theta (B is unused in the first layer).
  struct Offsets {
    int B = 0, A = 0, b = 0;
  };
  int inputWeights() const { return n_ * C_ * k_ * k_; }
  int hiddenWeights() const { return n_ * n_ * k_ * k_; }
  // A_l (input) or B_l (hidden) for images of this shape.
  backend::ConvGeometry layer(const Shape& shape, bool hidden) const;
  // The arrays for a batch of `shape` (at least): per layer and across layers.
  void ensure(const Shape& shape);
  // Each evaluation is a pass (backend::Ops::perImage) through the layers, with `ops` the
  // pass's operations and `images` its images.
  using Ops = backend::Ops<T>;
  using Images = std::vector<int>;
  // p_l, z_l (z_L only with last_z), act'(p_l) and act''(p_l) of the images; with dx, also the
  // tangents p'_l and z'_l along dx.
  void forward(Ops& ops, const Images& images, const Batch<T>& x, const T* dx, bool last_z);
  // Weight gradients of <a, W u> for each image, added to column first + k of `out` at `offset`.
  void addWeightGradients(Ops& ops, const backend::ConvGeometry& g, const Images& images,
                          std::size_t first, const T* u, const T* a, int offset,
                          Eigen::MatrixXd& out);
  void gradientPass(Ops& ops, const Images& images, const Batch<T>& x, Batch<T>& grad);
  void hessianPass(Ops& ops, const Images& images, const Batch<T>& v, Batch<T>& out);
  void mixedPass(Ops& ops, const Images& images, std::size_t first, const Batch<T>& x,
                 const Batch<T>& q, Eigen::MatrixXd& out);

  RegularizerSettings settings_;
  int C_, n_, L_, k_;
  T beta_;
  Boundary boundary_;
  int count_ = 0;
  std::vector<Offsets> offsets_;
  std::unique_ptr<backend::Ops<T>> ops_;
  std::vector<backend::Array<T>> A_, B_;  // per layer (B_[0] unused)
  backend::Array<T> bias_;                // b_l, depth x hidden
  T scale_ = T(1);                        // exp(theta0)
  // Per layer, n x hidden x h x w each: pre-activations, activations, act', act'', tangents.
  std::vector<backend::Array<T>> p_, z_, s_, c_, pd_, zd_;
  // At the x of prepareHessian, per layer: act'(p_l) and g_l act''(p_l).
  std::vector<backend::Array<T>> slopes_, weighted_curvatures_;
  // n x hidden x h x w adjoints and scratch.
  backend::Array<T> g_, gd_, delta_, deltad_, tmp_;
};

}  // namespace bilevel
