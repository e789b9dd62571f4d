// InputConvexNetwork: its parameters (layout, initial values, projection, checks) and its views.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "backend/cpu/cpu_ops.h"
#include "regularizers/input_convex.h"

namespace bilevel {

template <typename T>
InputConvexNetwork<T>::InputConvexNetwork(RegularizerSettings settings)
    : InputConvexNetwork(std::move(settings), nullptr) {}

template <typename T>
InputConvexNetwork<T>::InputConvexNetwork(RegularizerSettings settings,
                                          std::unique_ptr<backend::Ops<T>> ops)
    : settings_(std::move(settings)),
      C_(int(settings_.integer("regularizer.channels"))),
      n_(int(settings_.integer("regularizer.hidden"))),
      L_(int(settings_.integer("regularizer.depth"))),
      k_(int(settings_.integer("regularizer.kernel_size"))),
      beta_(T(settings_.real("regularizer.beta"))),
      boundary_(BoundaryFromString(settings_.text("regularizer.boundary"))
                    .value_or(Boundary::kReflect101)),
      ops_(ops ? std::move(ops) : std::make_unique<backend::CpuOps<T>>()) {
  int offset = 1;
  for (int l = 0; l < L_; ++l) {
    Offsets o;
    if (l > 0) {
      o.B = offset;
      offset += hiddenWeights();
    }
    o.A = offset;
    offset += inputWeights();
    o.b = offset;
    offset += n_;
    offsets_.push_back(o);
  }
  count_ = offset;
  A_.resize(std::size_t(L_));
  B_.resize(std::size_t(L_));
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
      for (int j = 0; j < hiddenWeights(); ++j)
        theta[offsets_[l].B + j] = T(std::abs(normal(rng)) * b_scale);
    for (int j = 0; j < inputWeights(); ++j)
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
    for (int j = 0; j < hiddenWeights(); ++j)
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

#define BILEVEL_INSTANTIATE(T)                                                                    \
  template InputConvexNetwork<T>::InputConvexNetwork(RegularizerSettings);                        \
  template InputConvexNetwork<T>::InputConvexNetwork(RegularizerSettings,                         \
                                                     std::unique_ptr<backend::Ops<T>>);           \
  template std::string InputConvexNetwork<T>::definition() const;                                 \
  template std::vector<ParameterBlock> InputConvexNetwork<T>::blocks() const;                     \
  template Vector<T> InputConvexNetwork<T>::initialParameters() const;                            \
  template bool InputConvexNetwork<T>::project(Vector<T>&) const;                                 \
  template Status InputConvexNetwork<T>::checkParameters(const Vector<T>&) const;                 \
  template Status InputConvexNetwork<T>::checkImages(const Shape&) const;                         \
  template std::vector<NamedArray> InputConvexNetwork<T>::readable(const Eigen::VectorXd&) const; \
  template std::vector<FilterImage> InputConvexNetwork<T>::filters(const Eigen::VectorXd&) const;
BILEVEL_INSTANTIATE(float)
BILEVEL_INSTANTIATE(double)
#undef BILEVEL_INSTANTIATE

}  // namespace bilevel
