// The input-convex network (DESIGN.md section 2, type "input_convex"):
//
//   z_1 = act(A_1 x + b_1),  z_l = act(B_l z_{l-1} + A_l x + b_l) (l = 2..L),
//   R(x) = exp(theta0) sum_p sum_ch z_L(p, ch),
//
// with A_l, B_l multi-channel correlations, b_l per-channel biases and the softplus
// act(t) = log(1 + exp(beta t)) / beta. B_l >= 0 (kept by project) makes R convex. With p_l the
// pre-activations and g_L = exp(theta0):
//   gradient   delta_l = g_l act'(p_l), grad_x R = sum_l A_l^T delta_l, g_{l-1} = B_l^T delta_l
//   Hessian    forward tangent p'_l = B_l (act'(p_{l-1}) p'_{l-1}) + A_l v, then backward with
//              delta'_l = g'_l act'(p_l) + g_l act''(p_l) p'_l, g'_{l-1} = B_l^T delta'_l,
//              H v = sum_l A_l^T delta'_l
//   mixed      d/dtheta of R'(x; q) = exp(theta0) sum z'_L, by reverse mode through the forward
//              pass and its tangent along q.
// theta = (theta0, A_1, b_1, then B_l, A_l, b_l for l = 2..L), each block in C order.
//
// The evaluations are written over the backend seam (backend/ops.h), layer by layer, as passes
// (Ops::perImage): on a device over the whole batch, on the CPU image by image on each thread.
#include "regularizers/input_convex.h"

#include <cmath>

#include "base/batch_ops.h"

