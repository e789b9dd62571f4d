#include "bilevel/reconstruct.h"

#include "backend/kernels/solver_steps.h"

#include <chrono>
#include <cmath>
#include <exception>
#include <memory>

#include "backend/cuda/cuda_ops.h"
#include "bilevel/regularizer_registry.h"
#include "problem/engine_check.h"
#include "problem/lower_level.h"

namespace bilevel {

Status ReconstructOptions::validate() const {
  if (Status s = fista.validate(); !s.ok()) return s;
  if (reference_side < 0)
    return Status::Error("the reference side must be 0 (eps absolute) or positive, got " +
                         std::to_string(reference_side));
  if (!(mu0 >= 0.0) || !std::isfinite(mu0))
    return Status::Error("mu0 must be finite and non-negative, got " + std::to_string(mu0));
  return Status::Ok();
}

namespace {

// The FISTA options with keep_going counting the solver's steps for options.progress.
// The lower-level problem, telling each point of a gradient evaluation to a trace.
class TracedObjective final : public BatchObjective<float> {
 public:
  TracedObjective(BatchObjective<float>& inner, std::function<void(const Batch<float>&)> trace)
      : inner_(inner), trace_(std::move(trace)) {}
  Shape shape() const override { return inner_.shape(); }
  void gradient(const std::vector<int>& active, const Batch<float>& x,
                Batch<float>& grad) override {
    trace_(HostBatch<float>(x).get());
    inner_.gradient(active, x, grad);
  }
  BatchLinearOperator<float>& curvatureBound() override { return inner_.curvatureBound(); }
  double strongConvexity(int i) const override { return inner_.strongConvexity(i); }

 private:
  BatchObjective<float>& inner_;
  std::function<void(const Batch<float>&)> trace_;
};

// fista.reference_size from reference_side and the images' channels.
FistaOptions WithReference(const ReconstructOptions& options, const Shape& shape) {
  FistaOptions fista = options.fista;
  if (options.reference_side > 0)
    fista.reference_size =
        std::size_t(shape.c) * std::size_t(options.reference_side) * options.reference_side;
  return fista;
}

FistaOptions WithProgress(const ReconstructOptions& options, const Shape& shape, int* steps) {
  FistaOptions fista = WithReference(options, shape);
  if (options.residual) fista.monitor = options.residual;
  if (!options.progress) return fista;
  fista.keep_going = [user = options.fista.keep_going, progress = options.progress, steps] {
    progress((*steps)++);
    return !user || user();
  };
  return fista;
}

ReconstructResult Solve(const RegularizerSettings& settings, const Eigen::VectorXd& theta,
                        const ForwardOperator<float>& op, const Batch<float>& measured,
                        const ReconstructOptions& options) {
  ReconstructResult result;
  auto fail = [&](Status s) {
    result.status = std::move(s);
    return result;
  };
  if (Status s = options.validate(); !s.ok()) return fail(s);
  std::unique_ptr<Regularizer<float>> reg;
  if (Status s = CreateRegularizer(settings, &reg); !s.ok()) return fail(s);
  if (Status s = reg->checkImages(measured.shape()); !s.ok()) return fail(s);
  if (Status s = CheckOperatorShape(op, measured.shape()); !s.ok()) return fail(s);
  if (!measured.allFinite()) return fail(Status::Error("the measurements are not finite"));
  const Vector<float> t = theta.cast<float>();
  if (Status s = reg->checkParameters(t); !s.ok()) return fail(s);
  DeviceChoice device;
  if (Status s = ChooseEngineDevice(options.device, options.allow_cpu_fallback, &device); !s.ok())
    return fail(s);
  result.backend = device.backend;
  result.warnings = device.warnings;
  int steps = 0;
  const FistaOptions fista = WithProgress(options, measured.shape(), &steps);
  result.tolerance = StoppingTolerance(options, measured.shape());
  const auto start = std::chrono::steady_clock::now();
  // On the GPU: the regularizer made there and the batches copied to it (backend/ops.h).
  std::string why;
  std::unique_ptr<Regularizer<float>> on_device;
  if (device.gpu) {
    std::unique_ptr<backend::Ops<float>> ops = backend::MakeCudaOps<float>(device.device, &why);
    Status made =
        ops ? CreateRegularizerOn(settings, std::move(ops), &on_device) : Status::Error(why);
    if (!made.ok()) {
      if (!options.allow_cpu_fallback)
        return fail(Status::Error("the GPU could not reconstruct: " + made.message()));
      result.warnings.push_back("the GPU could not reconstruct (" + made.message() +
                                "); running on the CPU");
      result.backend = CpuBackendDescription();
    } else {
      reg = std::move(on_device);
    }
  }
  reg->setParameters(t);
  const Batch<float> y = OnBackend(measured, reg->backend());
  LowerLevelProblem<float> lower(op, y, *reg, options.mu0);
  Batch<float> x = y;
  lower.prepareCurvature(x);
  if (options.trace) {
    TracedObjective traced(lower, options.trace);
    result.summary = SolveFista(fista, traced, x);
  } else {
    result.summary = SolveFista(fista, lower, x);
  }
  if (const std::string e = reg->backend() ? reg->backend()->error() : std::string(); !e.empty())
    return fail(Status::Error("the GPU failed: " + e));
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (result.summary.status == SolverStatus::kCancelled) return fail(Status::Error("cancelled"));
  if (!result.summary.usable())
    return fail(Status::Error(result.summary.message.empty() ? ToString(result.summary.status)
                                                             : result.summary.message));
  result.x = x.onHost() ? std::move(x) : OnHost(x);
  return result;
}

}  // namespace

double StoppingTolerance(const ReconstructOptions& options, const Shape& shape) {
  const FistaOptions fista = WithReference(options, shape);
  return steps::ScaledTolerance(fista.tolerance, double(shape.imageSize()),
                                double(fista.reference_size));
}

ReconstructResult Reconstruct(const RegularizerSettings& settings, const Eigen::VectorXd& theta,
                              const ForwardOperator<float>& op, const Batch<float>& measured,
                              const ReconstructOptions& options) {
  try {
    return Solve(settings, theta, op, measured, options);
  } catch (const std::bad_alloc&) {
    ReconstructResult result;
    result.status = Status::Error("out of memory for " + measured.shape().toString());
    return result;
  } catch (const std::exception& e) {
    ReconstructResult result;
    result.status = Status::Error(std::string("reconstruction failed: ") + e.what());
    return result;
  }
}

}  // namespace bilevel
