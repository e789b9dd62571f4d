// The input-convex network regularizer (DESIGN.md section 2, type "input_convex"); the formulas
// are in input_convex.cpp, the settings in input_convex_type.cpp.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "bilevel/boundary.h"
#include "bilevel/regularizer.h"
#include "regularizers/conv_layer.h"

namespace bilevel {

template <typename T>
class InputConvexNetwork final : public Regularizer<T> {
 public:
  explicit InputConvexNetwork(RegularizerSettings settings);

  const RegularizerSettings& settings() const override { return settings_; }
  std::string definition() const override;
  std::vector<ParameterBlock> blocks() const override;
  int parameterCount() const override { return count_; }

  Vector<T> initialParameters() const override;
  bool project(Vector<T>& theta) const override;
  Status checkParameters(const Vector<T>& theta) const override;
  Status checkImages(const Shape& shape) const override;
  void setParameters(const Vector<T>& theta) override;

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
  // One image's buffers, per thread: pre-activations p, activations z, act'(p) and act''(p), the
  // tangents p' and z' (depth x hidden x h x w each), and hidden x h x w adjoints.
  struct Work {
    std::vector<T> p, z, s, c, pd, zd, g, gd, delta, deltad;
  };
  Work& work(int h, int w) const;
  // p_l, z_l, act'(p_l) and act''(p_l) of one image into wk (z_L only with last_z); with dx, also
  // the tangents p'_l and z'_l along dx.
  void forward(const T* x, const T* dx, int h, int w, bool last_z, Work& wk) const;

  // The softplus act(t) = log(1 + exp(beta t)) / beta, overflow-safe, on the m values of p: act
  // into z (when given), act'(t) = logistic(beta t) into s, act''(t) = beta s (1 - s) into c, with
  // e (m values) as scratch.
  void activate(const T* p, std::size_t m, T* e, T* z, T* s, T* c) const {
    // The vectorised exp and log1p work on owned (aligned) arrays and are copied out: on a
    // mapped destination Eigen peels a head of scalar steps up to the first aligned address,
    // and the scalar and packet functions round differently, so results would depend on where
    // the buffers lie in memory.
    using Array = Eigen::Array<T, Eigen::Dynamic, 1>;
    using Map = Eigen::Map<Array>;
    const Eigen::Index n = Eigen::Index(m);
    thread_local Array P, E, C, A;
    P = Eigen::Map<const Array>(p, n);
    E = (-beta_ * P.abs()).exp();
    C = T(1) / (T(1) + E);
    A = (P >= T(0)).select(C, E * C);
    Map(s, n) = A;
    if (z) {
      A = ((beta_ * P).max(T(0)) + E.log1p()) / beta_;
      Map(z, n) = A;
    }
    A = beta_ * E * C.square();
    Map(c, n) = A;
    Map(e, n) = E;
  }

  RegularizerSettings settings_;
  int C_, n_, L_, k_;
  T beta_;
  Boundary boundary_;
  int count_ = 0;
  std::vector<Offsets> offsets_;
  std::vector<ConvLayer<T>> inputs_;  // A_l, l = 1..L
  std::vector<ConvLayer<T>> hidden_;  // B_l, l = 2..L (hidden_[l - 2])
  std::vector<T> bias_;               // b_l, depth x hidden
  T scale_ = T(1);                    // exp(theta0)
  // At the x of prepareHessian, per image and layer: act'(p_l) and g_l act''(p_l).
  std::vector<T> slopes_, weighted_curvatures_;
};

}  // namespace bilevel
