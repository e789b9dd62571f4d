// The input-convex network (DESIGN.md section 2, type "input_convex"):
//
//   z_1 = act(A_1 x + b_1),  z_l = act(B_l z_{l-1} + A_l x + b_l) (l = 2..L),
//   R(x) = exp(theta0) sum_p sum_ch z_L(p, ch),
//
// with A_l, B_l multi-channel correlations (ConvLayer), b_l per-channel biases and the softplus
// act(t) = log(1 + exp(beta t)) / beta. B_l >= 0 (kept by project) makes R convex. With p_l the
// pre-activations and g_L = exp(theta0):
//   gradient   delta_l = g_l act'(p_l), grad_x R = sum_l A_l^T delta_l, g_{l-1} = B_l^T delta_l
//   Hessian    forward tangent p'_l = B_l (act'(p_{l-1}) p'_{l-1}) + A_l v, then backward with
//              delta'_l = g'_l act'(p_l) + g_l act''(p_l) p'_l, g'_{l-1} = B_l^T delta'_l,
//              H v = sum_l A_l^T delta'_l
//   mixed      d/dtheta of R'(x; q) = exp(theta0) sum z'_L, by reverse mode through the forward
//              pass and its tangent along q.
// theta = (theta0, A_1, b_1, then B_l, A_l, b_l for l = 2..L), each block in C order.
#include "regularizers/input_convex.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "bilevel/thread_pool.h"

