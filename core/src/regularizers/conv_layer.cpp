#include "regularizers/conv_layer.h"

#include <Eigen/Core>
#include <algorithm>
#include <cstddef>

#include "backend/cpu/correlation_rows.h"

namespace bilevel {

template <typename T>
ConvLayer<T>::ConvLayer(int in_channels, int out_channels, int kernel_size, Boundary boundary)
    : in_(in_channels),
      out_(out_channels),
      k_(kernel_size),
      boundary_(boundary),
      weights_(std::size_t(out_channels) * in_channels * kernel_size * kernel_size, T(0)),
      flipped_(weights_.size(), T(0)) {}

template <typename T>
void ConvLayer<T>::setWeights(const T* w) {
  std::copy(w, w + weights_.size(), weights_.begin());
  FlipTranspose(weights_.data(), out_, in_, k_, flipped_.data());
}

template <typename T>
void ConvLayer<T>::forward(const T* in, int h, int w, T* out, bool accumulate) const {
  const int r = k_ / 2, hp = h + 2 * r, wp = w + 2 * r;
  thread_local std::vector<T> pad, result;
  pad.resize(std::size_t(in_) * hp * wp);
  Pad(in, in_, h, w, r, boundary_, pad.data());
  const CorrelationGeometry g{in_, out_, k_, hp, wp};
  const std::size_t n = std::size_t(out_) * h * w;
  if (!accumulate) {
    CorrelateRows(g, pad.data(), weights_.data(), out, 0, h);
    return;
  }
  result.resize(n);
  CorrelateRows(g, pad.data(), weights_.data(), result.data(), 0, h);
  for (std::size_t p = 0; p < n; ++p)
    out[p] += result[p];
}

template <typename T>
void ConvLayer<T>::adjoint(const T* a, int h, int w, T* out, bool accumulate) const {
  // W^T = P^T C^T, and C^T is a correlation with the flipped, transposed kernels over a zero
  // padded by k-1.
  const int r = k_ / 2, hp = h + 2 * r, wp = w + 2 * r;
  const int hz = h + 2 * (k_ - 1), wz = w + 2 * (k_ - 1);
  thread_local std::vector<T> zpad, full, folded;
  zpad.assign(std::size_t(out_) * hz * wz, T(0));
  for (int o = 0; o < out_; ++o)
    for (int y = 0; y < h; ++y)
      std::copy(a + (std::size_t(o) * h + y) * w, a + (std::size_t(o) * h + y + 1) * w,
                zpad.data() + (std::size_t(o) * hz + y + k_ - 1) * wz + (k_ - 1));
  full.resize(std::size_t(in_) * hp * wp);
  const CorrelationGeometry g{out_, in_, k_, hz, wz};
  CorrelateRows(g, zpad.data(), flipped_.data(), full.data(), 0, hp);
  if (!accumulate) {
    PadAdjoint(full.data(), in_, h, w, r, boundary_, out);
    return;
  }
  folded.resize(std::size_t(in_) * h * w);
  PadAdjoint(full.data(), in_, h, w, r, boundary_, folded.data());
  for (std::size_t p = 0; p < folded.size(); ++p)
    out[p] += folded[p];
}

template <typename T>
void ConvLayer<T>::addWeightGradient(const T* a, const T* u, int h, int w, double* grad) const {
  const int r = k_ / 2, hp = h + 2 * r, wp = w + 2 * r;
  thread_local std::vector<T> pad;
  pad.resize(std::size_t(in_) * hp * wp);
  Pad(u, in_, h, w, r, boundary_, pad.data());
  using Row = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;
  const std::size_t kk = std::size_t(k_) * k_;
  std::vector<double> acc(out_);
  for (int i = 0; i < in_; ++i)
    for (int du = 0; du < k_; ++du)
      for (int dv = 0; dv < k_; ++dv) {
        std::fill(acc.begin(), acc.end(), 0.0);
        for (int y = 0; y < h; ++y) {
          const Row src(pad.data() + (std::size_t(i) * hp + y + du) * wp + dv, w);
          for (int o = 0; o < out_; ++o)
            acc[o] += double((Row(a + (std::size_t(o) * h + y) * w, w) * src).sum());
        }
        for (int o = 0; o < out_; ++o)
          grad[(std::size_t(o) * in_ + i) * kk + std::size_t(du) * k_ + dv] += acc[o];
      }
}

template class ConvLayer<float>;
template class ConvLayer<double>;

}  // namespace bilevel
