#include "bilevel/iteration_timing.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

#include "backend/cuda/cuda_ops.h"
#include "base/batch_ops.h"
#include "bilevel/backend_info.h"
#include "bilevel/cg.h"
#include "bilevel/fista.h"
#include "bilevel/forward_operator.h"
#include "bilevel/regularizer_registry.h"
#include "bilevel/thread_pool.h"
#include "data/synthetic.h"
#include "problem/lower_level.h"

namespace bilevel {
namespace {

double MedianMs(int warmup, int repeats, const std::function<void()>& body) {
  for (int i = 0; i < warmup; ++i)
    body();
  std::vector<double> ms(repeats);
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    body();
    ms[i] =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  }
  std::nth_element(ms.begin(), ms.begin() + repeats / 2, ms.end());
  return ms[repeats / 2];
}

// The regularizer's default settings with the benchmark's channels, and its kernels and kernel
// size where the type has those settings and they are given.
RegularizerSettings BenchSettings(const BenchmarkOptions& o) {
  RegularizerSettings s = DefaultRegularizerSettings(o.regularizer);
  if (s.find("regularizer.channels")) s.set("regularizer.channels", (long long)o.channels);
  if (o.kernels > 0 && s.find("regularizer.kernels"))
    s.set("regularizer.kernels", (long long)o.kernels);
  if (o.kernel_size > 0 && s.find("regularizer.kernel_size"))
    s.set("regularizer.kernel_size", (long long)o.kernel_size);
  return s;
}

template <typename T>
Status Run(const BenchmarkOptions& o, BenchmarkResult* r) {
  const Shape shape{o.batch, o.channels, o.size, o.size};
  const RegularizerSettings settings = BenchSettings(o);
  std::unique_ptr<Regularizer<T>> made;
  r->backend = CpuBackendDescription();
  if (o.device == "cuda") {
    std::string why;
    std::unique_ptr<backend::Ops<T>> ops = backend::MakeCudaOps<T>(0, &why);
    if (!ops) return Status::Error(why);
    if (Status s = CreateRegularizerOn(settings, std::move(ops), &made); !s.ok()) return s;
    r->backend = "GPU: " + QueryCudaDevice().name;
  } else if (Status s = CreateRegularizer(settings, &made); !s.ok()) {
    return s;
  }
  if (Status s = made->checkImages(shape); !s.ok()) return s;
  Regularizer<T>& reg = *made;
  backend::Ops<T>* where = reg.backend();
  reg.setParameters(reg.initialParameters());
  Batch<T> noisy = SyntheticImages<T>(shape, 1);
  AddGaussianNoise(noisy, 25.0, 2);
  const Batch<T> y = OnBackend(noisy, where);
  IdentityOperator<T> op(shape);
  LowerLevelProblem<T> problem(op, y, reg, 0.0);
  const std::vector<int> all = AllImages(o.batch);
  Batch<T> grad(shape, where), hv(shape, where);
  BatchLinearOperator<T>& hessian = problem.hessianAt(y);
  Vector<T> mixed;
  const auto finished = [&] {
    if (where) where->synchronize();
  };

  r->threads = ThreadCount();
  r->model = DescribeSettings(settings);
  r->lower_level_ms = MedianMs(3, o.repeats, [&] {
    problem.gradient(all, y, grad);
    finished();
  });
  r->cg_ms = MedianMs(3, o.repeats, [&] {
    hessian.apply(all, y, hv);
    finished();
  });
  r->mixed_ms =
      MedianMs(1, std::max(3, o.repeats / 4), [&] { reg.mixedDerivative(all, y, grad, mixed); });
  // Whole solver iterations: solves of 2R and R iterations (a tolerance never met), differenced.
  const int its = std::max(5, o.repeats);
  const auto solves = [&](int iterations, bool fista) {
    return MedianMs(1, 3, [&] {
      Batch<T> x = y;
      if (fista) {
        FistaOptions f;
        f.tolerance = 1e-30;
        f.max_iterations = iterations;
        SolveFista(f, problem, x);
      } else {
        CgOptions c;
        c.tolerance = 1e-30;
        c.max_iterations = iterations;
        Batch<T> q(shape, where);
        SolveCg(c, hessian, y, q);
      }
      finished();
    });
  };
  r->fista_step_ms = (solves(2 * its, true) - solves(its, true)) / its;
  r->cg_step_ms = (solves(2 * its, false) - solves(its, false)) / its;
  if (where && !where->error().empty()) return Status::Error(where->error());
  return Status::Ok();
}

}  // namespace

Status BenchmarkOptions::validate() const {
  if (batch < 1) return Status::Error("bench: batch must be at least 1");
  if (channels < 1) return Status::Error("bench: channels must be at least 1");
  if (kernels < 0) return Status::Error("bench: kernels must be at least 1 (or 0: the default)");
  if (kernel_size < 0 || (kernel_size > 0 && kernel_size % 2 == 0))
    return Status::Error("bench: kernel size must be a positive odd number (or 0: the default)");
  if (size < 1) return Status::Error("bench: image size must be at least 1");
  if (repeats < 1) return Status::Error("bench: repeats must be at least 1");
  if (device != "cpu" && device != "cuda")
    return Status::Error("bench: device must be cpu or cuda, got '" + device + "'");
  if (!FindRegularizerType(regularizer))
    return Status::Error("bench: unknown regularizer type '" + regularizer + "'");
  std::unique_ptr<Regularizer<double>> reg;
  if (Status s = CreateRegularizer(BenchSettings(*this), &reg); !s.ok()) return s;
  return reg->checkImages(Shape{batch, channels, size, size});
}

std::string BenchmarkResult::report() const {
  const std::string pool =
      backend.rfind("CPU", 0) == 0
          ? ", " + std::to_string(threads) + (threads == 1 ? " thread" : " threads")
          : std::string();
  char text[320];
  std::snprintf(text, sizeof text,
                "lower-level iteration %.3f ms, CG iteration %.3f ms, mixed derivative %.3f ms; "
                "whole FISTA iteration %.3f ms, whole CG iteration %.3f ms (medians%s)",
                lower_level_ms, cg_ms, mixed_ms, fista_step_ms, cg_step_ms, pool.c_str());
  return text;
}

Status RunBenchmark(const BenchmarkOptions& options, BenchmarkResult* result) {
  if (Status s = options.validate(); !s.ok()) return s;
  return options.double_precision ? Run<double>(options, result) : Run<float>(options, result);
}

}  // namespace bilevel
