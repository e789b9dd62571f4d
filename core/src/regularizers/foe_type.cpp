// The Field of Experts as a registered type: its settings, their checks, and its views.
#include <cmath>

#include "regularizers/builtin_types.h"
#include "regularizers/foe.h"

namespace bilevel {

RegularizerSettings FoeSettings(const FoeConfig& config, const FoeInitOptions& init) {
  RegularizerSettings s;
  s.type = "field_of_experts";
  s.fields = {
      {"channels", (long long)config.channels, "C: 3 for colour data, 1 for grey", {}, {}},
      {"kernels", (long long)config.kernels, "J, the number of experts", {}, {}},
      {"kernel_size", (long long)config.kernel_size, "k, odd: the kernels are C x k x k", {}, {}},
      {"boundary",
       std::string(ToString(config.boundary)),
       "boundary rule of the correlations",
       {"reflect101", "zero"},
       {"mirror (reflect-101)", "zero"}},
  };
  s.init = {
      {"theta0", init.theta0, "initial log of the overall weight", {}, {}},
      {"expert_weight", init.expert_weight, "initial log of every expert weight", {}, {}},
      {"smoothing", init.smoothing, "initial s = log(nu)", {}, {}},
      {"zero_mean",
       init.zero_mean,
       "kernels start zero-mean and are projected back after each step",
       {},
       {}},
      {"seed", (long long)init.seed, "the random initial kernels", {}, {}},
  };
  return s;
}

FoeConfig FoeConfigFrom(const RegularizerSettings& s) {
  FoeConfig c;
  c.channels = int(s.integer("regularizer.channels"));
  c.kernels = int(s.integer("regularizer.kernels"));
  c.kernel_size = int(s.integer("regularizer.kernel_size"));
  c.boundary = BoundaryFromString(s.text("regularizer.boundary")).value_or(Boundary::kReflect101);
  return c;
}

FoeInitOptions FoeInitFrom(const RegularizerSettings& s) {
  FoeInitOptions o;
  o.theta0 = s.real("init.theta0");
  o.expert_weight = s.real("init.expert_weight");
  o.smoothing = s.real("init.smoothing");
  o.zero_mean = s.flag("init.zero_mean");
  o.seed = unsigned(s.integer("init.seed"));
  return o;
}

namespace {

Status ValidateFoe(const RegularizerSettings& s) {
  const long long kernels = s.integer("regularizer.kernels"),
                  size = s.integer("regularizer.kernel_size");
  if (Status st = CheckChannels(s); !st.ok()) return st;
  if (kernels < 1 || kernels > 4096)
    return FieldError("regularizer.kernels", "must be at least 1 (and at most 4096)",
                      double(kernels));
  if (size < 1 || size % 2 == 0 || size > 255)
    return FieldError("regularizer.kernel_size", "must be a positive odd number (at most 255)",
                      double(size));
  // exp() of each must stay finite and non-zero in single precision.
  for (const char* path : {"init.theta0", "init.expert_weight", "init.smoothing"})
    if (Status st = CheckFieldRange(s, path, -50, 50); !st.ok()) return st;
  if (Status st = CheckSeed(s); !st.ok()) return st;
  return Status::Ok();
}

template <typename T>
std::unique_ptr<Regularizer<T>> MakeFoe(const RegularizerSettings& s) {
  return std::make_unique<FieldOfExperts<T>>(FoeConfigFrom(s), FoeInitFrom(s));
}

template <typename T>
std::unique_ptr<Regularizer<T>> MakeFoeOn(const RegularizerSettings& s,
                                          std::unique_ptr<backend::Ops<T>> ops) {
  if (!ops) return MakeFoe<T>(s);
  return std::make_unique<FieldOfExperts<T>>(FoeConfigFrom(s), FoeInitFrom(s), std::move(ops));
}

}  // namespace

RegularizerType FieldOfExpertsType() {
  RegularizerType t;
  t.name = "field_of_experts";
  t.label = "Field of Experts";
  t.defaults = FoeSettings(FoeConfig{}, FoeInitOptions{});
  t.validate = ValidateFoe;
  t.make_float = MakeFoe<float>;
  t.make_double = MakeFoe<double>;
  t.make_float_on = MakeFoeOn<float>;
  t.make_double_on = MakeFoeOn<double>;
  return t;
}

template <typename T>
std::string FieldOfExperts<T>::definition() const {
  return "R(x) = weight * sum_j expert_weights[j] * sum_p phi((K_j x)(p)), "
         "phi(z) = sqrt(z^2 + smoothing^2) - smoothing, (K_j x)(p) = sum_c sum_{u,v} "
         "kernels[j][c][u][v] * x_c(p + (u, v) - kernel_size / 2), intensities in [0, 1]";
}

template <typename T>
std::vector<NamedArray> FieldOfExperts<T>::readable(const Eigen::VectorXd& theta) const {
  if (theta.size() != layout_.size()) return {};
  const int J = config_.kernels, C = config_.channels, k = config_.kernel_size;
  std::vector<double> logs(J), weights(J);
  for (int j = 0; j < J; ++j) {
    logs[j] = theta[layout_.expertWeight(j)];
    weights[j] = std::exp(logs[j]);
  }
  const double theta0 = theta[layout_.theta0()], s = theta[layout_.smoothing()];
  return {{"theta0", {}, {theta0}},
          {"weight", {}, {std::exp(theta0)}},
          {"log_expert_weights", {J}, logs},
          {"expert_weights", {J}, weights},
          {"log_smoothing", {}, {s}},
          {"smoothing", {}, {std::exp(s)}},
          {"kernels",
           {J, C, k, k},
           std::vector<double>(theta.data() + layout_.kernel(0), theta.data() + layout_.size())}};
}

template <typename T>
std::vector<FilterImage> FieldOfExperts<T>::filters(const Eigen::VectorXd& theta) const {
  if (theta.size() != layout_.size()) return {};
  const int k = config_.kernel_size;
  std::vector<FilterImage> out;
  for (int j = 0; j < config_.kernels; ++j) {
    FilterImage f;
    f.channels = config_.channels;
    f.height = f.width = k;
    f.values.assign(theta.data() + layout_.kernel(j),
                    theta.data() + layout_.kernel(j) + layout_.kernel_values);
    f.weight = std::exp(theta[layout_.theta0()]) * std::exp(theta[layout_.expertWeight(j)]);
    out.push_back(std::move(f));
  }
  return out;
}

#define BILEVEL_INSTANTIATE(T)                                                                \
  template std::string FieldOfExperts<T>::definition() const;                                 \
  template std::vector<NamedArray> FieldOfExperts<T>::readable(const Eigen::VectorXd&) const; \
  template std::vector<FilterImage> FieldOfExperts<T>::filters(const Eigen::VectorXd&) const;
BILEVEL_INSTANTIATE(float)
BILEVEL_INSTANTIATE(double)
#undef BILEVEL_INSTANTIATE

}  // namespace bilevel
