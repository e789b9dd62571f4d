#include "regularizers/foe.h"

#include <cmath>
#include <cstddef>
#include <utility>

#include "backend/cpu/cpu_ops.h"
#include "base/batch_ops.h"

namespace bilevel {

template <typename T>
FieldOfExperts<T>::FieldOfExperts(FoeConfig config, FoeInitOptions init)
    : FieldOfExperts(config, init, std::make_unique<backend::CpuOps<T>>()) {}

template <typename T>
FieldOfExperts<T>::FieldOfExperts(FoeConfig config, FoeInitOptions init,
                                  std::unique_ptr<backend::Ops<T>> ops)
    : config_(config),
      init_(init),
      settings_(FoeSettings(config, init)),
      layout_(config),
      ops_(std::move(ops)) {
  theta_ = Vector<T>::Zero(layout_.size());
  unpack();
}

template <typename T>
void FieldOfExperts<T>::setParameters(const Vector<T>& theta) {
  theta_ = theta;
  unpack();
}

template <typename T>
void FieldOfExperts<T>::unpack() {
  const int J = config_.kernels;
  const T a = std::exp(theta_[layout_.theta0()]);
  nu_ = std::exp(theta_[layout_.smoothing()]);
  host_scale_.resize(J);
  for (int j = 0; j < J; ++j)
    host_scale_[j] = a * std::exp(theta_[layout_.expertWeight(j)]);
  scale_.assign(*ops_, host_scale_);
  weights_.assign(
      *ops_, std::vector<T>(theta_.data() + layout_.kernel(0), theta_.data() + layout_.size()));
}

template <typename T>
backend::ConvGeometry FieldOfExperts<T>::geometry(const Shape& shape) const {
  backend::ConvGeometry g;
  g.in_channels = shape.c;
  g.out_channels = config_.kernels;
  g.h = shape.h;
  g.w = shape.w;
  g.k = config_.kernel_size;
  g.reflect = config_.boundary == Boundary::kReflect101;
  return g;
}

template <typename T>
backend::FoeMaps<T> FieldOfExperts<T>::maps(const Shape& shape) const {
  return backend::FoeMaps<T>{config_.kernels, std::size_t(shape.h) * shape.w, nu_, scale_.data()};
}

template <typename T>
void FieldOfExperts<T>::ensureResponses(const Shape& shape) {
  resp_.resize(*ops_, std::size_t(shape.n) * config_.kernels * shape.h * shape.w);
}

// out_i = K^T m(K in_i) for the pointwise map m chosen by `map`.
template <typename T>
void FieldOfExperts<T>::sandwich(const std::vector<int>& active, const Batch<T>& in, Map map,
                                 Batch<T>& out) {
  if (out.shape() != in.shape()) out.resize(in.shape());
  backend::ResponseMap<T> m;
  m.foe = maps(in.shape());
  switch (map) {
    case Map::kGradient:
      m.kind = backend::ResponseMap<T>::kFoeGradient;
      break;
    case Map::kHessian:
      m.kind = backend::ResponseMap<T>::kMultiply;
      m.factor = hessian_diag_.data();
      break;
    case Map::kBound:
      m.kind = backend::ResponseMap<T>::kFoeBound;
      break;
  }
  ops_->sandwich(geometry(in.shape()), active, in.data(), weights_.data(), m, out.data());
}

template <typename T>
void FieldOfExperts<T>::value(const std::vector<int>& active, const Batch<T>& x,
                              std::vector<double>& values) {
  values.resize(x.n());
  ensureResponses(x.shape());
  ops_->correlate(geometry(x.shape()), active, x.data(), weights_.data(), resp_.data());
  const int J = config_.kernels;
  std::vector<double> sums(active.size() * J);
  ops_->foePhiSums(maps(x.shape()), active, resp_.data(), sums.data());
  for (std::size_t k = 0; k < active.size(); ++k) {
    double total = 0.0;
    for (int j = 0; j < J; ++j)
      total += double(host_scale_[j]) * sums[k * J + j];
    values[active[k]] = total;
  }
}

template <typename T>
void FieldOfExperts<T>::gradient(const std::vector<int>& active, const Batch<T>& x,
                                 Batch<T>& grad) {
  sandwich(active, x, Map::kGradient, grad);
}

template <typename T>
void FieldOfExperts<T>::prepareHessian(const Batch<T>& x) {
  ensureResponses(x.shape());
  const std::vector<int> all = AllImages(x.n());
  ops_->correlate(geometry(x.shape()), all, x.data(), weights_.data(), resp_.data());
  hessian_diag_.resize(*ops_, resp_.size());
  backend::ResponseMap<T> second;
  second.kind = backend::ResponseMap<T>::kFoeSecond;
  second.foe = maps(x.shape());
  ops_->mapResponses(second, config_.kernels, second.foe.plane, all, resp_.data(),
                     hessian_diag_.data());
}

template <typename T>
void FieldOfExperts<T>::hessianVector(const std::vector<int>& active, const Batch<T>& v,
                                      Batch<T>& out) {
  sandwich(active, v, Map::kHessian, out);
}

template <typename T>
void FieldOfExperts<T>::hessianBound(const std::vector<int>& active, const Batch<T>& v,
                                     Batch<T>& out) {
  sandwich(active, v, Map::kBound, out);
}

template <typename T>
void FieldOfExperts<T>::filterResponses(const Batch<T>& x, Batch<T>& responses) {
  responses.resize(Shape{x.n(), config_.kernels, x.h(), x.w()});
  ops_->correlate(geometry(x.shape()), AllImages(x.n()), x.data(), weights_.data(),
                  responses.data());
}

template <typename T>
void FieldOfExperts<T>::filterResponsesAdjoint(const Batch<T>& responses, Batch<T>& out) {
  const Shape s{responses.n(), config_.channels, responses.h(), responses.w()};
  if (out.shape() != s) out.resize(s);
  ops_->correlateAdjoint(geometry(s), AllImages(s.n), responses.data(), weights_.data(),
                         out.data());
}

template <typename T>
void FieldOfExperts<T>::mixedDerivative(const std::vector<int>& active, const Batch<T>& x,
                                        const Batch<T>& q, Vector<T>& out) {
  this->sumOfMixedDerivatives(active, x, q, out);
}

// Each image's term is accumulated on its own, over the kernels in order, so that it does not
// depend on the other images of the batch. With z = K_j x and Kq = K_j q:
//   d/dtheta0 and d/dtheta_j: s_j <phi'(z), Kq>;  d/ds: s_j <-z phi''(z), Kq>;
//   d/dk_j: the weight gradient of <K_j x, s_j phi''(z) Kq> + <K_j q, s_j phi'(z)>.
template <typename T>
void FieldOfExperts<T>::mixedDerivatives(const std::vector<int>& active, const Batch<T>& x,
                                         const Batch<T>& q, Eigen::MatrixXd& out) {
  const int J = config_.kernels, kv = layout_.kernel_values;
  std::vector<double> sums(2 * active.size() * J), kernels(active.size() * std::size_t(J) * kv);
  ops_->foeMixedTerms(geometry(x.shape()), maps(x.shape()), active, x.data(), q.data(),
                      weights_.data(), sums.data(), kernels.data());

  out = Eigen::MatrixXd::Zero(layout_.size(), Eigen::Index(active.size()));
  for (std::size_t k = 0; k < active.size(); ++k) {
    auto acc = out.col(Eigen::Index(k));
    for (int j = 0; j < J; ++j) {
      const double sj = double(host_scale_[j]);
      const double dot_phi = sums[2 * (k * J + j)], dot_s = sums[2 * (k * J + j) + 1];
      acc[layout_.theta0()] += sj * dot_phi;
      acc[layout_.expertWeight(j)] += sj * dot_phi;
      acc[layout_.smoothing()] += sj * dot_s;
      const double* kernel = kernels.data() + (k * J + j) * kv;
      for (int m = 0; m < kv; ++m)
        acc[layout_.kernel(j) + m] += kernel[m];
    }
  }
}

template class FieldOfExperts<float>;
template class FieldOfExperts<double>;

}  // namespace bilevel
