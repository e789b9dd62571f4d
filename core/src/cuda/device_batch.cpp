// DeviceBatch (cuda/cuda_foe.h): a float32 batch in device memory that grows but never shrinks.
#include <cuda_runtime.h>

#include <string>

#include "cuda/cuda_foe.h"

namespace bilevel {
namespace {

std::string ShapeText(const Shape& s) {
  return std::to_string(s.n) + "x" + std::to_string(s.c) + "x" + std::to_string(s.h) + "x" +
         std::to_string(s.w);
}

}  // namespace

DeviceBatch::~DeviceBatch() {
  release();
}

DeviceBatch::DeviceBatch(DeviceBatch&& other) noexcept
    : shape_(other.shape_), data_(other.data_), capacity_(other.capacity_) {
  other.data_ = nullptr;
  other.capacity_ = 0;
  other.shape_ = Shape{};
}

DeviceBatch& DeviceBatch::operator=(DeviceBatch&& other) noexcept {
  if (this != &other) {
    release();
    shape_ = other.shape_;
    data_ = other.data_;
    capacity_ = other.capacity_;
    other.data_ = nullptr;
    other.capacity_ = 0;
    other.shape_ = Shape{};
  }
  return *this;
}

Status DeviceBatch::allocate(Shape shape) {
  if (shape.n < 0 || shape.c < 0 || shape.h < 0 || shape.w < 0)
    return Status::Error("DeviceBatch: negative shape " + ShapeText(shape));
  const std::size_t count = shape.size();
  // Grows only: batches change size all the time (the last partial batch, test chunks, a one-image
  // preview), and a cudaFree would synchronise the whole device each time.
  if (data_ && count > 0 && count <= capacity_) {
    shape_ = shape;
    return Status::Ok();
  }
  release();
  if (count > 0) {
    void* p = nullptr;
    const cudaError_t err = cudaMalloc(&p, count * sizeof(float));
    if (err != cudaSuccess) {
      cudaGetLastError();
      return Status::Error("CUDA: out of device memory allocating a " + ShapeText(shape) +
                           " batch (" + std::to_string(count * sizeof(float) >> 20) +
                           " MiB): " + cudaGetErrorString(err));
    }
    data_ = static_cast<float*>(p);
    capacity_ = count;
  }
  shape_ = shape;
  return Status::Ok();
}

void DeviceBatch::release() {
  if (data_) cudaFree(data_);
  data_ = nullptr;
  capacity_ = 0;
  shape_ = Shape{};
}

}  // namespace bilevel
