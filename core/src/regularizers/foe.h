// The Field of Experts regularizer (Roth and Black; the ISGD paper's Section 3):
//
//   R_theta(x) = exp(theta0) sum_j exp(theta_j) sum_p phi_nu((K_j x)(p)),
//   phi_nu(z)  = sqrt(z^2 + nu^2) - nu,   nu = exp(s),
//
// with K_j a C-channel k x k correlation under a boundary rule. The parameter vector is
// theta = (theta0, theta_1..theta_J, s, k_1..k_J), each kernel C x k x k row-major; with J = 10,
// C = 3, k = 7 that is the paper's d = 1482. Derivatives are written out in DESIGN.md section 2.
//
// The batched methods evaluate on the images listed in `active`, written once over the backend
// seam (backend/ops.h): correlations, the phi maps and their reductions. The object owns its
// backend and scratch arrays, so one instance must not be used from two threads at once; make one
// per thread instead.
#pragma once

#include <Eigen/Core>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "backend/ops.h"
#include "bilevel/batch.h"
#include "bilevel/boundary.h"
#include "bilevel/regularizer.h"
#include "bilevel/status.h"

namespace bilevel {

struct FoeConfig {
  int channels = 3;
  int kernels = 10;     // J
  int kernel_size = 7;  // k, odd
  Boundary boundary = Boundary::kReflect101;
  Status validate() const;
};

struct FoeLayout {
  explicit FoeLayout(const FoeConfig& config);
  int theta0() const { return 0; }
  int expertWeight(int j) const { return 1 + j; }
  int smoothing() const { return 1 + kernels; }
  int kernel(int j) const { return 2 + kernels + j * kernel_values; }  // first value of kernel j
  int size() const { return 2 + kernels + kernels * kernel_values; }
  std::vector<ParameterBlock> blocks() const;

  int kernels = 0;
  int kernel_values = 0;  // C * k * k
  int channels = 0;
  int kernel_size = 0;
};

struct FoeInitOptions {
  double theta0 = -2.3;        // log of the overall weight (exp(-2.3) ~ 0.1)
  double expert_weight = 0.0;  // log of each expert weight
  double smoothing = -3.0;     // s = log(nu) (nu ~ 0.05)
  bool zero_mean = true;       // project kernels to zero mean per channel
  unsigned seed = 1;
};

// The settings of type "field_of_experts" and back.
RegularizerSettings FoeSettings(const FoeConfig& config, const FoeInitOptions& init = {});
FoeConfig FoeConfigFrom(const RegularizerSettings& settings);
FoeInitOptions FoeInitFrom(const RegularizerSettings& settings);

template <typename T>
class FieldOfExperts final : public Regularizer<T> {
 public:
  explicit FieldOfExperts(FoeConfig config, FoeInitOptions init = {});
  // On a backend of one's choice (the CPU's by default).
  FieldOfExperts(FoeConfig config, FoeInitOptions init, std::unique_ptr<backend::Ops<T>> ops);

  const FoeConfig& config() const { return config_; }
  const FoeLayout& layout() const { return layout_; }

  const RegularizerSettings& settings() const override { return settings_; }
  std::string definition() const override;
  std::vector<ParameterBlock> blocks() const override;
  int parameterCount() const override { return layout_.size(); }

  // Random zero-mean kernels of unit Frobenius norm and the given scalars.
  Vector<T> initialParameters() const override { return initialParameters(init_); }
  Vector<T> initialParameters(const FoeInitOptions& options) const;
  // Zero-mean kernels when init.zero_mean is set.
  bool project(Vector<T>& theta) const override;
  // Subtracts each kernel channel's mean (the optional projection after an upper step).
  void projectZeroMean(Vector<T>& theta) const;

  Status checkParameters(const Vector<T>& theta) const override;
  Status checkImages(const Shape& shape) const override;

  void setParameters(const Vector<T>& theta) override;
  backend::Ops<T>* backend() override { return ops_.get(); }
  const Vector<T>& parameters() const { return theta_; }

  void value(const std::vector<int>& active, const Batch<T>& x,
             std::vector<double>& values) override;
  void gradient(const std::vector<int>& active, const Batch<T>& x, Batch<T>& grad) override;
  // Stores phi''(K_j x_i) for the Hessian-vector products that follow (all images of x).
  void prepareHessian(const Batch<T>& x) override;
  void hessianVector(const std::vector<int>& active, const Batch<T>& v, Batch<T>& out) override;
  // out_i = (a / nu) sum_j b_j K_j^T K_j v_i, a majorant of the Hessian at every x (phi'' <= 1/nu).
  bool hasCurvatureBound() const override { return true; }
  void curvatureBound(const std::vector<int>& active, const Batch<T>& v, Batch<T>& out) override {
    hessianBound(active, v, out);
  }
  void hessianBound(const std::vector<int>& active, const Batch<T>& v, Batch<T>& out);
  void mixedDerivative(const std::vector<int>& active, const Batch<T>& x, const Batch<T>& q,
                       Vector<T>& out) override;
  void mixedDerivatives(const std::vector<int>& active, const Batch<T>& x, const Batch<T>& q,
                        Eigen::MatrixXd& out) override;

  // theta0, weight, log_expert_weights, expert_weights, log_smoothing, smoothing, kernels.
  std::vector<NamedArray> readable(const Eigen::VectorXd& theta) const override;
  // Each kernel (C x k x k), captioned with its expert weight.
  std::vector<FilterImage> filters(const Eigen::VectorXd& theta) const override;
  // K_j x_i for every kernel: one batch of shape n x J x h x w (for tests and previews).
  void filterResponses(const Batch<T>& x, Batch<T>& responses);
  // The adjoint: out_i = sum_j K_j^T r_ij for responses of shape n x J x h x w.
  void filterResponsesAdjoint(const Batch<T>& responses, Batch<T>& out);

 private:
  enum class Map { kGradient, kHessian, kBound };
  void unpack();
  backend::ConvGeometry geometry(const Shape& shape) const;
  backend::FoeMaps<T> maps(const Shape& shape) const;
  // resp_ sized for `shape`'s responses.
  void ensureResponses(const Shape& shape);
  void sandwich(const std::vector<int>& active, const Batch<T>& in, Map map, Batch<T>& out);

  FoeConfig config_;
  FoeInitOptions init_;
  RegularizerSettings settings_;
  FoeLayout layout_;
  Vector<T> theta_;
  std::unique_ptr<backend::Ops<T>> ops_;
  backend::Array<T> weights_;  // J x C x k x k
  backend::Array<T> scale_;    // a * b_j
  std::vector<T> host_scale_;
  T nu_ = T(1);
  backend::Array<T> resp_;          // n x J x h x w
  backend::Array<T> hessian_diag_;  // n x J x h x w: a b_j phi''(K_j x)
};

}  // namespace bilevel
