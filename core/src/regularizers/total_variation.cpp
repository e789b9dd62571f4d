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
#include <cmath>

#include "backend/kernels/pointwise_maps.h"
#include "bilevel/thread_pool.h"
#include "regularizers/builtin_types.h"

namespace bilevel {

namespace {

// The forward differences of one channel plane at (y, x).
template <typename T>
inline void Differences(const T* p, int h, int w, int y, int x, T* dh, T* dv) {
  const T c = p[std::size_t(y) * w + x];
  *dh = x + 1 < w ? p[std::size_t(y) * w + x + 1] - c : T(0);
  *dv = y + 1 < h ? p[std::size_t(y + 1) * w + x] - c : T(0);
}

// out += scale * D^T (uh, uv) on one plane, where uh and uv are given per pixel by field(y, x).
template <typename T, typename Field>
void AddAdjoint(int h, int w, T scale, const Field& field, T* out) {
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      T uh, uv;
      field(y, x, &uh, &uv);
      T* o = out + std::size_t(y) * w + x;
      // D_h^T: +u(y, x-1) at x, -u(y, x) at x (for x < w-1; u is 0 in the last column).
      if (x + 1 < w) {
        o[0] -= scale * uh;
        o[1] += scale * uh;
      }
      if (y + 1 < h) {
        o[0] -= scale * uv;
        o[w] += scale * uv;
      }
    }
}

template <typename T>
class TotalVariation final : public Regularizer<T> {
 public:
  explicit TotalVariation(RegularizerSettings settings)
      : settings_(std::move(settings)),
        channels_(int(settings_.integer("regularizer.channels"))),
        weights_(channels_, T(1)) {}

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
  void setParameters(const Vector<T>& theta) override {
    for (int c = 0; c < channels_; ++c)
      weights_[c] = std::exp(theta[c]);
    nu_ = std::exp(theta[channels_]);
  }

  void value(const std::vector<int>& active, const Batch<T>& x,
             std::vector<double>& values) override {
    values.resize(std::size_t(x.n()), 0.0);
    const int h = x.h(), w = x.w();
    ParallelFor(int(active.size()), [&](int k) {
      const int i = active[k];
      double total = 0.0;
      for (int c = 0; c < channels_; ++c) {
        double sum = 0.0;
        for (int y = 0; y < h; ++y)
          for (int px = 0; px < w; ++px) {
            T dh, dv;
            Differences(x.channel(i, c), h, w, y, px, &dh, &dv);
            sum += double(tv::Value(dh, dv, nu_));
          }
        total += double(weights_[c]) * sum;
      }
      values[std::size_t(i)] = total;
    });
  }

  void gradient(const std::vector<int>& active, const Batch<T>& x, Batch<T>& grad) override {
    const int h = x.h(), w = x.w();
    ParallelFor(int(active.size()), [&](int k) {
      const int i = active[k];
      for (int c = 0; c < channels_; ++c) {
        const T* p = x.channel(i, c);
        T* out = grad.channel(i, c);
        std::fill(out, out + std::size_t(h) * w, T(0));
        AddAdjoint(
            h, w, weights_[c],
            [&](int y, int px, T* uh, T* uv) {
              Differences(p, h, w, y, px, uh, uv);
              tv::GradientMap(nu_, uh, uv);
            },
            out);
      }
    });
  }

  void prepareHessian(const Batch<T>& x) override { at_ = x; }

  void hessianVector(const std::vector<int>& active, const Batch<T>& v, Batch<T>& out) override {
    const int h = v.h(), w = v.w();
    ParallelFor(int(active.size()), [&](int k) {
      const int i = active[k];
      for (int c = 0; c < channels_; ++c) {
        const T *p = at_.channel(i, c), *q = v.channel(i, c);
        T* o = out.channel(i, c);
        std::fill(o, o + std::size_t(h) * w, T(0));
        AddAdjoint(
            h, w, weights_[c],
            [&](int y, int px, T* uh, T* uv) {
              T gh, gv;
              Differences(p, h, w, y, px, &gh, &gv);
              Differences(q, h, w, y, px, uh, uv);
              tv::HessianMap(gh, gv, nu_, uh, uv);
            },
            o);
      }
    });
  }

  bool hasCurvatureBound() const override { return true; }
  void curvatureBound(const std::vector<int>& active, const Batch<T>& v, Batch<T>& out) override {
    const int h = v.h(), w = v.w();
    ParallelFor(int(active.size()), [&](int k) {
      const int i = active[k];
      for (int c = 0; c < channels_; ++c) {
        const T* q = v.channel(i, c);
        T* o = out.channel(i, c);
        std::fill(o, o + std::size_t(h) * w, T(0));
        AddAdjoint(
            h, w, weights_[c] / nu_,
            [&](int y, int px, T* uh, T* uv) { Differences(q, h, w, y, px, uh, uv); }, o);
      }
    });
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
    const int h = x.h(), w = x.w(), d = parameterCount();
    out = Eigen::MatrixXd::Zero(d, Eigen::Index(active.size()));
    ParallelFor(int(active.size()), [&](int k) {
      const int i = active[k];
      double* part = out.col(k).data();
      const double nu2 = double(nu_) * double(nu_);
      for (int c = 0; c < channels_; ++c) {
        double first = 0.0, smooth = 0.0;
        for (int y = 0; y < h; ++y)
          for (int px = 0; px < w; ++px) {
            T gh, gv, qh, qv;
            Differences(x.channel(i, c), h, w, y, px, &gh, &gv);
            Differences(q.channel(i, c), h, w, y, px, &qh, &qv);
            tv::MixedTerms(gh, gv, qh, qv, nu2, &first, &smooth);
          }
        part[c] = double(weights_[c]) * first;
        part[channels_] += double(weights_[c]) * smooth;
      }
    });
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
  RegularizerSettings settings_;
  int channels_;
  std::vector<T> weights_;  // exp(w_c)
  T nu_ = T(1);
  Batch<T> at_;  // the x of prepareHessian
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
  t.setFactories<TotalVariation>();
  return t;
}

}  // namespace bilevel
