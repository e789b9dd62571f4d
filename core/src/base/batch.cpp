#include "bilevel/batch.h"

#include <algorithm>

#include "backend/ops.h"
#include "base/batch_ops.h"

namespace bilevel {

std::string Shape::toString() const {
  return std::to_string(n) + "x" + std::to_string(c) + "x" + std::to_string(h) + "x" +
         std::to_string(w);
}

namespace {

template <typename T>
backend::Ops<T>* DeviceOf(backend::Ops<T>* where) {
  return where && !where->hostMemory() ? where : nullptr;
}

}  // namespace

template <typename T>
Batch<T>::Batch(Shape shape, backend::Ops<T>* where) : shape_(shape) {
  backend_ = DeviceOf(where);
  if (!backend_) {
    data_.assign(shape.size(), T(0));
  } else if (shape.size() > 0) {
    device_ = backend_->allocate(shape.size());
  }
}

template <typename T>
Batch<T>::Batch(const Batch& other) : Batch(other.shape_, other.backend_) {
  if (!backend_)
    data_ = other.data_;
  else if (device_)
    backend_->copy(other.device_, size(), device_);
}

template <typename T>
Batch<T>& Batch<T>::operator=(const Batch& other) {
  if (this != &other) *this = Batch(other);
  return *this;
}

template <typename T>
Batch<T>& Batch<T>::operator=(Batch&& other) noexcept {
  if (this != &other) {
    releaseBackend();
    shape_ = other.shape_;
    data_ = std::move(other.data_);
    backend_ = std::exchange(other.backend_, nullptr);
    device_ = std::exchange(other.device_, nullptr);
    other.shape_ = Shape{};
    other.data_.clear();
  }
  return *this;
}

template <typename T>
void Batch<T>::releaseBackend() noexcept {
  if (backend_ && device_) backend_->release(device_);
  device_ = nullptr;
}

template <typename T>
void Batch<T>::fill(T value) {
  if (!backend_) {
    data_.assign(data_.size(), value);
  } else if (device_) {
    backend_->fill(imageSize(), AllImages(shape_.n), value, device_);
  }
}

template <typename T>
void Batch<T>::resize(Shape shape) {
  *this = Batch(shape, backend_);
}

template <typename T>
bool Batch<T>::allFinite() const {
  const HostBatch<T> host(*this);
  for (const T& v : host.get().data_)
    if (!std::isfinite(v)) return false;
  return true;
}

template <typename T>
Batch<T> OnBackend(const Batch<T>& batch, backend::Ops<T>* where) {
  if (DeviceOf(where) == batch.backend()) return batch;
  const HostBatch<T> host(batch);
  const Batch<T>& from = host.get();
  Batch<T> out(from.shape(), where);
  if (out.onHost())
    out = from;
  else if (out.size() > 0)
    where->upload(from.data(), from.size(), out.data());
  return out;
}

template <typename T>
Batch<T> OnHost(const Batch<T>& batch) {
  if (batch.onHost()) return batch;
  Batch<T> out(batch.shape());
  if (out.size() > 0) batch.backend()->download(batch.data(), batch.size(), out.data());
  return out;
}

template class Batch<float>;
template class Batch<double>;
template Batch<float> OnBackend(const Batch<float>&, backend::Ops<float>*);
template Batch<double> OnBackend(const Batch<double>&, backend::Ops<double>*);
template Batch<float> OnHost(const Batch<float>&);
template Batch<double> OnHost(const Batch<double>&);

}  // namespace bilevel