namespace bilevel {

template <typename T>
InputConvexNetwork<T>::InputConvexNetwork(RegularizerSettings settings)
    : settings_(std::move(settings)),
      C_(int(settings_.integer("regularizer.channels"))),
      n_(int(settings_.integer("regularizer.hidden"))),
      L_(int(settings_.integer("regularizer.depth"))),
      k_(int(settings_.integer("regularizer.kernel_size"))),
      beta_(T(settings_.real("regularizer.beta"))),
      boundary_(BoundaryFromString(settings_.text("regularizer.boundary"))
                    .value_or(Boundary::kReflect101)),
      bias_(std::size_t(L_) * n_, T(0)) {
  int offset = 1;
  for (int l = 0; l < L_; ++l) {
    Offsets o;
    if (l > 0) {
      hidden_.emplace_back(n_, n_, k_, boundary_);
      o.B = offset;
      offset += hidden_.back().weightCount();
    }
    inputs_.emplace_back(C_, n_, k_, boundary_);
    o.A = offset;
    offset += inputs_.back().weightCount();
    o.b = offset;
    offset += n_;
    offsets_.push_back(o);
  }
  count_ = offset;
}

template <typename T>
std::string InputConvexNetwork<T>::definition() const {
  return "R(x) = scale * sum_p sum_ch z_L(p, ch), z_1 = act(A1 * x + b1), z_l = act(Bl * z_{l-1} "
         "+ Al * x + bl) for l = 2..depth, act(t) = log(1 + exp(beta t)) / beta, (W * u)_o(p) = "
         "sum_i sum_{u,v} W[o][i][u][v] * u_i(p + (u, v) - kernel_size / 2) under the boundary "
         "rule, Bl >= 0 elementwise (so R is convex), intensities in [0, 1]";
}

template <typename T>
std::vector<ParameterBlock> InputConvexNetwork<T>::blocks() const {
  std::vector<ParameterBlock> out{{"theta0", 0, 1, {}}};
  const int kA = n_ * C_ * k_ * k_, kB = n_ * n_ * k_ * k_;
  for (int l = 0; l < L_; ++l) {
    const std::string i = std::to_string(l + 1);
    if (l > 0) out.push_back({"B" + i, offsets_[l].B, kB, {n_, n_, k_, k_}});
    out.push_back({"A" + i, offsets_[l].A, kA, {n_, C_, k_, k_}});
    out.push_back({"b" + i, offsets_[l].b, n_, {n_}});
  }
  return out;
}

template <typename T>
Vector<T> InputConvexNetwork<T>::initialParameters() const {
  Vector<T> theta = Vector<T>::Zero(count_);
  theta[0] = T(settings_.real("init.scale"));
  std::mt19937 rng(unsigned(settings_.integer("init.seed")));
  const bool zero_mean = settings_.flag("init.zero_mean");
  std::normal_distribution<double> normal(0.0, 1.0);
  const double a_scale = 1.0 / std::sqrt(double(C_) * k_ * k_),
               b_scale = 1.0 / (double(n_) * k_ * k_);
  for (int l = 0; l < L_; ++l) {
    if (l > 0)
      for (int j = 0; j < hidden_[l - 1].weightCount(); ++j)
        theta[offsets_[l].B + j] = T(std::abs(normal(rng)) * b_scale);
    for (int j = 0; j < inputs_[l].weightCount(); ++j)
      theta[offsets_[l].A + j] = T(normal(rng) * a_scale);
    // Zero-mean k x k blocks make R blind to constant images, so it starts as a smoother.
    const int kk = k_ * k_;
    if (zero_mean && kk > 1)
      for (int j = 0; j < n_ * C_; ++j) {
        auto block = theta.segment(offsets_[l].A + j * kk, kk);
        block.array() -= block.mean();
      }
  }
  return theta;
}

template <typename T>
bool InputConvexNetwork<T>::project(Vector<T>& theta) const {
  if (theta.size() != count_) return false;
  for (int l = 1; l < L_; ++l) {
    T* b = theta.data() + offsets_[l].B;
    for (int j = 0; j < hidden_[l - 1].weightCount(); ++j)
      b[j] = std::max(b[j], T(0));
  }
  return true;
}

template <typename T>
Status InputConvexNetwork<T>::checkParameters(const Vector<T>& theta) const {
  if (theta.size() != count_)
    return Status::Error("input-convex network: parameter vector has " +
                         std::to_string(theta.size()) + " entries, expected " +
                         std::to_string(count_));
  if (!theta.allFinite())
    return Status::Error("input-convex network: the parameters are not finite");
  const double scale = std::exp(double(theta[0]));
  if (!(scale < double(std::numeric_limits<T>::max())) || !(T(scale) > T(0)))
    return Status::Error("input-convex network: theta0 out of range (exp(theta0) overflows)");
  return Status::Ok();
}

template <typename T>
Status InputConvexNetwork<T>::checkImages(const Shape& shape) const {
  if (shape.n < 1) return Status::Error("empty batch: no images");
  if (shape.c != C_)
    return Status::Error("shape mismatch: images have " + std::to_string(shape.c) +
                         " channels, the regularizer expects " + std::to_string(C_));
  if (shape.h < k_ || shape.w < k_)
    return Status::Error("the images (" + std::to_string(shape.h) + " x " +
                         std::to_string(shape.w) + ") are smaller than the " + std::to_string(k_) +
                         " x " + std::to_string(k_) +
                         " kernels of the input-convex network (regularizer.kernel_size)");
  return Status::Ok();
}

template <typename T>
void InputConvexNetwork<T>::setParameters(const Vector<T>& theta) {
  scale_ = std::exp(theta[0]);
  for (int l = 0; l < L_; ++l) {
    if (l > 0) hidden_[l - 1].setWeights(theta.data() + offsets_[l].B);
    inputs_[l].setWeights(theta.data() + offsets_[l].A);
    std::copy(theta.data() + offsets_[l].b, theta.data() + offsets_[l].b + n_,
              bias_.begin() + std::size_t(l) * n_);
  }
}

template <typename T>
typename InputConvexNetwork<T>::Work& InputConvexNetwork<T>::work(int h, int w) const {
  thread_local Work wk;
  const std::size_t m = std::size_t(n_) * h * w, all = m * L_;
  for (std::vector<T>* v : {&wk.p, &wk.z, &wk.s, &wk.c, &wk.pd, &wk.zd})
    v->resize(all);
  for (std::vector<T>* v : {&wk.g, &wk.gd, &wk.delta, &wk.deltad})
    v->resize(m);
  return wk;
}

template <typename T>
void InputConvexNetwork<T>::forward(const T* x, const T* dx, int h, int w, bool last_z,
                                    Work& wk) const {
  const std::size_t hw = std::size_t(h) * w, m = n_ * hw;
  for (int l = 0; l < L_; ++l) {
    T *p = wk.p.data() + l * m, *z = wk.z.data() + l * m;
    T *s = wk.s.data() + l * m, *c = wk.c.data() + l * m;
    inputs_[l].forward(x, h, w, p);
    if (l > 0) hidden_[l - 1].forward(z - m, h, w, p, true);
    for (int o = 0; o < n_; ++o) {
      const T b = bias_[std::size_t(l) * n_ + o];
      for (std::size_t j = o * hw; j < (o + 1) * hw; ++j)
        p[j] += b;
    }
    activate(p, m, wk.delta.data(), last_z || l + 1 < L_ ? z : nullptr, s, c);
    if (!dx) continue;
    T *pd = wk.pd.data() + l * m, *zd = wk.zd.data() + l * m;
    inputs_[l].forward(dx, h, w, pd);
    if (l > 0) hidden_[l - 1].forward(zd - m, h, w, pd, true);
    for (std::size_t j = 0; j < m; ++j)
      zd[j] = s[j] * pd[j];
  }
}

template <typename T>
void InputConvexNetwork<T>::value(const std::vector<int>& active, const Batch<T>& x,
                                  std::vector<double>& values) {
  values.resize(std::size_t(x.n()), 0.0);
  const int h = x.h(), w = x.w();
  ParallelFor(int(active.size()), [&](int k) {
    const int i = active[k];
    Work& wk = work(h, w);
    forward(x.image(i), nullptr, h, w, true, wk);
    const std::size_t m = std::size_t(n_) * h * w;
    const T* z = wk.z.data() + (L_ - 1) * m;
    double sum = 0.0;
    for (std::size_t j = 0; j < m; ++j)
      sum += double(z[j]);
    values[std::size_t(i)] = double(scale_) * sum;
  });
}

template <typename T>
void InputConvexNetwork<T>::gradient(const std::vector<int>& active, const Batch<T>& x,
                                     Batch<T>& grad) {
  if (grad.shape() != x.shape()) grad.resize(x.shape());
  const int h = x.h(), w = x.w();
  ParallelFor(int(active.size()), [&](int k) {
    const int i = active[k];
    Work& wk = work(h, w);
    forward(x.image(i), nullptr, h, w, false, wk);
    const std::size_t m = std::size_t(n_) * h * w;
    T* out = grad.image(i);
    std::fill(out, out + x.imageSize(), T(0));
    std::fill(wk.g.begin(), wk.g.end(), scale_);
    for (int l = L_ - 1; l >= 0; --l) {
      const T* s = wk.s.data() + l * m;
      for (std::size_t j = 0; j < m; ++j)
        wk.delta[j] = wk.g[j] * s[j];
      inputs_[l].adjoint(wk.delta.data(), h, w, out, true);
      if (l > 0) hidden_[l - 1].adjoint(wk.delta.data(), h, w, wk.g.data());
    }
  });
}

template <typename T>
void InputConvexNetwork<T>::prepareHessian(const Batch<T>& x) {
  const int h = x.h(), w = x.w();
  const std::size_t m = std::size_t(n_) * h * w, per_image = m * L_;
  slopes_.resize(per_image * x.n());
  weighted_curvatures_.resize(per_image * x.n());
  ParallelFor(x.n(), [&](int i) {
    Work& wk = work(h, w);
    forward(x.image(i), nullptr, h, w, false, wk);
    T* s1 = slopes_.data() + per_image * i;
    T* c2 = weighted_curvatures_.data() + per_image * i;
    std::copy(wk.s.begin(), wk.s.end(), s1);
    std::fill(wk.g.begin(), wk.g.end(), scale_);
    for (int l = L_ - 1; l >= 0; --l) {
      const T *s = wk.s.data() + l * m, *c = wk.c.data() + l * m;
      for (std::size_t j = 0; j < m; ++j) {
        c2[l * m + j] = wk.g[j] * c[j];
        wk.delta[j] = wk.g[j] * s[j];
      }
      if (l > 0) hidden_[l - 1].adjoint(wk.delta.data(), h, w, wk.g.data());
    }
  });
}

template <typename T>
void InputConvexNetwork<T>::hessianVector(const std::vector<int>& active, const Batch<T>& v,
                                          Batch<T>& out) {
  if (out.shape() != v.shape()) out.resize(v.shape());
  const int h = v.h(), w = v.w();
  const std::size_t m = std::size_t(n_) * h * w, per_image = m * L_;
  ParallelFor(int(active.size()), [&](int k) {
    const int i = active[k];
    Work& wk = work(h, w);
    const T* s1 = slopes_.data() + per_image * i;
    const T* c2 = weighted_curvatures_.data() + per_image * i;
    // Forward tangent: p'_l into wk.pd, act'(p_{l-1}) p'_{l-1} into wk.zd.
    for (int l = 0; l < L_; ++l) {
      T* pd = wk.pd.data() + l * m;
      inputs_[l].forward(v.image(i), h, w, pd);
      if (l == 0) continue;
      T* zd = wk.zd.data() + (l - 1) * m;
      const T *below = pd - m, *s = s1 + (l - 1) * m;
      for (std::size_t j = 0; j < m; ++j)
        zd[j] = s[j] * below[j];
      hidden_[l - 1].forward(zd, h, w, pd, true);
    }
    // Backward, from g'_L = 0.
    T* o = out.image(i);
    std::fill(o, o + v.imageSize(), T(0));
    std::fill(wk.gd.begin(), wk.gd.end(), T(0));
    for (int l = L_ - 1; l >= 0; --l) {
      const T* pd = wk.pd.data() + l * m;
      for (std::size_t j = 0; j < m; ++j)
        wk.deltad[j] = wk.gd[j] * s1[l * m + j] + c2[l * m + j] * pd[j];
      inputs_[l].adjoint(wk.deltad.data(), h, w, o, true);
      if (l > 0) hidden_[l - 1].adjoint(wk.deltad.data(), h, w, wk.gd.data());
    }
  });
}

template <typename T>
void InputConvexNetwork<T>::mixedDerivative(const std::vector<int>& active, const Batch<T>& x,
                                            const Batch<T>& q, Vector<T>& out) {
  this->sumOfMixedDerivatives(active, x, q, out);
}

template <typename T>
void InputConvexNetwork<T>::mixedDerivatives(const std::vector<int>& active, const Batch<T>& x,
                                             const Batch<T>& q, Eigen::MatrixXd& out) {
  const int h = x.h(), w = x.w(), d = count_;
  const std::size_t m = std::size_t(n_) * h * w, hw = std::size_t(h) * w;
  out = Eigen::MatrixXd::Zero(d, Eigen::Index(active.size()));
  ParallelFor(int(active.size()), [&](int k) {
    const int i = active[k];
    double* part = out.col(k).data();
    Work& wk = work(h, w);
    forward(x.image(i), q.image(i), h, w, false, wk);
    double rdot = 0.0;
    for (std::size_t j = 0; j < m; ++j)
      rdot += double(wk.zd[(L_ - 1) * m + j]);
    part[0] = double(scale_) * rdot;
    // Adjoints: wk.g of z_l, wk.gd of z'_l; wk.delta of p_l, wk.deltad of p'_l.
    std::fill(wk.g.begin(), wk.g.end(), T(0));
    std::fill(wk.gd.begin(), wk.gd.end(), scale_);
    for (int l = L_ - 1; l >= 0; --l) {
      const T *s = wk.s.data() + l * m, *c = wk.c.data() + l * m, *pd = wk.pd.data() + l * m;
      for (std::size_t j = 0; j < m; ++j) {
        wk.deltad[j] = wk.gd[j] * s[j];
        wk.delta[j] = wk.g[j] * s[j] + wk.gd[j] * c[j] * pd[j];
      }
      if (l > 0) {
        const ConvLayer<T>& B = hidden_[l - 1];
        B.addWeightGradient(wk.delta.data(), wk.z.data() + (l - 1) * m, h, w, part + offsets_[l].B);
        B.addWeightGradient(wk.deltad.data(), wk.zd.data() + (l - 1) * m, h, w,
                            part + offsets_[l].B);
      }
      inputs_[l].addWeightGradient(wk.delta.data(), x.image(i), h, w, part + offsets_[l].A);
      inputs_[l].addWeightGradient(wk.deltad.data(), q.image(i), h, w, part + offsets_[l].A);
      for (int o = 0; o < n_; ++o) {
        double sum = 0.0;
        for (std::size_t j = o * hw; j < (o + 1) * hw; ++j)
          sum += double(wk.delta[j]);
        part[offsets_[l].b + o] += sum;
      }
      if (l > 0) {
        hidden_[l - 1].adjoint(wk.delta.data(), h, w, wk.g.data());
        hidden_[l - 1].adjoint(wk.deltad.data(), h, w, wk.gd.data());
      }
    }
  });
}

template <typename T>
std::vector<NamedArray> InputConvexNetwork<T>::readable(const Eigen::VectorXd& theta) const {
  if (theta.size() != count_) return {};
  std::vector<NamedArray> out{{"theta0", {}, {theta[0]}}, {"scale", {}, {std::exp(theta[0])}}};
  for (const ParameterBlock& b : blocks())
    if (b.name != "theta0")
      out.push_back(
          {b.name, b.shape,
           std::vector<double>(theta.data() + b.offset, theta.data() + b.offset + b.size)});
  return out;
}

template <typename T>
std::vector<FilterImage> InputConvexNetwork<T>::filters(const Eigen::VectorXd& theta) const {
  if (theta.size() != count_) return {};
  const int size = C_ * k_ * k_;
  std::vector<FilterImage> out;
  for (int o = 0; o < n_; ++o) {
    FilterImage f;
    f.channels = C_;
    f.height = f.width = k_;
    const double* a = theta.data() + offsets_[0].A + std::size_t(o) * size;
    f.values.assign(a, a + size);
    f.weight = 1.0;
    out.push_back(std::move(f));
  }
  return out;
}

template class InputConvexNetwork<float>;
template class InputConvexNetwork<double>;

}  // namespace bilevel
