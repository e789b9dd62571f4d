#include "bilevel/iteration_timing.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

#include "base/batch_ops.h"
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

// The regularizer's default settings for the benchmark's channels (and the Field of Experts' J
// and k).
RegularizerSettings BenchSettings(const BenchmarkOptions& o) {
  RegularizerSettings s = DefaultRegularizerSettings(o.regularizer);
  if (s.find("regularizer.channels")) s.set("regularizer.channels", (long long)o.channels);
  if (o.regularizer == "field_of_experts") {
    s.set("regularizer.kernels", (long long)o.kernels);
    s.set("regularizer.kernel_size", (long long)o.kernel_size);
  }
  return s;
}

template <typename T>
Status Run(const BenchmarkOptions& o, BenchmarkResult* r) {
  const Shape shape{o.batch, o.channels, o.size, o.size};
  const RegularizerSettings settings = BenchSettings(o);
  std::unique_ptr<Regularizer<T>> made;
  if (Status s = CreateRegularizer(settings, &made); !s.ok()) return s;
  if (Status s = made->checkImages(shape); !s.ok()) return s;
  Regularizer<T>& reg = *made;
  reg.setParameters(reg.initialParameters());
  Batch<T> clean = SyntheticImages<T>(shape, 1);
  Batch<T> y = clean;
  AddGaussianNoise(y, 25.0, 2);
  IdentityOperator<T> op(shape);
  LowerLevelProblem<T> problem(op, y, reg, 0.0);
  const std::vector<int> all = AllImages(o.batch);
  Batch<T> grad(shape), hv(shape);
  BatchLinearOperator<T>& hessian = problem.hessianAt(y);
  Vector<T> mixed;

  r->threads = ThreadCount();
  r->model = DescribeSettings(settings);
  r->lower_level_ms = MedianMs(3, o.repeats, [&] { problem.gradient(all, y, grad); });
  r->cg_ms = MedianMs(3, o.repeats, [&] { hessian.apply(all, y, hv); });
  r->mixed_ms =
      MedianMs(1, std::max(3, o.repeats / 4), [&] { reg.mixedDerivative(all, y, grad, mixed); });
  return Status::Ok();
}

}  // namespace

Status BenchmarkOptions::validate() const {
  if (batch < 1) return Status::Error("bench: batch must be at least 1");
  if (channels < 1) return Status::Error("bench: channels must be at least 1");
  if (kernels < 1) return Status::Error("bench: kernels must be at least 1");
  if (kernel_size < 1 || kernel_size % 2 == 0)
    return Status::Error("bench: kernel size must be a positive odd number");
  if (size < 1) return Status::Error("bench: image size must be at least 1");
  if (repeats < 1) return Status::Error("bench: repeats must be at least 1");
  if (!FindRegularizerType(regularizer))
    return Status::Error("bench: unknown regularizer type '" + regularizer + "'");
  std::unique_ptr<Regularizer<double>> reg;
  if (Status s = CreateRegularizer(BenchSettings(*this), &reg); !s.ok()) return s;
  return reg->checkImages(Shape{batch, channels, size, size});
}

std::string BenchmarkResult::report() const {
  char text[256];
  std::snprintf(text, sizeof text,
                "lower-level iteration %.3f ms, CG iteration %.3f ms, mixed derivative %.3f ms "
                "(medians, %d thread%s)",
                lower_level_ms, cg_ms, mixed_ms, threads, threads == 1 ? "" : "s");
  return text;
}

Status RunCpuBenchmark(const BenchmarkOptions& options, BenchmarkResult* result) {
  if (Status s = options.validate(); !s.ok()) return s;
  return options.double_precision ? Run<double>(options, result) : Run<float>(options, result);
}

Status CudaBenchmarkOptions::validate() const {
  if (batch < 1) return Status::Error("bench: batch must be at least 1");
  if (channels < 1) return Status::Error("bench: channels must be at least 1");
  if (kernels < 1) return Status::Error("bench: kernels must be at least 1");
  if (kernel_size < 1 || kernel_size % 2 == 0)
    return Status::Error("bench: kernel size must be a positive odd number");
  if (sizes.empty()) return Status::Error("bench: no image size");
  for (int s : sizes)
    if (s < kernel_size) return Status::Error("bench: image size must be at least the kernel size");
  if (fista_iterations < 1 || cg_iterations < 1)
    return Status::Error("bench: iteration counts must be at least 1");
  if (repeats < 1) return Status::Error("bench: repeats must be at least 1");
  return Status::Ok();
}

std::string CudaBenchmarkResult::report(const CudaBenchmarkOptions& o) const {
  std::string text = "GPU: " + device + "\n";
  char line[256];
  std::snprintf(line, sizeof line,
                "batch %d, %d-channel images, J=%d kernels of %dx%dx%d, %s boundary, float32, "
                "denoising\n",
                o.batch, o.channels, o.kernels, o.channels, o.kernel_size, o.kernel_size,
                ToString(o.boundary));
  text += line;
  std::snprintf(line, sizeof line, "%-10s %22s %16s %28s\n", "size", "lower-level iteration",
                "CG iteration", "ISGD step");
  text += line;
  for (const CudaBenchmarkRow& r : rows) {
    char step[64];
    std::snprintf(step, sizeof step, "%.2f ms (%d FISTA + %d CG)", r.step_ms, o.fista_iterations,
                  o.cg_iterations);
    std::snprintf(line, sizeof line, "%-10s %19.1f us %13.1f us %28s\n",
                  (std::to_string(r.size) + "x" + std::to_string(r.size)).c_str(), r.lower_level_us,
                  r.cg_us, step);
    text += line;
  }
  text +=
      "(medians; iterations timed with CUDA events on the stream, the step with the host "
      "clock)";
  return text;
}

#ifndef BILEVEL_HAVE_CUDA
Status RunCudaBenchmark(const CudaBenchmarkOptions&, CudaBenchmarkResult*) {
  return Status::Error("this build has no CUDA backend");
}
#endif

}  // namespace bilevel
