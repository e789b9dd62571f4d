// ConvexRidge: its parameters (layout, initial values, projection, checks) and its views.
#include <cmath>
#include <random>

#include "regularizers/convex_ridge.h"

#include "backend/cpu/cpu_ops.h"

namespace bilevel {

template <typename T>
ConvexRidge<T>::ConvexRidge(RegularizerSettings settings)
    : ConvexRidge(std::move(settings), nullptr) {}

template <typename T>
ConvexRidge<T>::ConvexRidge(RegularizerSettings settings, std::unique_ptr<backend::Ops<T>> ops)
    : settings_(std::move(settings)),
      config_(CrrConfigFrom(settings_)),
      layout_(config_),
      ops_(ops ? std::move(ops) : std::make_unique<backend::CpuOps<T>>()),
      weights_(config_.layers.size()) {
  for (int i = 0; i < config_.outputs(); ++i)
    splines_.emplace_back(config_.knots, config_.range);
  setParameters(initialParameters());
}

template <typename T>
std::string ConvexRidge<T>::definition() const {
  return "R(x) = lambda / mu * sum_i sum_p psi_i(mu * (W x)_i(p)), W = W_L o ... o W_1, "
         "(W_l u)_o(p) = sum_i sum_{u,v} w_l[o][i][u][v] * u_i(p + (u, v) - k_l / 2), psi_i the "
         "integral from 0 of sigma_i, the linear spline through (knots[m], "
         "spline_values[i][m]), constant outside the knots; intensities in [0, 1]";
}

template <typename T>
std::vector<ParameterBlock> ConvexRidge<T>::blocks() const {
  std::vector<ParameterBlock> out = {{"log_lambda", 0, 1, {}}, {"log_mu", 1, 1, {}}};
  for (std::size_t l = 0; l < config_.layers.size(); ++l) {
    const int k = config_.kernel_sizes[l];
    out.push_back({"w" + std::to_string(l + 1),
                   layout_.weight_offset[l],
                   layout_.weight_count[l],
                   {config_.layers[l], config_.inChannels(int(l)), k, k}});
  }
  out.push_back({"spline_values",
                 layout_.splines,
                 config_.outputs() * config_.knots,
                 {config_.outputs(), config_.knots}});
  return out;
}

template <typename T>
Vector<T> ConvexRidge<T>::initialParameters() const {
  Vector<T> theta = Vector<T>::Zero(layout_.size);
  theta[0] = T(settings_.real("init.log_lambda"));
  theta[1] = T(settings_.real("init.log_mu"));
  std::mt19937 rng(unsigned(settings_.integer("init.seed")));
  std::normal_distribution<double> normal(0.0, 1.0);
  // Each layer keeps the scale of its input: weights N(0, 1 / (in k^2)).
  for (std::size_t l = 0; l < config_.layers.size(); ++l) {
    const int k = config_.kernel_sizes[l], in = config_.inChannels(int(l));
    const double scale = 1.0 / std::sqrt(double(in) * k * k);
    for (int j = 0; j < layout_.weight_count[l]; ++j)
      theta[layout_.weight_offset[l] + j] = T(scale * normal(rng));
  }
  // sigma_i(t) = t on [-T, T]: the activations start as a clipped identity.
  for (int i = 0; i < config_.outputs(); ++i)
    for (int m = 0; m < config_.knots; ++m)
      theta[layout_.splines + i * config_.knots + m] =
          T(config_.range * (2.0 * m / (config_.knots - 1) - 1.0));
  project(theta);
  return theta;
}

template <typename T>
bool ConvexRidge<T>::project(Vector<T>& theta) const {
  // First layer: zero mean per (o, i).
  const int k = config_.kernel_sizes[0], kk = k * k;
  for (int f = 0; f < layout_.weight_count[0] / kk; ++f) {
    T* w = theta.data() + layout_.weight_offset[0] + f * kk;
    double mean = 0.0;
    for (int j = 0; j < kk; ++j)
      mean += double(w[j]);
    mean /= kk;
    for (int j = 0; j < kk; ++j)
      w[j] -= T(mean);
  }
  // Splines: nondecreasing (negative slopes clipped to zero) through sigma(0) = 0.
  const int K = config_.knots, mid = K / 2;
  std::vector<T> slope(K - 1);
  for (int i = 0; i < config_.outputs(); ++i) {
    T* c = theta.data() + layout_.splines + i * K;
    for (int m = 0; m + 1 < K; ++m)
      slope[m] = std::max(T(0), c[m + 1] - c[m]);
    c[mid] = T(0);
    for (int m = mid + 1; m < K; ++m)
      c[m] = c[m - 1] + slope[m - 1];
    for (int m = mid - 1; m >= 0; --m)
      c[m] = c[m + 1] - slope[m];
  }
  return true;
}

template <typename T>
Status ConvexRidge<T>::checkParameters(const Vector<T>& theta) const {
  if (theta.size() != layout_.size)
    return Status::Error("CRR: parameter vector has " + std::to_string(theta.size()) +
                         " entries, expected " + std::to_string(layout_.size));
  if (!theta.allFinite()) return Status::Error("CRR: the parameters are not finite");
  const double lambda = std::exp(double(theta[0])), mu = std::exp(double(theta[1]));
  if (!std::isfinite(lambda * mu) || !(lambda > 0.0) || !(mu > 0.0) ||
      !std::isfinite(double(std::exp(theta[0] + theta[1]))))
    return Status::Error("CRR: parameters overflow (log lambda or log mu out of range)");
  return Status::Ok();
}

template <typename T>
Status ConvexRidge<T>::checkImages(const Shape& shape) const {
  if (shape.n < 1) return Status::Error("empty batch: no images");
  if (shape.c != config_.channels)
    return Status::Error("shape mismatch: images have " + std::to_string(shape.c) +
                         " channels, the regularizer expects " + std::to_string(config_.channels));
  for (int k : config_.kernel_sizes)
    if (k > shape.h || k > shape.w)
      return Status::Error("regularizer.kernel_sizes: a " + std::to_string(k) + "x" +
                           std::to_string(k) + " kernel is larger than the " +
                           std::to_string(shape.h) + "x" + std::to_string(shape.w) + " images");
  return Status::Ok();
}

template <typename T>
std::vector<NamedArray> ConvexRidge<T>::readable(const Eigen::VectorXd& theta) const {
  if (theta.size() != layout_.size) return {};
  std::vector<NamedArray> out = {{"log_lambda", {}, {theta[0]}},
                                 {"lambda", {}, {std::exp(theta[0])}},
                                 {"log_mu", {}, {theta[1]}},
                                 {"mu", {}, {std::exp(theta[1])}}};
  for (const ParameterBlock& b : blocks())
    if (b.name[0] == 'w' || b.name == "spline_values")
      out.push_back(
          {b.name, b.shape,
           std::vector<double>(theta.data() + b.offset, theta.data() + b.offset + b.size)});
  std::vector<double> knots(config_.knots);
  for (int m = 0; m < config_.knots; ++m)
    knots[m] = splines_[0].knot(m);
  out.push_back({"knots", {config_.knots}, knots});
  return out;
}

// The effective filters: the kernels of the composition W, one n_L x C x s x s set, from
// w_eff[o, c, a + b] = sum_j w_2[o, j, a] w_1[j, c, b] applied layer by layer.
template <typename T>
std::vector<FilterImage> ConvexRidge<T>::filters(const Eigen::VectorXd& theta) const {
  if (theta.size() != layout_.size) return {};
  const int C = config_.channels;
  int size = config_.kernel_sizes[0], channels = config_.layers[0];
  std::vector<double> eff(theta.data() + layout_.weight_offset[0],
                          theta.data() + layout_.weight_offset[0] + layout_.weight_count[0]);
  for (std::size_t l = 1; l < config_.layers.size(); ++l) {
    const int k = config_.kernel_sizes[l], out_ch = config_.layers[l], s2 = size + k - 1;
    const double* w = theta.data() + layout_.weight_offset[l];
    std::vector<double> next(std::size_t(out_ch) * C * s2 * s2, 0.0);
    for (int o = 0; o < out_ch; ++o)
      for (int j = 0; j < channels; ++j)
        for (int a = 0; a < k * k; ++a) {
          const double wa = w[(std::size_t(o) * channels + j) * k * k + a];
          const int au = a / k, av = a % k;
          for (int c = 0; c < C; ++c)
            for (int b = 0; b < size * size; ++b)
              next[((std::size_t(o) * C + c) * s2 + au + b / size) * s2 + av + b % size] +=
                  wa * eff[((std::size_t(j) * C + c) * size + b / size) * size + b % size];
        }
    eff.swap(next);
    size = s2;
    channels = out_ch;
  }
  std::vector<FilterImage> out;
  const double lambda = std::exp(theta[0]);
  for (int o = 0; o < channels; ++o) {
    FilterImage f;
    f.channels = C;
    f.height = f.width = size;
    f.values.assign(eff.begin() + std::size_t(o) * C * size * size,
                    eff.begin() + std::size_t(o + 1) * C * size * size);
    LinearSpline<double> spline(config_.knots, config_.range);
    spline.setValues(theta.data() + layout_.splines + o * config_.knots);
    f.weight = lambda * spline.maxSlope();
    out.push_back(std::move(f));
  }
  return out;
}

template <typename T>
std::vector<Curve> ConvexRidge<T>::curves(const Eigen::VectorXd& theta) const {
  if (theta.size() != layout_.size) return {};
  std::vector<Curve> out;
  const double range = config_.range;
  for (int o = 0; o < config_.outputs(); ++o) {
    LinearSpline<double> spline(config_.knots, range);
    spline.setValues(theta.data() + layout_.splines + o * config_.knots);
    Curve c;
    c.name = "sigma_" + std::to_string(o + 1);
    // The knots, and a margin of T/2 either side where sigma is constant.
    c.x.push_back(-1.5 * range);
    c.y.push_back(spline.value(-1.5 * range));
    for (int m = 0; m < config_.knots; ++m) {
      c.knot_x.push_back(spline.knot(m));
      c.knot_y.push_back(spline.values()[m]);
      c.x.push_back(spline.knot(m));
      c.y.push_back(spline.values()[m]);
    }
    c.x.push_back(1.5 * range);
    c.y.push_back(spline.value(1.5 * range));
    out.push_back(std::move(c));
  }
  return out;
}

#define BILEVEL_INSTANTIATE(T)                                                                 \
  template ConvexRidge<T>::ConvexRidge(RegularizerSettings);                                   \
  template ConvexRidge<T>::ConvexRidge(RegularizerSettings, std::unique_ptr<backend::Ops<T>>); \
  template std::string ConvexRidge<T>::definition() const;                                     \
  template std::vector<ParameterBlock> ConvexRidge<T>::blocks() const;                         \
  template Vector<T> ConvexRidge<T>::initialParameters() const;                                \
  template bool ConvexRidge<T>::project(Vector<T>&) const;                                     \
  template Status ConvexRidge<T>::checkParameters(const Vector<T>&) const;                     \
  template Status ConvexRidge<T>::checkImages(const Shape&) const;                             \
  template std::vector<NamedArray> ConvexRidge<T>::readable(const Eigen::VectorXd&) const;     \
  template std::vector<FilterImage> ConvexRidge<T>::filters(const Eigen::VectorXd&) const;     \
  template std::vector<Curve> ConvexRidge<T>::curves(const Eigen::VectorXd&) const;
BILEVEL_INSTANTIATE(float)
BILEVEL_INSTANTIATE(double)
#undef BILEVEL_INSTANTIATE

}  // namespace bilevel
