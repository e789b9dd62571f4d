// bilevel-cuda-bench: device time of the FoE operators (float32) for batch 32, J = 10 kernels of
// 3 x 7 x 7, at 96 x 96 and 256 x 256, both boundary rules; then the solver iterations and ISGD
// steps of the GPU training engine (RunCudaBenchmark, as `bilevel-cli bench --device cuda`).
//
// Two numbers per operation, both from CUDA events after a warm-up:
//   single  median over 200 calls of (event, one call, event), the stream idle before each
//   stream  median over 20 rounds of (event, 50 calls back to back, event) / 50
//
//   usage: bilevel-cuda-bench [repeats]
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

#include "bilevel/iteration_timing.h"
#include "cuda/cuda_foe.h"
#include "data/synthetic.h"
#include "regularizers/foe.h"

using namespace bilevel;

namespace {

bool Check(const Status& s, const char* what) {
  if (!s.ok()) std::fprintf(stderr, "%s: %s\n", what, s.message().c_str());
  return s.ok();
}

bool CheckCuda(cudaError_t e, const char* what) {
  if (e != cudaSuccess) std::fprintf(stderr, "%s: %s\n", what, cudaGetErrorString(e));
  return e == cudaSuccess;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Returns {single, stream} in microseconds, or negative on failure.
std::pair<double, double> Time(CudaFoe& foe, const std::function<Status()>& op, int repeats) {
  auto stream = static_cast<cudaStream_t>(foe.stream());
  cudaEvent_t a, b;
  if (!CheckCuda(cudaEventCreate(&a), "event") || !CheckCuda(cudaEventCreate(&b), "event"))
    return {-1, -1};
  for (int k = 0; k < 20; ++k)
    if (!Check(op(), "warm-up")) return {-1, -1};
  if (!Check(foe.synchronize(), "warm-up")) return {-1, -1};
  std::vector<double> single, streamed;
  for (int k = 0; k < repeats; ++k) {
    cudaEventRecord(a, stream);
    if (!Check(op(), "op")) return {-1, -1};
    cudaEventRecord(b, stream);
    if (!CheckCuda(cudaEventSynchronize(b), "sync")) return {-1, -1};
    float ms = 0;
    cudaEventElapsedTime(&ms, a, b);
    single.push_back(1000.0 * ms);
  }
  const int batch = 50;
  for (int r = 0; r < 20; ++r) {
    cudaEventRecord(a, stream);
    for (int k = 0; k < batch; ++k)
      if (!Check(op(), "op")) return {-1, -1};
    cudaEventRecord(b, stream);
    if (!CheckCuda(cudaEventSynchronize(b), "sync")) return {-1, -1};
    float ms = 0;
    cudaEventElapsedTime(&ms, a, b);
    streamed.push_back(1000.0 * ms / batch);
  }
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  return {Median(single), Median(streamed)};
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::max(10, std::atoi(argv[1])) : 200;
  int failures = 0;
  bool printed_device = false;
  std::printf("%-10s %-9s %-18s %12s %12s\n", "size", "boundary", "operation", "single_us",
              "stream_us");
  for (int size : {96, 256}) {
    for (Boundary boundary : {Boundary::kReflect101, Boundary::kZero}) {
      FoeConfig config;
      config.channels = 3;
      config.kernels = 10;
      config.kernel_size = 7;
      config.boundary = boundary;
      const Shape shape{32, 3, size, size};
      Status status;
      auto foe = CudaFoe::Create(config, shape, &status);
      if (!foe) {
        std::fprintf(stderr, "no CUDA backend: %s\n", status.message().c_str());
        return 2;
      }
      if (!printed_device) {
        std::printf("# device: %s\n", foe->deviceName().c_str());
        printed_device = true;
      }
      FieldOfExperts<float> cpu(config);
      if (!Check(foe->setParameters(cpu.initialParameters()), "parameters")) return 1;
      DeviceBatch x, v, out, resp;
      if (!Check(foe->upload(RandomBatch<float>(shape, 11, 0.0, 1.0), x), "upload") ||
          !Check(foe->upload(RandomBatch<float>(shape, 12, -1.0, 1.0), v), "upload") ||
          !Check(foe->prepareHessian(x), "prepareHessian"))
        return 1;
      struct Op {
        const char* name;
        std::function<Status()> run;
      };
      const std::vector<Op> ops = {
          {"gradient", [&] { return foe->gradient(x, out); }},
          {"hessianVector", [&] { return foe->hessianVector(v, out); }},
          {"hessianBound", [&] { return foe->hessianBound(v, out); }},
          {"filterResponses", [&] { return foe->filterResponses(x, resp); }},
          {"prepareHessian", [&] { return foe->prepareHessian(x); }},
      };
      for (const Op& op : ops) {
        const auto [single, streamed] = Time(*foe, op.run, repeats);
        if (single < 0) {
          ++failures;
          continue;
        }
        std::printf("%-10s %-9s %-18s %12.1f %12.1f\n",
                    (std::to_string(size) + "x" + std::to_string(size)).c_str(), ToString(boundary),
                    op.name, single, streamed);
      }
      Batch<float> check;
      if (!Check(foe->gradient(x, out), "gradient") ||
          !Check(foe->download(out, check), "download"))
        return 1;
      if (!check.allFinite()) {
        std::fprintf(stderr, "non-finite gradient\n");
        ++failures;
      }
    }
  }
  std::printf("# batch 32, J = 10 kernels of 3x7x7, float32 (FFMA, no TF32)\n\n");
  CudaBenchmarkOptions options;
  CudaBenchmarkResult result;
  if (const Status s = RunCudaBenchmark(options, &result); !s.ok()) {
    std::fprintf(stderr, "solver benchmark: %s\n", s.message().c_str());
    ++failures;
  } else {
    std::printf("%s\n", result.report(options).c_str());
  }
  return failures == 0 ? 0 : 1;
}
