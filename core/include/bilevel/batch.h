// Batched images in N x C x H x W layout, one contiguous block per image.
#pragma once

#include <cmath>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace bilevel {

struct Shape {
  int n = 0;  // images
  int c = 0;  // channels
  int h = 0;  // rows
  int w = 0;  // columns

  std::size_t imageSize() const { return std::size_t(c) * h * w; }
  std::size_t size() const { return std::size_t(n) * imageSize(); }
  bool operator==(const Shape&) const = default;
  std::string toString() const;  // "8x3x96x96"
};

namespace backend {
template <typename T>
class Ops;
}

// A batch lives in host memory (a std::vector) or in the memory of a backend whose memory is not
// the host's (backend/ops.h: a CUDA device, or the host loop the CPU tests run device launches
// on). data() and image() are pointers into that memory; values(), at() and allFinite() read
// the host's and need onHost(). Copies stay where their source is; OnBackend() and OnHost()
// move a batch across.
template <typename T>
class Batch {
 public:
  Batch() = default;
  explicit Batch(Shape shape, T value = T(0)) : shape_(shape), data_(shape.size(), value) {}
  Batch(int n, int c, int h, int w, T value = T(0)) : Batch(Shape{n, c, h, w}, value) {}
  // Zeros in the memory of `where` (the host's when it is null or its memory is the host's).
  Batch(Shape shape, backend::Ops<T>* where);
  ~Batch() { releaseBackend(); }
  Batch(const Batch& other);
  Batch& operator=(const Batch& other);
  Batch(Batch&& other) noexcept { *this = std::move(other); }
  Batch& operator=(Batch&& other) noexcept;

  const Shape& shape() const { return shape_; }
  int n() const { return shape_.n; }
  int c() const { return shape_.c; }
  int h() const { return shape_.h; }
  int w() const { return shape_.w; }
  std::size_t imageSize() const { return shape_.imageSize(); }
  std::size_t size() const { return shape_.size(); }
  bool empty() const { return size() == 0; }

  // The backend whose memory holds the values; null for the host's.
  backend::Ops<T>* backend() const { return backend_; }
  bool onHost() const { return backend_ == nullptr; }

  T* data() { return backend_ ? device_ : data_.data(); }
  const T* data() const { return backend_ ? device_ : data_.data(); }
  T* image(int i) { return data() + std::size_t(i) * imageSize(); }
  const T* image(int i) const { return data() + std::size_t(i) * imageSize(); }
  T* channel(int i, int ch) { return image(i) + std::size_t(ch) * shape_.h * shape_.w; }
  const T* channel(int i, int ch) const { return image(i) + std::size_t(ch) * shape_.h * shape_.w; }
  T& at(int i, int ch, int y, int x) { return channel(i, ch)[std::size_t(y) * shape_.w + x]; }
  T at(int i, int ch, int y, int x) const { return channel(i, ch)[std::size_t(y) * shape_.w + x]; }

  // Host batches only.
  std::vector<T>& values() { return data_; }
  const std::vector<T>& values() const { return data_; }

  void fill(T value);
  // Reshapes, keeping no contents (zeros, in the same memory).
  void resize(Shape shape);
  bool allFinite() const;

 private:
  void releaseBackend() noexcept;

  Shape shape_;
  std::vector<T> data_;
  backend::Ops<T>* backend_ = nullptr;
  T* device_ = nullptr;
};

// A copy of `batch` in the memory of `where` (as Batch(Shape, Ops*) places it).
template <typename T>
Batch<T> OnBackend(const Batch<T>& batch, backend::Ops<T>* where);
// A copy of `batch` in host memory.
template <typename T>
Batch<T> OnHost(const Batch<T>& batch);

// A batch read on the host: the batch itself when it is there, else a copy made here.
template <typename T>
class HostBatch {
 public:
  explicit HostBatch(const Batch<T>& batch)
      : batch_(batch), copy_(batch.onHost() ? Batch<T>() : OnHost(batch)) {}
  const Batch<T>& get() const { return batch_.onHost() ? batch_ : copy_; }

 private:
  const Batch<T>& batch_;
  Batch<T> copy_;
};

// Copies between scalar types (used to run float data through double-precision checks).
template <typename To, typename From>
Batch<To> BatchCast(const Batch<From>& in) {
  const HostBatch<From> host(in);
  const Batch<From>& from = host.get();
  Batch<To> out(from.shape());
  for (std::size_t k = 0; k < from.size(); ++k)
    out.data()[k] = To(from.data()[k]);
  return out;
}

}  // namespace bilevel
