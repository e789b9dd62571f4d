// ConvexRidge: the evaluations (value, gradient, Hessian, curvature bound, mixed derivative),
// written over the backend seam: W and W^T as chains of correlations, the splines as maps.
#include "regularizers/convex_ridge.h"

#include <cstddef>

#include "base/batch_ops.h"

namespace bilevel {

template <typename T>
void ConvexRidge<T>::setParameters(const Vector<T>& theta) {
  lambda_ = std::exp(theta[0]);
  mu_ = std::exp(theta[1]);
  for (std::size_t l = 0; l < config_.layers.size(); ++l) {
    const T* w = theta.data() + layout_.weight_offset[l];
    weights_[l].assign(*ops_, std::vector<T>(w, w + layout_.weight_count[l]));
  }
  std::vector<T> bound(std::size_t(config_.outputs()));
  for (int i = 0; i < config_.outputs(); ++i) {
    splines_[i].setValues(theta.data() + layout_.splines + i * config_.knots);
    bound[std::size_t(i)] = lambda_ * mu_ * splines_[i].maxSlope();
  }
  const T* c = theta.data() + layout_.splines;
  spline_values_.assign(*ops_, std::vector<T>(c, c + config_.outputs() * config_.knots));
  bound_scale_.assign(*ops_, bound);
}

template <typename T>
backend::Chain<T> ConvexRidge<T>::chain(const Shape& shape) const {
  backend::Chain<T> w;
  for (std::size_t l = 0; l < config_.layers.size(); ++l) {
    backend::ConvGeometry g;
    g.in_channels = config_.inChannels(int(l));
    g.out_channels = config_.layers[l];
    g.h = shape.h;
    g.w = shape.w;
    g.k = config_.kernel_sizes[l];
    g.reflect = config_.boundary == Boundary::kReflect101;
    w.layers.push_back(g);
    w.weights.push_back(weights_[l].data());
  }
  return w;
}

template <typename T>
backend::Splines<T> ConvexRidge<T>::splines() const {
  return backend::Splines<T>{config_.outputs(), config_.knots, T(config_.range),
                             T(2.0 * config_.range / (config_.knots - 1)), spline_values_.data()};
}

template <typename T>
std::vector<T*> ConvexRidge<T>::layerOutputs(const Shape& shape,
                                             std::vector<backend::Array<T>>& outputs) {
  outputs.resize(config_.layers.size());
  std::vector<T*> data;
  for (std::size_t l = 0; l < outputs.size(); ++l) {
    outputs[l].resize(*ops_, std::size_t(shape.n) * config_.layers[l] * shape.h * shape.w);
    data.push_back(outputs[l].data());
  }
  return data;
}

template <typename T>
void ConvexRidge<T>::value(const std::vector<int>& active, const Batch<T>& x,
                           std::vector<double>& values) {
  values.resize(std::size_t(x.n()), 0.0);
  const std::vector<T*> z = layerOutputs(x.shape(), xs_);
  ops_->chainForward(chain(x.shape()), active, x.data(), z);
  std::vector<double> sums(active.size());
  ops_->splineIntegralSums(splines(), mu_, std::size_t(x.h()) * x.w(), active, z.back(),
                           sums.data());
  for (std::size_t k = 0; k < active.size(); ++k)
    values[std::size_t(active[k])] = double(lambda_) / double(mu_) * sums[k];
}

template <typename T>
void ConvexRidge<T>::gradient(const std::vector<int>& active, const Batch<T>& x, Batch<T>& grad) {
  if (grad.shape() != x.shape()) grad.resize(x.shape());
  backend::ResponseMap<T> m;
  m.kind = backend::ResponseMap<T>::kSplineValue;
  m.splines = splines();
  m.lambda = lambda_;
  m.mu = mu_;
  ops_->chainSandwich(chain(x.shape()), active, x.data(), m, grad.data());
}

template <typename T>
void ConvexRidge<T>::prepareHessian(const Batch<T>& x) {
  const std::vector<int> all = AllImages(x.n());
  const std::vector<T*> z = layerOutputs(x.shape(), xs_);
  ops_->chainForward(chain(x.shape()), all, x.data(), z);
  const std::size_t plane = std::size_t(x.h()) * x.w();
  hessian_diag_.resize(*ops_, plane * config_.outputs() * x.n());
  backend::ResponseMap<T> m;
  m.kind = backend::ResponseMap<T>::kSplineSlope;
  m.splines = splines();
  m.lambda = lambda_;
  m.mu = mu_;
  ops_->mapResponses(m, config_.outputs(), plane, all, z.back(), hessian_diag_.data());
}

template <typename T>
void ConvexRidge<T>::hessianVector(const std::vector<int>& active, const Batch<T>& v,
                                   Batch<T>& out) {
  if (out.shape() != v.shape()) out.resize(v.shape());
  backend::ResponseMap<T> m;
  m.kind = backend::ResponseMap<T>::kMultiply;
  m.factor = hessian_diag_.data();
  ops_->chainSandwich(chain(v.shape()), active, v.data(), m, out.data());
}

template <typename T>
void ConvexRidge<T>::curvatureBound(const std::vector<int>& active, const Batch<T>& v,
                                    Batch<T>& out) {
  if (out.shape() != v.shape()) out.resize(v.shape());
  backend::ResponseMap<T> m;
  m.kind = backend::ResponseMap<T>::kChannelScale;
  m.scale = bound_scale_.data();
  ops_->chainSandwich(chain(v.shape()), active, v.data(), m, out.data());
}

template <typename T>
void ConvexRidge<T>::mixedDerivative(const std::vector<int>& active, const Batch<T>& x,
                                     const Batch<T>& q, Vector<T>& out) {
  this->sumOfMixedDerivatives(active, x, q, out);
}

// The terms at W x and W q, then g1 and g2 back through the layers, each layer's weight gradient
// on the way.
template <typename T>
void ConvexRidge<T>::mixedDerivatives(const std::vector<int>& active, const Batch<T>& x,
                                      const Batch<T>& q, Eigen::MatrixXd& out) {
  const int L = int(config_.layers.size()), K = config_.knots, n_out = config_.outputs();
  const std::size_t plane = std::size_t(x.h()) * x.w(), slots = active.size();
  out = Eigen::MatrixXd::Zero(layout_.size, Eigen::Index(slots));
  const backend::Chain<T> w = chain(x.shape());
  const std::vector<T*> xs = layerOutputs(x.shape(), xs_), qs = layerOutputs(x.shape(), qs_);
  ops_->chainForward(w, active, x.data(), xs);
  ops_->chainForward(w, active, q.data(), qs);
  int widest = config_.channels;
  for (int n : config_.layers)
    widest = std::max(widest, n);
  for (backend::Array<T>* a : {&g1_, &g2_, &g1_next_, &g2_next_})
    a->resize(*ops_, std::size_t(x.n()) * widest * plane);
  std::vector<double> sums(2 * slots), dc(slots * n_out * K);
  ops_->crrMixedTerms(splines(), lambda_, mu_, plane, active, xs.back(), qs.back(), g1_.data(),
                      g2_.data(), sums.data(), dc.data());
  const double lambda = double(lambda_);
  for (std::size_t k = 0; k < slots; ++k) {
    double* part = out.col(Eigen::Index(k)).data();
    part[0] = lambda * sums[2 * k];
    part[1] = lambda * sums[2 * k + 1];
    for (int m = 0; m < n_out * K; ++m)
      part[layout_.splines + m] = dc[k * n_out * K + m];
  }
  std::vector<double> grad;
  for (int l = L - 1; l >= 0; --l) {
    const T* below_x = l == 0 ? x.data() : xs[l - 1];
    const T* below_q = l == 0 ? q.data() : qs[l - 1];
    const int count = layout_.weight_count[l];
    grad.resize(slots * count);
    for (const auto& [below, g] :
         {std::pair{below_x, g1_.data()}, std::pair{below_q, g2_.data()}}) {
      ops_->weightGradients(w.layers[l], active, below, g, nullptr, nullptr, grad.data());
      for (std::size_t k = 0; k < slots; ++k) {
        double* dw = out.col(Eigen::Index(k)).data() + layout_.weight_offset[l];
        for (int m = 0; m < count; ++m)
          dw[m] += grad[k * count + m];
      }
    }
    if (l == 0) break;
    ops_->correlateAdjoint(w.layers[l], active, g1_.data(), w.weights[l], g1_next_.data());
    ops_->correlateAdjoint(w.layers[l], active, g2_.data(), w.weights[l], g2_next_.data());
    std::swap(g1_, g1_next_);
    std::swap(g2_, g2_next_);
  }
}

template class ConvexRidge<float>;
template class ConvexRidge<double>;

}  // namespace bilevel
