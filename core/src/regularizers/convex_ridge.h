// The convex ridge regularizer, CRR-NN (DESIGN.md section 2, type "convex_ridge"; Goujon,
// Neumayer, Bohra, Ducotterd, Unser 2023):
//
//   R(x) = (lambda / mu) sum_i sum_p psi_i(mu (W x)_i(p)),   grad_x R = lambda W^T sigma(mu W x),
//   grad_x^2 R = lambda mu W^T diag(sigma'(mu W x)) W,
//
// with W = W_L o ... o W_1 multi-channel correlations without bias or nonlinearity (channels
// C -> n_1 -> ... -> n_L), sigma_i a monotone linear spline per output channel (linear_spline.h)
// and psi_i its integral. theta = (log lambda, log mu, w_1, ..., w_L, c as n_L x K). R is convex:
// sigma_i is nondecreasing after project(), which also keeps the first layer's kernels zero-mean
// per (o, i) and sigma_i(0) = 0.
//
// With z = W x, r = W q, s = mu z and G = <grad_x R, q> = lambda <sigma(s), r>:
//   dG/dlog lambda = G,   dG/dlog mu = lambda <sigma'(s) s, r>,
//   dG/dc_im       = lambda sum_p r_i(p) dsigma_i(s_i(p))/dc_im,
//   dG/dw_l        = weight gradients of <g1, W x> + <g2, W q>, g1 = lambda mu sigma'(s) r,
//                    g2 = lambda sigma(s), back-propagated through the layers above l.
// The curvature bound is W^T diag_i(lambda mu max slope(sigma_i)) W, each output channel with its
// own spline's largest slope (sigma_i' <= max slope(sigma_i) channel by channel). The evaluations
// are written over the backend seam (backend/ops.h: chains of correlations, spline maps).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backend/ops.h"
#include "bilevel/regularizer.h"
#include "regularizers/linear_spline.h"

namespace bilevel {

struct CrrConfig {
  int channels = 3;
  std::vector<int> layers{8, 32};       // n_1 .. n_L
  std::vector<int> kernel_sizes{7, 7};  // k_1 .. k_L
  int knots = 21;                       // K, odd
  double range = 0.1;                   // T
  Boundary boundary = Boundary::kReflect101;
  int outputs() const { return layers.back(); }
  int inChannels(int l) const { return l == 0 ? channels : layers[l - 1]; }
  // The effective filter size of W: 1 + sum_l (k_l - 1).
  int effectiveSize() const;
};

// The parameter layout: log lambda, log mu, then each layer's weights, then the spline values.
struct CrrLayout {
  explicit CrrLayout(const CrrConfig& config);
  std::vector<int> weight_offset;  // per layer
  std::vector<int> weight_count;
  int splines = 0;  // offset of c
  int size = 0;
};

CrrConfig CrrConfigFrom(const RegularizerSettings& settings);

template <typename T>
class ConvexRidge final : public Regularizer<T> {
 public:
  explicit ConvexRidge(RegularizerSettings settings);
  // On a backend (the CPU's when null).
  ConvexRidge(RegularizerSettings settings, std::unique_ptr<backend::Ops<T>> ops);

  const RegularizerSettings& settings() const override { return settings_; }
  std::string definition() const override;
  std::vector<ParameterBlock> blocks() const override;
  int parameterCount() const override { return layout_.size; }

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
  bool hasCurvatureBound() const override { return true; }
  void curvatureBound(const std::vector<int>& active, const Batch<T>& v, Batch<T>& out) override;
  void mixedDerivative(const std::vector<int>& active, const Batch<T>& x, const Batch<T>& q,
                       Vector<T>& out) override;
  void mixedDerivatives(const std::vector<int>& active, const Batch<T>& x, const Batch<T>& q,
                        Eigen::MatrixXd& out) override;

  std::vector<NamedArray> readable(const Eigen::VectorXd& theta) const override;
  std::vector<FilterImage> filters(const Eigen::VectorXd& theta) const override;
  std::vector<Curve> curves(const Eigen::VectorXd& theta) const override;

 private:
  // W for images of this shape, on the backend.
  backend::Chain<T> chain(const Shape& shape) const;
  backend::Splines<T> splines() const;
  // outputs[l] sized for `shape`'s layer l; their data.
  std::vector<T*> layerOutputs(const Shape& shape, std::vector<backend::Array<T>>& outputs);

  RegularizerSettings settings_;
  CrrConfig config_;
  CrrLayout layout_;
  std::vector<LinearSpline<T>> splines_;  // on the host, for the views and the bounds
  T lambda_ = T(1), mu_ = T(1);
  std::unique_ptr<backend::Ops<T>> ops_;
  std::vector<backend::Array<T>> weights_;  // per layer
  backend::Array<T> spline_values_;         // n_L x K
  backend::Array<T> bound_scale_;           // lambda mu max slope(sigma_i), per output channel
  backend::Array<T> hessian_diag_;  // lambda mu sigma'(mu W x) per image, from prepareHessian
  std::vector<backend::Array<T>> xs_, qs_;  // every layer's output, for x and q
  backend::Array<T> g1_, g2_, g1_next_, g2_next_;
};

}  // namespace bilevel
