// The image-problem oracle (problem/image_problem_oracle.h) on a backend against the same oracle
// on the CPU: every regularizer type, under the identity, a blur and inpainting, a hypergradient
// and a loss of a mini-batch and the test PSNR, from the same warm starts. The backend's float
// reductions are summed in another order than the CPU's, so the numbers agree to a tolerance
// and the iteration counts nearly. test_backend_oracle runs it on the body launches in the host
// loop, test_cuda_oracle on a CUDA device.
#pragma once

#include <QTest>

#include <cmath>
#include <functional>
#include <memory>
#include <string>

#include "backend/ops.h"
#include "bilevel/dataset.h"
#include "bilevel/image_problem_options.h"
#include "bilevel/problem_data.h"
#include "bilevel/regularizer_registry.h"
#include "problem/image_problem_oracle.h"
#include "test_support.h"

namespace bilevel::test {

using OpsFactory = std::function<std::unique_ptr<backend::Ops<float>>()>;

// Small settings of a type, for images of `channels` channels.
inline RegularizerSettings SmallSettings(const std::string& type, int channels) {
  RegularizerSettings s = DefaultRegularizerSettings(type);
  s.set("regularizer.channels", (long long)channels);
  if (s.find("regularizer.kernels")) s.set("regularizer.kernels", 4LL);
  if (s.find("regularizer.kernel_size")) s.set("regularizer.kernel_size", 5LL);
  if (s.find("regularizer.hidden")) s.set("regularizer.hidden", 4LL);
  if (type == "convex_ridge") {
    s.set("regularizer.layers", std::string("4, 6"));
    s.set("regularizer.kernel_sizes", std::string("3, 5"));
  }
  return s;
}

// The same image problem (random images of 2 channels, the operator `kind`) in an oracle on the
// CPU and one on `device`, and parameters near the type's initial ones; an error in words.
inline std::string MakeOracles(const std::string& type, OperatorKind kind, OracleDevice device,
                               std::unique_ptr<ImageProblemOracle>* cpu,
                               std::unique_ptr<ImageProblemOracle>* on, Eigen::VectorXd* theta) {
  Dataset dataset;
  dataset.train = RandomData<float>(Shape{4, 2, 14, 13}, 11, 0.0, 1.0);
  dataset.test = RandomData<float>(Shape{2, 2, 14, 13}, 12, 0.0, 1.0);
  ProblemOptions problem;
  problem.kind = kind;
  problem.noise_sigma = 15.0;
  problem.blur.size = 5;
  problem.blur.sigma = 1.1;
  problem.keep_fraction = 0.6;
  ImageProblemOptions inner;
  inner.mu0 = kind == OperatorKind::kIdentity ? 0.0 : 0.05;
  const RegularizerSettings settings = SmallSettings(type, 2);

  ProblemData a, b;
  if (Status s = MakeProblem(problem, dataset, &a); !s.ok()) return s.message();
  if (Status s = MakeProblem(problem, dataset, &b); !s.ok()) return s.message();
  if (Status s = ImageProblemOracle::Create(inner, settings, dataset, std::move(a), cpu); !s.ok())
    return s.message();
  const std::string name = device.name;
  if (Status s =
          ImageProblemOracle::Create(inner, settings, dataset, std::move(b), on, std::move(device));
      !s.ok())
    return s.message();
  if ((*on)->backendName() != name) return "the oracle is not on the device";
  *theta = (*cpu)->initialParameters();
  *theta += RandomVec<double>(int(theta->size()), 13, -0.05, 0.05);
  (*cpu)->project(*theta);
  return {};
}

// The first disagreement between the oracle on `device` and on the CPU, in words; empty when
// they agree.
inline std::string OracleParity(const std::string& type, OperatorKind kind,
                                const OpsFactory& device) {
  const std::string where = type + " " + ToString(kind) + ": ";
  std::unique_ptr<ImageProblemOracle> cpu, on;
  Eigen::VectorXd theta;
  if (std::string e = MakeOracles(type, kind, {device(), "the device"}, &cpu, &on, &theta);
      !e.empty())
    return where + e;

  auto close = [](double got, double want, double tolerance) {
    return std::abs(got - want) <= tolerance * std::max(1.0, std::abs(want));
  };
  auto iterations = [](long got, long want) { return std::abs(got - want) <= 2 + want / 10; };
  for (bool gradient : {true, false}) {
    OracleRequest request;
    request.images = {2, 0, 3};
    request.epsilon = 1e-3;
    request.delta = 1e-3;
    request.gradient = gradient;
    const OracleResult want = cpu->evaluate(theta, request);
    const OracleResult got = on->evaluate(theta, request);
    const std::string what = where + (gradient ? "hypergradient: " : "loss: ");
    if (!want.ok()) return what + "the CPU failed: " + want.message;
    if (!got.ok()) return what + "failed: " + got.message;
    if (!close(got.loss, want.loss, 1e-4))
      return what + "loss " + std::to_string(got.loss) + ", the CPU's " + std::to_string(want.loss);
    if (!close(got.psnr, want.psnr, 1e-4)) return what + "PSNR " + std::to_string(got.psnr);
    if (!iterations(got.lower_iterations, want.lower_iterations))
      return what + "FISTA iterations " + std::to_string(got.lower_iterations) + ", the CPU's " +
             std::to_string(want.lower_iterations);
    if (got.power_iterations != want.power_iterations) return what + "power iterations";
    if (!gradient) continue;
    if (!iterations(got.cg_iterations, want.cg_iterations))
      return what + "CG iterations " + std::to_string(got.cg_iterations) + ", the CPU's " +
             std::to_string(want.cg_iterations);
    const double scale = want.gradient.cwiseAbs().maxCoeff();
    const double error = (got.gradient - want.gradient).cwiseAbs().maxCoeff();
    if (!(scale > 0.0) || !(error <= 2e-3 * scale))
      return what + "hypergradient differs by " + std::to_string(error) + " of " +
             std::to_string(scale);
  }
  std::string failure;
  const double want = cpu->testPsnr(theta, 1e-3, {}, &failure);
  const double got = on->testPsnr(theta, 1e-3, {}, &failure);
  if (!std::isfinite(got)) return where + "test PSNR failed: " + failure;
  if (!close(got, want, 1e-4))
    return where + "test PSNR " + std::to_string(got) + ", the CPU's " + std::to_string(want);
  std::vector<float> warm_cpu, warm_on;
  cpu->warmStarts(&warm_cpu);
  on->warmStarts(&warm_on);
  if (warm_on.size() != warm_cpu.size()) return where + "warm starts";
  double largest = 0.0;
  for (std::size_t k = 0; k < warm_on.size(); ++k)
    largest = std::max(largest, std::abs(double(warm_on[k]) - double(warm_cpu[k])));
  if (!(largest <= 1e-2)) return where + "warm starts differ by " + std::to_string(largest);
  return {};
}

// The rows of a suite over every regularizer type and forward operator: columns "type" and "kind".
inline void OracleParityRows() {
  QTest::addColumn<QString>("type");
  QTest::addColumn<int>("kind");
  for (const char* type : {"field_of_experts", "total_variation", "convex_ridge", "input_convex"})
    for (OperatorKind kind :
         {OperatorKind::kIdentity, OperatorKind::kGaussianBlur, OperatorKind::kInpainting})
      QTest::newRow((std::string(type) + " " + ToString(kind)).c_str()) << type << int(kind);
}

}  // namespace bilevel::test
