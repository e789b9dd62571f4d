// Smoothed total variation (DESIGN.md section 2, type "total_variation"):
//
//   R(x) = sum_c exp(w_c) sum_p ( sqrt((D_h x_c)(p)^2 + (D_v x_c)(p)^2 + nu^2) - nu ),
//   nu = exp(s),
//
// with forward differences under the Neumann boundary: (D_h x)(i, j) = x(i, j+1) - x(i, j) for
// j < W-1 and 0 in the last column, D_v likewise down the rows. theta = (w_1..w_C, s).
//
// With g = (D_h x_c, D_v x_c) at a pixel and r = sqrt(|g|^2 + nu^2):
//   grad_x R        = sum_c exp(w_c) D^T (g / r)
//   grad_x^2 R v    = sum_c exp(w_c) D^T (d / r - g (g.d) / r^3),   d = D v_c
//   dG/dw_c         = exp(w_c) <g / r, D q_c>                          (G = <grad_x R, q>)
//   dG/ds           = -sum_c exp(w_c) <g nu^2 / r^3, D q_c>
// and grad_x^2 R <= sum_c exp(w_c) / nu D^T D, the curvature bound.
//
// The evaluations are written over the backend seam (backend/ops.h: tvSandwich, tvValues,
// tvMixedTerms).
#include <cmath>
#include <memory>

#include "backend/cpu/cpu_ops.h"
#include "regularizers/builtin_types.h"

namespace bilevel {

namespace {

template <typename T>
class TotalVariation final : public Regularizer<T> {
 public:
  explicit TotalVariation(RegularizerSettings settings)
      : TotalVariation(std::move(settings), nullptr) {}
  // On a backend (the CPU's when null).
  TotalVariation(RegularizerSettings settings, std::unique_ptr<backend::Ops<T>> ops)
      : settings_(std::move(settings)),
        channels_(int(settings_.integer("regularizer.channels"))),
        ops_(ops ? std::move(ops) : std::make_unique<backend::CpuOps<T>>()) {
    setParameters(Vector<T>::Zero(channels_ + 1));  // weights 1, nu 1 until set
  }

  const RegularizerSettings& settings() const override { return settings_; }
  std::string definition() const override {
    return "R(x) = sum_c weights[c] * sum_p (sqrt((D_h x_c)(p)^2 + (D_v x_c)(p)^2 + "
           "smoothing^2) - smoothing), forward differences with a Neumann boundary (0 in the "
           "last column and row), intensities in [0, 1]";
  }
  std::vector<ParameterBlock> blocks() const override {
    return {{"log_weights", 0, channels_, {channels_}}, {"smoothing", channels_, 1, {}}};
  }
  int parameterCount() const override { return channels_ + 1; }

  Vector<T> initialParameters() const override {
    Vector<T> theta(parameterCount());
    theta.head(channels_).setConstant(T(settings_.real("init.weight")));
    theta[channels_] = T(settings_.real("init.smoothing"));
    return theta;
  }
  bool project(Vector<T>&) const override { return false; }

  Status checkParameters(const Vector<T>& theta) const override {
    if (theta.size() != parameterCount())
      return Status::Error("TV: parameter vector has " + std::to_string(theta.size()) +
                           " entries, expected " + std::to_string(parameterCount()));
    if (!theta.allFinite()) return Status::Error("TV: the parameters are not finite");
    const double top = double(theta.head(channels_).maxCoeff()), s = double(theta[channels_]);
    if (!std::isfinite(std::exp(top) / std::exp(s)) || !(std::exp(s) > 0.0))
      return Status::Error("TV: parameters overflow (weights or smoothing out of range)");
    return Status::Ok();
  }
  Status checkImages(const Shape& shape) const override {
    if (shape.n < 1) return Status::Error("empty batch: no images");
    if (shape.c != channels_)
      return Status::Error("shape mismatch: images have " + std::to_string(shape.c) +
                           " channels, the regularizer expects " + std::to_string(channels_));
    if (shape.h < 1 || shape.w < 1) return Status::Error("the images are empty");
    return Status::Ok();
  }
  backend::Ops<T>* backend() override { return ops_.get(); }
  void setParameters(const Vector<T>& theta) override {
    host_weights_.resize(channels_);
    std::vector<T> bounds(channels_);
    nu_ = std::exp(theta[channels_]);
    for (int c = 0; c < channels_; ++c) {
      host_weights_[c] = std::exp(theta[c]);
      bounds[c] = host_weights_[c] / nu_;
    }
    weights_.assign(*ops_, host_weights_);
    bounds_.assign(*ops_, bounds);
  }

