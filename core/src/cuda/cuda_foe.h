// The Field of Experts "sandwich" operators on the GPU (float32, whole batches, data on the
// device).
//
// CudaFoe computes the same functions as FieldOfExperts<float> (bilevel/foe.h), on every image of
// a DeviceBatch at once:
//
//   gradient        a sum_j b_j K_j^T phi'(K_j x)
//   hessianVector   a sum_j b_j K_j^T (phi''(K_j x) . K_j v)   at the x of prepareHessian()
//   hessianBound    (a / nu) sum_j b_j K_j^T K_j v
//   filterResponses K_j x for every j (n x J x h x w)
//   mixedDerivative sum_i (d/dtheta grad_x R(x_i))^T q_i
//
// with the same boundary rules (Reflect101 and Zero padding, exact adjoints). Work is queued on
// the object's own CUDA stream and runs asynchronously; download() and synchronize() wait for it.
// Every CUDA call is checked: failures (no device, out of memory, a failed launch) come back as a
// Status with a message. This header needs no CUDA headers.
#pragma once

#include <memory>

#include "bilevel/batch.h"
#include "bilevel/status.h"
#include "regularizers/foe.h"

namespace bilevel {

// A float32 batch in device memory (N x C x H x W, contiguous). Move-only; frees on destruction.
class DeviceBatch {
 public:
  DeviceBatch() = default;
  ~DeviceBatch();
  DeviceBatch(DeviceBatch&& other) noexcept;
  DeviceBatch& operator=(DeviceBatch&& other) noexcept;
  DeviceBatch(const DeviceBatch&) = delete;
  DeviceBatch& operator=(const DeviceBatch&) = delete;

  const Shape& shape() const { return shape_; }
  std::size_t size() const { return shape_.size(); }
  bool empty() const { return data_ == nullptr; }
  // Device pointer (for kernels and tests; never dereference on the host).
  float* data() { return data_; }
  const float* data() const { return data_; }

  // Makes room for `shape` (reallocates only to grow; contents undefined).
  Status allocate(Shape shape);
  void release();

 private:
  Shape shape_;
  float* data_ = nullptr;
  std::size_t capacity_ = 0;
};

// The images an operation works on, chosen on the device: list[0 .. *count) of the batch (device
// pointers, written by earlier work on the same stream). Both null: every image. Solvers use it so
// that converged images stop costing work without a host round-trip.
struct DeviceImageList {
  const int* list = nullptr;
  const int* count = nullptr;
};

// The data term of a lower-level problem, added to the output of an operator in its last pass
// (device pointers to arrays shaped like the output, null when absent):
//   out += coef * v - y             without a mask
//   out += coef * v + m (m v - y)   with an inpainting mask m
// e.g. the gradient of 1/2 ||x - y||^2 + mu0/2 ||x||^2 is {x, 1 + mu0, null, y}.
struct DeviceDataTerm {
  const float* v = nullptr;
  float coef = 0.0f;
  const float* mask = nullptr;
  const float* y = nullptr;
};

class CudaFoe {
 public:
  // Fails (nullptr and a message in *status) when no device is present, the configuration is
  // invalid or the workspace for batchShape does not fit in device memory.
  static std::unique_ptr<CudaFoe> Create(const FoeConfig& config, Shape batchShape, Status* status);
  ~CudaFoe();
  CudaFoe(const CudaFoe&) = delete;
  CudaFoe& operator=(const CudaFoe&) = delete;

  const FoeConfig& config() const;
  int parameterCount() const;

  // Parameters as in FieldOfExperts: (theta0, theta_1..theta_J, s, k_1..k_J).
  Status setParameters(const Vector<float>& theta);

  // Host <-> device. upload() (re)allocates dst to the batch's shape; download() resizes dst.
  Status upload(const Batch<float>& src, DeviceBatch& dst);
  Status download(const DeviceBatch& src, Batch<float>& dst);
  // Fills a device batch with a value (tests poison outputs with NaN).
  Status fill(DeviceBatch& dst, float value);
  // Waits for the queued work and reports any asynchronous error.
  Status synchronize();

  // The operators on all images. Outputs are (re)allocated to the right shape.
  Status gradient(const DeviceBatch& x, DeviceBatch& out);
  Status prepareHessian(const DeviceBatch& x);
  Status hessianVector(const DeviceBatch& v, DeviceBatch& out);
  Status hessianBound(const DeviceBatch& v, DeviceBatch& out);
  // The same on the images of a device-side list, plus a data term. out must not alias the input;
  // it is allocated to the input's shape when needed, and images outside the list keep their
  // values.
  Status gradient(const DeviceBatch& x, DeviceBatch& out, const DeviceImageList& images,
                  const DeviceDataTerm& data);
  Status hessianVector(const DeviceBatch& v, DeviceBatch& out, const DeviceImageList& images,
                       const DeviceDataTerm& data);
  Status hessianBound(const DeviceBatch& v, DeviceBatch& out, const DeviceImageList& images,
                      const DeviceDataTerm& data);
  Status filterResponses(const DeviceBatch& x, DeviceBatch& responses);
  Status filterResponsesAdjoint(const DeviceBatch& responses, DeviceBatch& out);
  // out = sum over all images of (d/dtheta grad_x R(x_i))^T q_i. Synchronous.
  Status mixedDerivative(const DeviceBatch& x, const DeviceBatch& q, Vector<float>& out);

  // The CUDA stream the work runs on, as a cudaStream_t (for timing with events).
  void* stream() const;
  // The device's name ("NVIDIA H100 80GB HBM3").
  std::string deviceName() const;

 private:
  struct Impl;
  explicit CudaFoe(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bilevel
