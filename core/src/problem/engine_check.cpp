#include "problem/engine_check.h"

#include <algorithm>
#include <cmath>

#include "backend/cuda/cuda_ops.h"
#include "base/batch_ops.h"
#include "bilevel/fista.h"
#include "bilevel/regularizer_registry.h"
#include "problem/lower_level.h"

namespace bilevel {
namespace {

constexpr double kTolerance = 1e-3;  // float, a few hundred terms per sum in another order

// Small settings of a type for grey images.
RegularizerSettings Small(const std::string& type) {
  RegularizerSettings s = DefaultRegularizerSettings(type);
  if (s.find("regularizer.channels")) s.set("regularizer.channels", 1LL);
  if (s.find("regularizer.kernels")) s.set("regularizer.kernels", 3LL);
  if (s.find("regularizer.kernel_size")) s.set("regularizer.kernel_size", 3LL);
  if (s.find("regularizer.hidden")) s.set("regularizer.hidden", 4LL);
  if (s.find("regularizer.layers")) s.set("regularizer.layers", std::string("3, 4"));
  if (s.find("regularizer.kernel_sizes")) s.set("regularizer.kernel_sizes", std::string("3, 3"));
  return s;
}

// ||a - b|| / ||b|| over values.
template <typename A, typename B>
double Relative(const A& a, const B& b, std::size_t n) {
  double diff = 0.0, ref = 0.0;
  for (std::size_t k = 0; k < n; ++k) {
    diff += (double(a[k]) - double(b[k])) * (double(a[k]) - double(b[k]));
    ref += double(b[k]) * double(b[k]);
  }
  return ref > 0.0 ? std::sqrt(diff / ref) : std::sqrt(diff);
}

// What differs for one type; empty when it agrees.
std::string CheckType(const std::string& type, std::unique_ptr<backend::Ops<float>> ops) {
  const RegularizerSettings settings = Small(type);
  std::unique_ptr<Regularizer<float>> cpu, dev;
  if (!CreateRegularizer(settings, &cpu).ok()) return {};  // not a type of this check
  if (Status s = CreateRegularizerOn(settings, std::move(ops), &dev); !s.ok()) return s.message();
  Vector<float> theta = cpu->initialParameters();
  for (Eigen::Index k = 0; k < theta.size(); ++k)
    theta[k] += 0.02f * float(std::sin(1.7 * double(k)));
  cpu->project(theta);
  cpu->setParameters(theta);
  dev->setParameters(theta);
  const Shape shape{2, 1, 12, 11};
  Batch<float> x(shape), v(shape);
  for (std::size_t k = 0; k < x.size(); ++k) {
    x.data()[k] = 0.5f + 0.4f * float(std::sin(0.37 * double(k)));
    v.data()[k] = float(std::cos(0.23 * double(k)));
  }
  backend::Ops<float>* where = dev->backend();
  const Batch<float> x_on = OnBackend(x, where), v_on = OnBackend(v, where);
  const std::vector<int> all = AllImages(shape.n);
  std::string failure;
  auto compare = [&](const char* what, const Batch<float>& got, const Batch<float>& want) {
    const Batch<float> host = OnHost(got);
    const double e = Relative(host.data(), want.data(), want.size());
    if (failure.empty() && !(e <= kTolerance))
      failure = type + " " + what + " differs from the CPU by " + std::to_string(e);
  };
  Batch<float> a(shape), a_on(shape, where);
  cpu->gradient(all, x, a);
  dev->gradient(all, x_on, a_on);
  compare("gradient", a_on, a);
  cpu->prepareHessian(x);
  dev->prepareHessian(x_on);
  cpu->hessianVector(all, v, a);
  dev->hessianVector(all, v_on, a_on);
  compare("Hessian-vector product", a_on, a);
  cpu->curvatureBound(all, v, a);
  dev->curvatureBound(all, v_on, a_on);
  compare("curvature bound", a_on, a);
  Vector<float> mixed, mixed_on;
  cpu->mixedDerivative(all, x, v, mixed);
  dev->mixedDerivative(all, x_on, v_on, mixed_on);
  if (const double e = Relative(mixed_on, mixed, std::size_t(mixed.size()));
      failure.empty() && !(e <= kTolerance))
    failure = type + " mixed derivative differs from the CPU by " + std::to_string(e);
  // A few FISTA iterations of the denoising problem of v.
  IdentityOperator<float> identity(Shape{1, 1, shape.h, shape.w});
  LowerLevelProblem<float> lower(identity, v, *cpu, 0.0), lower_on(identity, v_on, *dev, 0.0);
  FistaOptions fista;
  fista.tolerance = 1e-12;
  fista.max_iterations = 8;
  Batch<float> solved = v, solved_on = v_on;
  lower.prepareCurvature(solved);
  lower_on.prepareCurvature(solved_on);
  SolveFista(fista, lower, solved);
  SolveFista(fista, lower_on, solved_on);
  compare("FISTA solve", solved_on, solved);
  if (!where->error().empty()) return type + ": " + where->error();
  return failure;
}

}  // namespace

std::string CheckEngine(const std::function<std::unique_ptr<backend::Ops<float>>()>& make) {
  try {
    for (const std::string& type : RegularizerTypeNames()) {
      const RegularizerType* t = FindRegularizerType(type);
      if (!t || !t->make_float_on) continue;
      std::unique_ptr<backend::Ops<float>> ops = make();
      if (!ops) return "no backend to check";
      if (std::string e = CheckType(type, std::move(ops)); !e.empty()) return e;
    }
  } catch (const std::exception& e) {
    return std::string("the check failed: ") + e.what();
  }
  return {};
}

Status ChooseEngineDevice(DevicePreference preference, bool allow_cpu_fallback,
                          DeviceChoice* choice, int local_rank) {
  const auto check = [](int device) {
    CudaSelfCheck c = RunCudaSelfCheck(device);
    if (!c.passed) return c;
    const std::string e = CheckEngine([device] {
      std::string why;
      return backend::MakeCudaOps<float>(device, &why);
    });
    if (!e.empty()) {
      c.passed = false;
      c.message = "the engine: " + e;
    } else {
      c.message += "; the engine agrees with the CPU for every regularizer";
    }
    return c;
  };
  return ChooseDevice(preference, allow_cpu_fallback, choice, local_rank, check);
}

}  // namespace bilevel