  void value(const std::vector<int>& active, const Batch<T>& x,
             std::vector<double>& values) override {
    values.resize(std::size_t(x.n()), 0.0);
    std::vector<double> sums(active.size() * channels_);
    ops_->tvValues(maps(x.shape()), active, x.data(), sums.data());
    for (std::size_t k = 0; k < active.size(); ++k) {
      double total = 0.0;
      for (int c = 0; c < channels_; ++c)
        total += double(host_weights_[c]) * sums[k * channels_ + c];
      values[std::size_t(active[k])] = total;
    }
  }

  void gradient(const std::vector<int>& active, const Batch<T>& x, Batch<T>& grad) override {
    if (grad.shape() != x.shape()) grad.resize(x.shape());
    ops_->tvSandwich(backend::TvMap::kGradient, maps(x.shape()), active, x.data(), grad.data());
  }

  void prepareHessian(const Batch<T>& x) override {
    at_.resize(*ops_, x.size());
    ops_->copy(x.data(), x.size(), at_.data());
  }

  void hessianVector(const std::vector<int>& active, const Batch<T>& v, Batch<T>& out) override {
    if (out.shape() != v.shape()) out.resize(v.shape());
    ops_->tvSandwich(backend::TvMap::kHessian, maps(v.shape()), active, v.data(), out.data());
  }

  bool hasCurvatureBound() const override { return true; }
  void curvatureBound(const std::vector<int>& active, const Batch<T>& v, Batch<T>& out) override {
    if (out.shape() != v.shape()) out.resize(v.shape());
    ops_->tvSandwich(backend::TvMap::kBound, maps(v.shape()), active, v.data(), out.data());
  }

  void mixedDerivative(const std::vector<int>& active, const Batch<T>& x, const Batch<T>& q,
                       Vector<T>& out) override {
    Eigen::MatrixXd parts;
    mixedDerivatives(active, x, q, parts);
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(parameterCount());
    for (Eigen::Index k = 0; k < parts.cols(); ++k)
      sum += parts.col(k);
    out = sum.cast<T>();
  }

  void mixedDerivatives(const std::vector<int>& active, const Batch<T>& x, const Batch<T>& q,
                        Eigen::MatrixXd& out) override {
    out = Eigen::MatrixXd::Zero(parameterCount(), Eigen::Index(active.size()));
    std::vector<double> sums(2 * active.size() * channels_);
    ops_->tvMixedTerms(maps(x.shape()), active, x.data(), q.data(), sums.data());
    for (std::size_t k = 0; k < active.size(); ++k) {
      double* part = out.col(Eigen::Index(k)).data();
      for (int c = 0; c < channels_; ++c) {
        const double w = double(host_weights_[c]);
        part[c] = w * sums[2 * (k * channels_ + c)];
        part[channels_] += w * sums[2 * (k * channels_ + c) + 1];
      }
    }
  }

  std::vector<NamedArray> readable(const Eigen::VectorXd& theta) const override {
    if (theta.size() != parameterCount()) return {};
    std::vector<double> logs(theta.data(), theta.data() + channels_), weights(channels_);
    for (int c = 0; c < channels_; ++c)
      weights[c] = std::exp(logs[c]);
    const double s = theta[channels_];
    return {{"log_weights", {channels_}, logs},
            {"weights", {channels_}, weights},
            {"log_smoothing", {}, {s}},
            {"smoothing", {}, {std::exp(s)}}};
  }

 private:
  backend::TvMaps<T> maps(const Shape& shape) const {
    return backend::TvMaps<T>{channels_,       shape.h,        shape.w,   nu_,
                              weights_.data(), bounds_.data(), at_.data()};
  }

  RegularizerSettings settings_;
  int channels_;
  std::unique_ptr<backend::Ops<T>> ops_;
  std::vector<T> host_weights_;  // exp(w_c)
  backend::Array<T> weights_;    // exp(w_c), on the backend
  backend::Array<T> bounds_;     // exp(w_c) / nu
  T nu_ = T(1);
  backend::Array<T> at_;  // the x of prepareHessian
};

Status ValidateTv(const RegularizerSettings& s) {
  if (Status st = CheckChannels(s); !st.ok()) return st;
  for (const char* path : {"init.weight", "init.smoothing"})
    if (Status st = CheckFieldRange(s, path, -50, 50); !st.ok()) return st;
  return Status::Ok();
}

}  // namespace

RegularizerType TotalVariationType() {
  RegularizerType t;
  t.name = "total_variation";
  t.label = "Smoothed total variation";
  t.defaults.type = t.name;
  t.defaults.fields = {{"channels", 3LL, "C: 3 for colour data, 1 for grey", {}, {}}};
  t.defaults.init = {
      {"weight", -3.0, "initial log of every channel's weight (exp(-3) ~ 0.05)", {}, {}},
      {"smoothing", -3.0, "initial s = log(nu) (nu ~ 0.05)", {}, {}},
  };
  t.validate = ValidateTv;
  SetSeamFactories<TotalVariation>(t);
  return t;
}

}  // namespace bilevel
