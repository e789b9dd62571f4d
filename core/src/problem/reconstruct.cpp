#include "bilevel/reconstruct.h"

#include <chrono>
#include <cmath>
#include <exception>
#include <memory>

#include "bilevel/regularizer_registry.h"
#include "problem/lower_level.h"

#ifdef BILEVEL_HAVE_CUDA
#include "cuda/cuda_reconstruct.h"
#endif

namespace bilevel {

Status ReconstructOptions::validate() const {
  if (Status s = fista.validate(); !s.ok()) return s;
  if (!(mu0 >= 0.0) || !std::isfinite(mu0))
    return Status::Error("mu0 must be finite and non-negative, got " + std::to_string(mu0));
  return Status::Ok();
}

namespace {

// The FISTA options with keep_going counting the solver's steps for options.progress.
FistaOptions WithProgress(const ReconstructOptions& options, int* steps) {
  FistaOptions fista = options.fista;
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
  if (Status s = ChooseDevice(options.device, options.allow_cpu_fallback, settings.type, &device);
      !s.ok())
    return fail(s);
  result.backend = device.backend;
  result.warnings = device.warnings;
  int steps = 0;
  const FistaOptions fista = WithProgress(options, &steps);
  const auto start = std::chrono::steady_clock::now();
  Batch<float> x;
#ifdef BILEVEL_HAVE_CUDA
  if (device.gpu) {
    const Status s = CudaReconstruct(settings, t, op, measured, fista, options.mu0, &x,
                                     &result.summary, &result.backend);
    if (!s.ok()) {
      if (!options.allow_cpu_fallback)
        return fail(Status::Error("the GPU could not reconstruct: " + s.message()));
      result.warnings.push_back("the GPU could not reconstruct (" + s.message() +
                                "); running on the CPU");
      result.backend = CpuBackendDescription();
      device.gpu = false;
      steps = 0;
    }
  }
#endif
  if (!device.gpu) {
    reg->setParameters(t);
    LowerLevelProblem<float> lower(op, measured, *reg, options.mu0);
    x = measured;
    lower.prepareCurvature(x);
    result.summary = SolveFista(fista, lower, x);
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (result.summary.status == SolverStatus::kCancelled) return fail(Status::Error("cancelled"));
  if (!result.summary.usable())
    return fail(Status::Error(result.summary.message.empty() ? ToString(result.summary.status)
                                                             : result.summary.message));
  result.x = std::move(x);
  return result;
}

}  // namespace

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
