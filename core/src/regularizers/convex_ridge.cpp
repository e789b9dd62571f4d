// ConvexRidge: the evaluations (value, gradient, Hessian, curvature bound, mixed derivative).
// Images run in parallel on the thread pool; each image's passes through the layers run on one
// thread with per-thread buffers.
#include "regularizers/convex_ridge.h"

#include <cstddef>

#include "bilevel/thread_pool.h"

namespace bilevel {

template <typename T>
void ConvexRidge<T>::setParameters(const Vector<T>& theta) {
  lambda_ = std::exp(theta[0]);
  mu_ = std::exp(theta[1]);
  for (std::size_t l = 0; l < layers_.size(); ++l)
    layers_[l].setWeights(theta.data() + layout_.weight_offset[l]);
  bound_scale_.resize(std::size_t(config_.outputs()));
  for (int i = 0; i < config_.outputs(); ++i) {
    splines_[i].setValues(theta.data() + layout_.splines + i * config_.knots);
    bound_scale_[std::size_t(i)] = lambda_ * mu_ * splines_[i].maxSlope();
  }
}

template <typename T>
void ConvexRidge<T>::forward(const T* in, int h, int w,
                             std::vector<std::vector<T>>& outputs) const {
  const std::size_t plane = std::size_t(h) * w;
  outputs.resize(layers_.size());
  const T* src = in;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    outputs[l].resize(plane * layers_[l].outChannels());
    layers_[l].forward(src, h, w, outputs[l].data());
    src = outputs[l].data();
  }
}

template <typename T>
void ConvexRidge<T>::adjoint(std::vector<T>& a, int h, int w, T* out) const {
  const std::size_t plane = std::size_t(h) * w;
  thread_local std::vector<T> next;
  for (std::size_t l = layers_.size(); l-- > 1;) {
    next.resize(plane * layers_[l].inChannels());
    layers_[l].adjoint(a.data(), h, w, next.data());
    a.swap(next);
  }
  layers_[0].adjoint(a.data(), h, w, out);
}

template <typename T>
template <typename Map>
void ConvexRidge<T>::sandwich(const std::vector<int>& active, const Batch<T>& in, Batch<T>& out,
                              const Map& map) {
  if (out.shape() != in.shape()) out.resize(in.shape());
  const int h = in.h(), w = in.w();
  const std::size_t plane = std::size_t(h) * w;
  ParallelFor(int(active.size()), [&](int k) {
    const int i = active[k];
    thread_local std::vector<std::vector<T>> outputs;
    forward(in.image(i), h, w, outputs);
    std::vector<T>& z = outputs.back();
    for (int o = 0; o < config_.outputs(); ++o)
      for (std::size_t p = 0; p < plane; ++p)
        z[o * plane + p] = map(i, o, o * plane + p, z[o * plane + p]);
    adjoint(z, h, w, out.image(i));
  });
}

template <typename T>
void ConvexRidge<T>::value(const std::vector<int>& active, const Batch<T>& x,
                           std::vector<double>& values) {
  values.resize(std::size_t(x.n()), 0.0);
  const std::size_t plane = std::size_t(x.h()) * x.w();
  ParallelFor(int(active.size()), [&](int k) {
    const int i = active[k];
    thread_local std::vector<std::vector<T>> outputs;
    forward(x.image(i), x.h(), x.w(), outputs);
    const std::vector<T>& z = outputs.back();
    double sum = 0.0;
    for (int o = 0; o < config_.outputs(); ++o)
      for (std::size_t p = 0; p < plane; ++p)
        sum += splines_[o].integral(mu_ * z[o * plane + p]);
    values[std::size_t(i)] = double(lambda_) / double(mu_) * sum;
  });
}

template <typename T>
void ConvexRidge<T>::gradient(const std::vector<int>& active, const Batch<T>& x, Batch<T>& grad) {
  sandwich(active, x, grad,
           [&](int, int o, std::size_t, T z) { return lambda_ * splines_[o].value(mu_ * z); });
}

