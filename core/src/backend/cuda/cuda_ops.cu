#include "backend/cuda/cuda_ops.h"

#include <cuda_runtime.h>

#include <string>

#include "backend/body_ops.h"
#include "backend/cuda/launch.cuh"

namespace bilevel::backend {
namespace {

class CudaDevice {
 public:
  explicit CudaDevice(int device) : device_(device) {}

  bool ok() const { return error_.empty(); }
  std::string error() const { return error_; }
  void enter() { check(cudaSetDevice(device_), "selecting the device"); }

  template <typename U>
  U* allocate(std::size_t count) {
    if (!ok()) return nullptr;
    void* data = nullptr;
    const std::size_t bytes = (count ? count : 1) * sizeof(U);
    if (cudaError_t e = cudaMalloc(&data, bytes); e != cudaSuccess) {
      cudaGetLastError();
      fail(e, "allocating " + std::to_string((bytes + (1 << 20) - 1) >> 20) + " MiB");
      return nullptr;
    }
    if (!check(cudaMemset(data, 0, bytes), "clearing new memory")) {
      cudaFree(data);
      return nullptr;
    }
    return static_cast<U*>(data);
  }
  template <typename U>
  void release(U* data) noexcept {
    if (data) cudaFree(data);
  }
  template <typename U>
  void upload(const U* host, std::size_t count, U* dst) {
    if (ok() && count)
      check(cudaMemcpy(dst, host, count * sizeof(U), cudaMemcpyHostToDevice), "copying to it");
  }
  template <typename U>
  void download(const U* src, std::size_t count, U* host) {
    if (ok() && count)
      check(cudaMemcpy(host, src, count * sizeof(U), cudaMemcpyDeviceToHost), "copying from it");
  }
  template <typename U>
  void copy(const U* src, std::size_t count, U* dst) {
    if (ok() && count)
      check(cudaMemcpy(dst, src, count * sizeof(U), cudaMemcpyDeviceToDevice), "copying within it");
  }
  template <typename Body>
  void launch(const LaunchGrid& grid, const Body& body) {
    if (ok()) check(cuda::LaunchBody(grid, body, nullptr), "launching a kernel");
  }
  void synchronize() {
    if (ok()) check(cudaDeviceSynchronize(), "finishing its work");
  }

 private:
  bool check(cudaError_t e, const std::string& what) {
    if (e == cudaSuccess) return true;
    fail(e, what);
    return false;
  }
  void fail(cudaError_t e, const std::string& what) {
    if (error_.empty())
      error_ =
          "CUDA device " + std::to_string(device_) + ", " + what + ": " + cudaGetErrorString(e);
  }

  int device_;
  std::string error_;
};

}  // namespace

template <typename T>
std::unique_ptr<Ops<T>> MakeCudaOps(int device, std::string* why) {
  int count = 0;
  if (cudaError_t e = cudaGetDeviceCount(&count); e != cudaSuccess || device >= count) {
    cudaGetLastError();
    if (why)
      *why = e != cudaSuccess ? std::string("no CUDA device: ") + cudaGetErrorString(e)
                              : "no CUDA device " + std::to_string(device);
    return nullptr;
  }
  return std::make_unique<BodyOps<T, CudaDevice>>("cuda", device);
}

template std::unique_ptr<Ops<float>> MakeCudaOps<float>(int, std::string*);
template std::unique_ptr<Ops<double>> MakeCudaOps<double>(int, std::string*);

}  // namespace bilevel::backend
