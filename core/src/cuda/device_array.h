// Private helpers of the host-side CUDA code: checked runtime calls that become a Status, and
// move-only typed arrays in device and pinned host memory.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <string>
#include <utility>

#include "bilevel/status.h"

namespace bilevel::cuda {

// A failed runtime call as a Status ("CUDA: <what>: <reason>"). Clears a non-sticky error so that
// later calls start clean.
inline Status CudaStatus(cudaError_t err, const std::string& what) {
  cudaGetLastError();
  return Status::Error("CUDA: " + what + ": " + cudaGetErrorString(err));
}

#define BILEVEL_CUDA_CHECK(expr, what)                              \
  do {                                                              \
    const cudaError_t bilevel_check_err_ = (expr);                  \
    if (bilevel_check_err_ != cudaSuccess)                          \
      return ::bilevel::cuda::CudaStatus(bilevel_check_err_, what); \
  } while (0)

#define BILEVEL_STATUS_CHECK(expr)             \
  do {                                         \
    ::bilevel::Status bilevel_st_ = (expr);    \
    if (!bilevel_st_.ok()) return bilevel_st_; \
  } while (0)

template <typename T>
class DeviceArray {
 public:
  DeviceArray() = default;
  ~DeviceArray() { release(); }
  DeviceArray(DeviceArray&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)),
        size_(std::exchange(o.size_, 0)),
        capacity_(std::exchange(o.capacity_, 0)) {}
  DeviceArray& operator=(DeviceArray&& o) noexcept {
    if (this != &o) {
      release();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      capacity_ = std::exchange(o.capacity_, 0);
    }
    return *this;
  }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;

  T* data() { return data_; }
  const T* data() const { return data_; }
  std::size_t size() const { return size_; }

  // Room for `count` values (contents undefined after a reallocation).
  Status allocate(std::size_t count, const char* what) {
    if (count <= capacity_ && data_) {
      size_ = count;
      return Status::Ok();
    }
    release();
    if (count == 0) return Status::Ok();
    void* p = nullptr;
    const cudaError_t err = cudaMalloc(&p, count * sizeof(T));
    if (err != cudaSuccess)
      return CudaStatus(err, std::string("out of device memory for ") + what + " (" +
                                 std::to_string((count * sizeof(T)) >> 10) + " KiB)");
    data_ = static_cast<T*>(p);
    size_ = capacity_ = count;
    return Status::Ok();
  }

  Status upload(const T* src, std::size_t count, cudaStream_t stream, const char* what) {
    BILEVEL_STATUS_CHECK(allocate(count, what));
    if (count > 0)
      BILEVEL_CUDA_CHECK(
          cudaMemcpyAsync(data_, src, count * sizeof(T), cudaMemcpyHostToDevice, stream),
          std::string("uploading ") + what);
    return Status::Ok();
  }

  // Queues a copy of the first `count` values to dst (wait for the stream before reading it).
  Status download(T* dst, std::size_t count, cudaStream_t stream, const char* what) const {
    if (count > size_)
      return Status::Error(std::string("CUDA: downloading ") + what + ": too many values");
    if (count > 0)
      BILEVEL_CUDA_CHECK(
          cudaMemcpyAsync(dst, data_, count * sizeof(T), cudaMemcpyDeviceToHost, stream),
          std::string("downloading ") + what);
    return Status::Ok();
  }

  Status zero(cudaStream_t stream, const char* what) {
    if (size_ > 0)
      BILEVEL_CUDA_CHECK(cudaMemsetAsync(data_, 0, size_ * sizeof(T), stream),
                         std::string("clearing ") + what);
    return Status::Ok();
  }

  void release() {
    if (data_) cudaFree(data_);
    data_ = nullptr;
    size_ = capacity_ = 0;
  }

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0, capacity_ = 0;
};

// Page-locked host memory, for copies that must stay asynchronous.
template <typename T>
class PinnedArray {
 public:
  PinnedArray() = default;
  ~PinnedArray() {
    if (data_) cudaFreeHost(data_);
  }
  PinnedArray(const PinnedArray&) = delete;
  PinnedArray& operator=(const PinnedArray&) = delete;

  Status allocate(std::size_t count, const char* what) {
    if (count <= size_ && data_) return Status::Ok();
    if (data_) cudaFreeHost(data_);
    data_ = nullptr;
    size_ = 0;
    void* p = nullptr;
    BILEVEL_CUDA_CHECK(cudaMallocHost(&p, count * sizeof(T)),
                       std::string("allocating page-locked memory for ") + what);
    data_ = static_cast<T*>(p);
    size_ = count;
    return Status::Ok();
  }
  T* data() { return data_; }
  T& operator[](std::size_t k) { return data_[k]; }

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace bilevel::cuda