template <typename T>
void ConvexRidge<T>::prepareHessian(const Batch<T>& x) {
  const std::size_t plane = std::size_t(x.h()) * x.w(), per = plane * config_.outputs();
  hessian_shape_ = x.shape();
  hessian_diag_.resize(per * x.n());
  ParallelFor(x.n(), [&](int i) {
    thread_local std::vector<std::vector<T>> outputs;
    forward(x.image(i), x.h(), x.w(), outputs);
    const std::vector<T>& z = outputs.back();
    T* d = hessian_diag_.data() + per * i;
    for (int o = 0; o < config_.outputs(); ++o)
      for (std::size_t p = 0; p < plane; ++p)
        d[o * plane + p] = lambda_ * mu_ * splines_[o].slope(mu_ * z[o * plane + p]);
  });
}

template <typename T>
void ConvexRidge<T>::hessianVector(const std::vector<int>& active, const Batch<T>& v,
                                   Batch<T>& out) {
  const std::size_t per = std::size_t(v.h()) * v.w() * config_.outputs();
  sandwich(active, v, out,
           [&](int i, int, std::size_t p, T u) { return hessian_diag_[per * i + p] * u; });
}

template <typename T>
void ConvexRidge<T>::curvatureBound(const std::vector<int>& active, const Batch<T>& v,
                                    Batch<T>& out) {
  sandwich(active, v, out,
           [&](int, int o, std::size_t, T u) { return bound_scale_[std::size_t(o)] * u; });
}

template <typename T>
void ConvexRidge<T>::mixedDerivative(const std::vector<int>& active, const Batch<T>& x,
                                     const Batch<T>& q, Vector<T>& out) {
  this->sumOfMixedDerivatives(active, x, q, out);
}

template <typename T>
void ConvexRidge<T>::mixedDerivatives(const std::vector<int>& active, const Batch<T>& x,
                                      const Batch<T>& q, Eigen::MatrixXd& out) {
  const int h = x.h(), w = x.w(), d = layout_.size, L = int(layers_.size()), K = config_.knots;
  const std::size_t plane = std::size_t(h) * w;
  out = Eigen::MatrixXd::Zero(d, Eigen::Index(active.size()));
  const double lambda = double(lambda_), mu = double(mu_);
  ParallelFor(int(active.size()), [&](int k) {
    const int i = active[k];
    double* part = out.col(k).data();
    thread_local std::vector<std::vector<T>> xs, qs;
    thread_local std::vector<T> g1, g2, next;
    forward(x.image(i), h, w, xs);
    forward(q.image(i), h, w, qs);
    const std::vector<T>&z = xs.back(), &r = qs.back();
    g1.resize(z.size());
    g2.resize(z.size());
    double first = 0.0, second = 0.0;
    for (int o = 0; o < config_.outputs(); ++o) {
      const LinearSpline<T>& spline = splines_[o];
      double* dc = part + layout_.splines + o * K;
      for (std::size_t p = o * plane; p < (o + 1) * plane; ++p) {
        const T s = mu_ * z[p];
        const double sigma = double(spline.value(s)), slope = double(spline.slope(s));
        first += sigma * double(r[p]);
        second += slope * double(s) * double(r[p]);
        spline.addValueGradient(s, lambda * double(r[p]), dc);
        g1[p] = T(lambda * mu * slope * double(r[p]));
        g2[p] = T(lambda * sigma);
      }
    }
    part[0] = lambda * first;
    part[1] = lambda * second;
    for (int l = L - 1; l >= 0; --l) {
      const T* below_x = l == 0 ? x.image(i) : xs[l - 1].data();
      const T* below_q = l == 0 ? q.image(i) : qs[l - 1].data();
      double* dw = part + layout_.weight_offset[l];
      layers_[l].addWeightGradient(g1.data(), below_x, h, w, dw);
      layers_[l].addWeightGradient(g2.data(), below_q, h, w, dw);
      if (l == 0) break;
      next.resize(plane * layers_[l].inChannels());
      layers_[l].adjoint(g1.data(), h, w, next.data());
      g1.swap(next);
      next.resize(plane * layers_[l].inChannels());
      layers_[l].adjoint(g2.data(), h, w, next.data());
      g2.swap(next);
    }
  });
}

template class ConvexRidge<float>;
template class ConvexRidge<double>;

}  // namespace bilevel
