#include "problem/lower_level.h"

#include <Eigen/Core>

#include "base/batch_ops.h"
#include "bilevel/thread_pool.h"

namespace bilevel {
namespace {

template <typename T>
using ArrayMap = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <typename T>
using ConstArrayMap = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

}  // namespace

template <typename T>
LowerLevelProblem<T>::LowerLevelProblem(const ForwardOperator<T>& op, const Batch<T>& measurements,
                                        Regularizer<T>& regularizer, double mu0)
    : op_(op),
      y_(measurements),
      reg_(regularizer),
      mu0_(mu0),
      hessian_(*this, false),
      bound_(*this, true) {}

template <typename T>
double LowerLevelProblem<T>::strongConvexity(int) const {
  return op_.normalLowerBound() + mu0_;
}

template <typename T>
void LowerLevelProblem<T>::addDataTermOnBackend(const std::vector<int>& active, const Batch<T>& x,
                                                const Batch<T>* y, Batch<T>& out) {
  const int n = x.n();
  const std::vector<double> one(n, 1.0), minus_one(n, -1.0), mu0(n, mu0_), identity(n, 1.0 + mu0_);
  if (op_.kind() == OperatorKind::kIdentity) {
    Axpby(active, identity, x, one, out);
    if (y) Axpby(active, minus_one, *y, one, out);
    return;
  }
  if (!forward_) forward_ = std::make_unique<BackendForward<T>>(op_, *x.backend());
  if (forward_out_.shape() != x.shape()) {
    forward_out_ = Batch<T>(x.shape(), x.backend());
    back_ = Batch<T>(x.shape(), x.backend());
  }
  forward_->apply(active, x, forward_out_, false);
  if (y) Axpby(active, minus_one, *y, one, forward_out_);
  forward_->apply(active, forward_out_, back_, true);
  Axpby(active, one, back_, one, out);
  Axpby(active, mu0, x, one, out);
}

template <typename T>
void LowerLevelProblem<T>::gradient(const std::vector<int>& active, const Batch<T>& x,
                                    Batch<T>& grad) {
  reg_.gradient(active, x, grad);
  if (!x.onHost()) {
    addDataTermOnBackend(active, x, &y_, grad);
    return;
  }
  const Eigen::Index n = Eigen::Index(x.imageSize());
  const T mu0 = T(mu0_);
  ParallelFor(int(active.size()), [&](int k) {
    const int i = active[k];
    ArrayMap<T> g(grad.image(i), n);
    const ConstArrayMap<T> xi(x.image(i), n), yi(y_.image(i), n);
    if (op_.kind() == OperatorKind::kIdentity) {
      g += (T(1) + mu0) * xi - yi;
      return;
    }
    thread_local std::vector<T> residual, back;
    residual.resize(n);
    back.resize(n);
    op_.apply(i, x.image(i), residual.data());
    ArrayMap<T>(residual.data(), n) -= yi;
    op_.applyAdjoint(i, residual.data(), back.data());
    g += ArrayMap<T>(back.data(), n) + mu0 * xi;
  });
}

template <typename T>
void LowerLevelProblem<T>::addDataCurvature(const std::vector<int>& active, const Batch<T>& v,
                                            Batch<T>& out) {
  if (!v.onHost()) {
    addDataTermOnBackend(active, v, nullptr, out);
    return;
  }
  const Eigen::Index n = Eigen::Index(v.imageSize());
  const T mu0 = T(mu0_);
  ParallelFor(int(active.size()), [&](int k) {
    const int i = active[k];
    ArrayMap<T> o(out.image(i), n);
    const ConstArrayMap<T> vi(v.image(i), n);
    if (op_.kind() == OperatorKind::kIdentity) {
      o += (T(1) + mu0) * vi;
      return;
    }
    thread_local std::vector<T> forward, back;
    forward.resize(n);
    back.resize(n);
    op_.apply(i, v.image(i), forward.data());
    op_.applyAdjoint(i, forward.data(), back.data());
    o += ArrayMap<T>(back.data(), n) + mu0 * vi;
  });
}

template <typename T>
void LowerLevelProblem<T>::Hessian::apply(const std::vector<int>& active, const Batch<T>& v,
                                          Batch<T>& out) {
  if (bound_)
    p_.reg_.curvatureBound(active, v, out);
  else
    p_.reg_.hessianVector(active, v, out);
  p_.addDataCurvature(active, v, out);
}

template <typename T>
std::vector<double> LowerLevelProblem<T>::value(const Batch<T>& at) {
  const std::vector<int> all = AllImages(at.n());
  std::vector<double> values;
  reg_.value(all, at, values);
  // The data term on the host.
  const HostBatch<T> x_host(at), y_host(y_);
  const Batch<T>& x = x_host.get();
  const Batch<T>& y = y_host.get();
  const Eigen::Index n = Eigen::Index(x.imageSize());
  ParallelFor(x.n(), [&](int i) {
    std::vector<T> ax(n);
    op_.apply(i, x.image(i), ax.data());
    const ConstArrayMap<T> xi(x.image(i), n), yi(y.image(i), n);
    const double data = 0.5 * double((ArrayMap<T>(ax.data(), n) - yi).matrix().squaredNorm());
    values[i] += data + 0.5 * mu0_ * double(xi.matrix().squaredNorm());
  });
  return values;
}

template <typename T>
void LowerLevelProblem<T>::prepareCurvature(const Batch<T>& x) {
  if (!reg_.hasCurvatureBound()) reg_.prepareHessian(x);
}

template <typename T>
BatchLinearOperator<T>& LowerLevelProblem<T>::hessianAt(const Batch<T>& x) {
  reg_.prepareHessian(x);
  return hessian_;
}

template class LowerLevelProblem<float>;
template class LowerLevelProblem<double>;

}  // namespace bilevel
