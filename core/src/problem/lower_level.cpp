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
void LowerLevelProblem<T>::gradient(const std::vector<int>& active, const Batch<T>& x,
                                    Batch<T>& grad) {
  reg_.gradient(active, x, grad);
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
                                            Batch<T>& out) const {
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
std::vector<double> LowerLevelProblem<T>::value(const Batch<T>& x) {
  const std::vector<int> all = AllImages(x.n());
  std::vector<double> values;
  reg_.value(all, x, values);
  const Eigen::Index n = Eigen::Index(x.imageSize());
  ParallelFor(x.n(), [&](int i) {
    std::vector<T> ax(n);
    op_.apply(i, x.image(i), ax.data());
    const ConstArrayMap<T> xi(x.image(i), n), yi(y_.image(i), n);
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
