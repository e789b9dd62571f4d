// Batched images in N x C x H x W layout, one contiguous block per image.
#pragma once

#include <cmath>
#include <cstddef>
#include <string>
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

template <typename T>
class Batch {
 public:
  Batch() = default;
  explicit Batch(Shape shape, T value = T(0)) : shape_(shape), data_(shape.size(), value) {}
  Batch(int n, int c, int h, int w, T value = T(0)) : Batch(Shape{n, c, h, w}, value) {}

  const Shape& shape() const { return shape_; }
  int n() const { return shape_.n; }
  int c() const { return shape_.c; }
  int h() const { return shape_.h; }
  int w() const { return shape_.w; }
  std::size_t imageSize() const { return shape_.imageSize(); }
  std::size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }

  T* data() { return data_.data(); }
  const T* data() const { return data_.data(); }
  T* image(int i) { return data_.data() + std::size_t(i) * imageSize(); }
  const T* image(int i) const { return data_.data() + std::size_t(i) * imageSize(); }
  T* channel(int i, int ch) { return image(i) + std::size_t(ch) * shape_.h * shape_.w; }
  const T* channel(int i, int ch) const { return image(i) + std::size_t(ch) * shape_.h * shape_.w; }
  T& at(int i, int ch, int y, int x) { return channel(i, ch)[std::size_t(y) * shape_.w + x]; }
  T at(int i, int ch, int y, int x) const { return channel(i, ch)[std::size_t(y) * shape_.w + x]; }

  std::vector<T>& values() { return data_; }
  const std::vector<T>& values() const { return data_; }

  void fill(T value) { data_.assign(data_.size(), value); }
  // Reshapes, keeping no contents.
  void resize(Shape shape) {
    shape_ = shape;
    data_.assign(shape.size(), T(0));
  }
  bool allFinite() const {
    for (const T& v : data_)
      if (!std::isfinite(v)) return false;
    return true;
  }

 private:
  Shape shape_;
  std::vector<T> data_;
};

// Copies between scalar types (used to run float data through double-precision checks).
template <typename To, typename From>
Batch<To> BatchCast(const Batch<From>& in) {
  Batch<To> out(in.shape());
  for (std::size_t k = 0; k < in.size(); ++k)
    out.data()[k] = To(in.data()[k]);
  return out;
}

}  // namespace bilevel