namespace bilevel {

template <typename T>
void InputConvexNetwork<T>::setParameters(const Vector<T>& theta) {
  scale_ = std::exp(theta[0]);
  std::vector<T> bias(std::size_t(L_) * n_);
  for (int l = 0; l < L_; ++l) {
    if (l > 0) {
      const T* b = theta.data() + offsets_[l].B;
      B_[l].assign(*ops_, std::vector<T>(b, b + hiddenWeights()));
    }
    const T* a = theta.data() + offsets_[l].A;
    A_[l].assign(*ops_, std::vector<T>(a, a + inputWeights()));
    std::copy(theta.data() + offsets_[l].b, theta.data() + offsets_[l].b + n_,
              bias.begin() + std::size_t(l) * n_);
  }
  bias_.assign(*ops_, bias);
}

template <typename T>
backend::ConvGeometry InputConvexNetwork<T>::layer(const Shape& shape, bool hidden) const {
  backend::ConvGeometry g;
  g.in_channels = hidden ? n_ : C_;
  g.out_channels = n_;
  g.h = shape.h;
  g.w = shape.w;
  g.k = k_;
  g.reflect = boundary_ == Boundary::kReflect101;
  return g;
}

// The arrays only grow: batches of other sizes (a test set, a shrinking active list) come and go.
template <typename T>
void InputConvexNetwork<T>::ensure(const Shape& shape) {
  const std::size_t m = std::size_t(shape.n) * n_ * shape.h * shape.w;
  const auto grow = [&](backend::Array<T>& a) {
    if (a.size() < m) a.resize(*ops_, m);
  };
  for (auto* arrays : {&p_, &z_, &s_, &c_, &pd_, &zd_}) {
    arrays->resize(std::size_t(L_));
    for (backend::Array<T>& a : *arrays)
      grow(a);
  }
  for (backend::Array<T>* a : {&g_, &gd_, &delta_, &deltad_, &tmp_})
    grow(*a);
}

template <typename T>
void InputConvexNetwork<T>::forward(Ops& ops, const Images& images, const Batch<T>& x, const T* dx,
                                    bool last_z) {
  const backend::ConvGeometry a = layer(x.shape(), false), b = layer(x.shape(), true);
  const std::size_t plane = std::size_t(x.h()) * x.w(), m = n_ * plane;
  for (int l = 0; l < L_; ++l) {
    T* p = p_[l].data();
    ops.correlate(a, images, x.data(), A_[l].data(), p);
    if (l > 0) ops.correlateAdd(b, images, z_[l - 1].data(), B_[l].data(), p);
    ops.addChannelBias(n_, plane, images, bias_.data() + std::size_t(l) * n_, p);
    ops.softplus(m, images, beta_, p, last_z || l + 1 < L_ ? z_[l].data() : nullptr, s_[l].data(),
                 c_[l].data());
    if (!dx) continue;
    T* pd = pd_[l].data();
    ops.correlate(a, images, dx, A_[l].data(), pd);
    if (l > 0) ops.correlateAdd(b, images, zd_[l - 1].data(), B_[l].data(), pd);
    ops.multiply(m, images, s_[l].data(), pd, zd_[l].data());
  }
}

template <typename T>
void InputConvexNetwork<T>::addWeightGradients(Ops& ops, const backend::ConvGeometry& g,
                                               const Images& images, std::size_t first, const T* u,
                                               const T* a, int offset, Eigen::MatrixXd& out) {
  const std::size_t count = std::size_t(g.out_channels) * g.in_channels * g.k * g.k;
  std::vector<double> grad(images.size() * count);
  ops.weightGradients(g, images, u, a, nullptr, nullptr, grad.data());
  for (std::size_t k = 0; k < images.size(); ++k) {
    double* part = out.col(Eigen::Index(first + k)).data() + offset;
    for (std::size_t j = 0; j < count; ++j)
      part[j] += grad[k * count + j];
  }
}

template <typename T>
void InputConvexNetwork<T>::value(const std::vector<int>& active, const Batch<T>& x,
                                  std::vector<double>& values) {
  values.resize(std::size_t(x.n()), 0.0);
  ensure(x.shape());
  ops_->perImage(active, [&](Ops& ops, const Images& images, std::size_t) {
    forward(ops, images, x, nullptr, true);
    std::vector<double> sums(images.size());
    ops.channelSums(1, std::size_t(n_) * x.h() * x.w(), images, z_[L_ - 1].data(), sums.data());
    for (std::size_t k = 0; k < images.size(); ++k)
      values[std::size_t(images[k])] = double(scale_) * sums[k];
  });
}

template <typename T>
void InputConvexNetwork<T>::gradient(const std::vector<int>& active, const Batch<T>& x,
                                     Batch<T>& grad) {
  if (grad.shape() != x.shape()) grad.resize(x.shape());
  ensure(x.shape());
  ops_->perImage(active, [&](Ops& ops, const Images& images, std::size_t) {
    gradientPass(ops, images, x, grad);
  });
}

template <typename T>
void InputConvexNetwork<T>::gradientPass(Ops& ops, const Images& images, const Batch<T>& x,
                                         Batch<T>& grad) {
  forward(ops, images, x, nullptr, false);
  const backend::ConvGeometry a = layer(x.shape(), false), b = layer(x.shape(), true);
  const std::size_t m = std::size_t(n_) * x.h() * x.w();
  ops.fill(x.imageSize(), images, T(0), grad.data());
  ops.fill(m, images, scale_, g_.data());
  for (int l = L_ - 1; l >= 0; --l) {
    ops.multiply(m, images, g_.data(), s_[l].data(), delta_.data());
    ops.correlateAdjointAdd(a, images, delta_.data(), A_[l].data(), grad.data());
    if (l > 0) ops.correlateAdjoint(b, images, delta_.data(), B_[l].data(), g_.data());
  }
}

template <typename T>
void InputConvexNetwork<T>::prepareHessian(const Batch<T>& x) {
  ensure(x.shape());
  const std::size_t m = std::size_t(n_) * x.h() * x.w();
  slopes_.resize(std::size_t(L_));
  weighted_curvatures_.resize(std::size_t(L_));
  for (int l = 0; l < L_; ++l)
    for (backend::Array<T>* a : {&slopes_[l], &weighted_curvatures_[l]})
      if (a->size() < m * x.n()) a->resize(*ops_, m * x.n());
  const backend::ConvGeometry b = layer(x.shape(), true);
  ops_->perImage(AllImages(x.n()), [&](Ops& ops, const Images& images, std::size_t) {
    forward(ops, images, x, nullptr, false);
    ops.fill(m, images, scale_, g_.data());
    for (int l = L_ - 1; l >= 0; --l) {
      for (int i : images)
        ops.copy(s_[l].data() + i * m, m, slopes_[l].data() + i * m);
      ops.multiply(m, images, g_.data(), c_[l].data(), weighted_curvatures_[l].data());
      ops.multiply(m, images, g_.data(), s_[l].data(), delta_.data());
      if (l > 0) ops.correlateAdjoint(b, images, delta_.data(), B_[l].data(), g_.data());
    }
  });
}

template <typename T>
void InputConvexNetwork<T>::hessianVector(const std::vector<int>& active, const Batch<T>& v,
                                          Batch<T>& out) {
  if (out.shape() != v.shape()) out.resize(v.shape());
  ensure(v.shape());
  ops_->perImage(active, [&](Ops& ops, const Images& images, std::size_t) {
    hessianPass(ops, images, v, out);
  });
}

template <typename T>
void InputConvexNetwork<T>::hessianPass(Ops& ops, const Images& images, const Batch<T>& v,
                                        Batch<T>& out) {
  const backend::ConvGeometry a = layer(v.shape(), false), b = layer(v.shape(), true);
  const std::size_t m = std::size_t(n_) * v.h() * v.w();
  // Forward tangent: p'_l into pd_, act'(p_{l-1}) p'_{l-1} into zd_.
  for (int l = 0; l < L_; ++l) {
    ops.correlate(a, images, v.data(), A_[l].data(), pd_[l].data());
    if (l == 0) continue;
    ops.multiply(m, images, slopes_[l - 1].data(), pd_[l - 1].data(), zd_[l - 1].data());
    ops.correlateAdd(b, images, zd_[l - 1].data(), B_[l].data(), pd_[l].data());
  }
  // Backward, from g'_L = 0.
  ops.fill(v.imageSize(), images, T(0), out.data());
  ops.fill(m, images, T(0), gd_.data());
  for (int l = L_ - 1; l >= 0; --l) {
    ops.multiplyAdd(m, images, gd_.data(), slopes_[l].data(), weighted_curvatures_[l].data(),
                    pd_[l].data(), deltad_.data());
    ops.correlateAdjointAdd(a, images, deltad_.data(), A_[l].data(), out.data());
    if (l > 0) ops.correlateAdjoint(b, images, deltad_.data(), B_[l].data(), gd_.data());
  }
}

template <typename T>
void InputConvexNetwork<T>::mixedDerivative(const std::vector<int>& active, const Batch<T>& x,
                                            const Batch<T>& q, Vector<T>& out) {
  this->sumOfMixedDerivatives(active, x, q, out);
}

template <typename T>
void InputConvexNetwork<T>::mixedDerivatives(const std::vector<int>& active, const Batch<T>& x,
                                             const Batch<T>& q, Eigen::MatrixXd& out) {
  out = Eigen::MatrixXd::Zero(count_, Eigen::Index(active.size()));
  ensure(x.shape());
  ops_->perImage(active, [&](Ops& ops, const Images& images, std::size_t first) {
    mixedPass(ops, images, first, x, q, out);
  });
}

// Adjoints: g_ of z_l, gd_ of z'_l; delta_ of p_l, deltad_ of p'_l.
template <typename T>
void InputConvexNetwork<T>::mixedPass(Ops& ops, const Images& images, std::size_t first,
                                      const Batch<T>& x, const Batch<T>& q, Eigen::MatrixXd& out) {
  const std::size_t plane = std::size_t(x.h()) * x.w(), m = n_ * plane;
  forward(ops, images, x, q.data(), false);
  const backend::ConvGeometry a = layer(x.shape(), false), b = layer(x.shape(), true);
  std::vector<double> sums(images.size() * std::size_t(n_));
  ops.channelSums(1, m, images, zd_[L_ - 1].data(), sums.data());
  for (std::size_t k = 0; k < images.size(); ++k)
    out(0, Eigen::Index(first + k)) = double(scale_) * sums[k];
  ops.fill(m, images, T(0), g_.data());
  ops.fill(m, images, scale_, gd_.data());
  for (int l = L_ - 1; l >= 0; --l) {
    ops.multiply(m, images, gd_.data(), s_[l].data(), deltad_.data());
    // delta = g act'(p) + (g' act''(p)) p'.
    ops.multiply(m, images, gd_.data(), c_[l].data(), tmp_.data());
    ops.multiplyAdd(m, images, g_.data(), s_[l].data(), tmp_.data(), pd_[l].data(), delta_.data());
    if (l > 0) {
      addWeightGradients(ops, b, images, first, z_[l - 1].data(), delta_.data(), offsets_[l].B,
                         out);
      addWeightGradients(ops, b, images, first, zd_[l - 1].data(), deltad_.data(), offsets_[l].B,
                         out);
    }
    addWeightGradients(ops, a, images, first, x.data(), delta_.data(), offsets_[l].A, out);
    addWeightGradients(ops, a, images, first, q.data(), deltad_.data(), offsets_[l].A, out);
    ops.channelSums(n_, plane, images, delta_.data(), sums.data());
    for (std::size_t k = 0; k < images.size(); ++k)
      for (int o = 0; o < n_; ++o)
        out(offsets_[l].b + o, Eigen::Index(first + k)) += sums[k * n_ + std::size_t(o)];
    if (l > 0) {
      ops.correlateAdjoint(b, images, delta_.data(), B_[l].data(), g_.data());
      ops.correlateAdjoint(b, images, deltad_.data(), B_[l].data(), gd_.data());
    }
  }
}

template class InputConvexNetwork<float>;
template class InputConvexNetwork<double>;

}  // namespace bilevel
