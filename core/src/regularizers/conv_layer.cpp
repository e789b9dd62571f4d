#include "regularizers/conv_layer.h"

#include <Eigen/Core>
#include <algorithm>
#include <cstddef>

#include "backend/cpu/correlate_image.h"
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
  CorrelateImage(ImageCorrelation{in_, out_, k_, h, w, boundary_}, in, weights_.data(), out,
                 accumulate);
}

template <typename T>
void ConvLayer<T>::adjoint(const T* a, int h, int w, T* out, bool accumulate) const {
  CorrelateAdjointImage(ImageCorrelation{in_, out_, k_, h, w, boundary_}, a, flipped_.data(), out,
                        accumulate);
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
