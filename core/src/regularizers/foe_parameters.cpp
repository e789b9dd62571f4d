// The Field of Experts' parameters: its layout, initial values, projection and checks.
#include <cmath>
#include <random>
#include <string>

#include "regularizers/foe.h"

namespace bilevel {

Status FoeConfig::validate() const {
  if (channels < 1) return Status::Error("FoE: channels must be at least 1");
  if (kernels < 1) return Status::Error("FoE: the number of kernels must be at least 1");
  if (kernel_size < 1 || kernel_size % 2 == 0)
    return Status::Error("FoE: kernel size must be a positive odd number, got " +
                         std::to_string(kernel_size));
  return Status::Ok();
}

FoeLayout::FoeLayout(const FoeConfig& config)
    : kernels(config.kernels),
      kernel_values(config.channels * config.kernel_size * config.kernel_size),
      channels(config.channels),
      kernel_size(config.kernel_size) {}

std::vector<ParameterBlock> FoeLayout::blocks() const {
  return {{"theta0", theta0(), 1, {}},
          {"expert_weights", expertWeight(0), kernels, {kernels}},
          {"smoothing", smoothing(), 1, {}},
          {"kernels",
           kernel(0),
           kernels * kernel_values,
           {kernels, channels, kernel_size, kernel_size}}};
}

template <typename T>
std::vector<ParameterBlock> FieldOfExperts<T>::blocks() const {
  return layout_.blocks();
}

template <typename T>
bool FieldOfExperts<T>::project(Vector<T>& theta) const {
  if (!init_.zero_mean) return false;
  projectZeroMean(theta);
  return true;
}

template <typename T>
Vector<T> FieldOfExperts<T>::initialParameters(const FoeInitOptions& options) const {
  Vector<T> theta(layout_.size());
  theta[layout_.theta0()] = T(options.theta0);
  for (int j = 0; j < config_.kernels; ++j)
    theta[layout_.expertWeight(j)] = T(options.expert_weight);
  theta[layout_.smoothing()] = T(options.smoothing);
  std::mt19937 rng(options.seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (int j = 0; j < config_.kernels; ++j)
    for (int m = 0; m < layout_.kernel_values; ++m)
      theta[layout_.kernel(j) + m] = T(normal(rng));
  if (options.zero_mean) projectZeroMean(theta);
  for (int j = 0; j < config_.kernels; ++j) {
    auto kj = theta.segment(layout_.kernel(j), layout_.kernel_values);
    const T norm = kj.norm();
    if (norm > T(0)) kj /= norm;
  }
  return theta;
}

template <typename T>
void FieldOfExperts<T>::projectZeroMean(Vector<T>& theta) const {
  const int kk = config_.kernel_size * config_.kernel_size;
  for (int j = 0; j < config_.kernels; ++j)
    for (int c = 0; c < config_.channels; ++c) {
      auto block = theta.segment(layout_.kernel(j) + c * kk, kk);
      block.array() -= block.mean();
    }
}

template <typename T>
Status FieldOfExperts<T>::checkParameters(const Vector<T>& theta) const {
  if (theta.size() != layout_.size())
    return Status::Error("FoE: parameter vector has " + std::to_string(theta.size()) +
                         " entries, expected " + std::to_string(layout_.size()));
  for (const auto& block : layout_.blocks())
    if (!theta.segment(block.offset, block.size).allFinite())
      return Status::Error("FoE: parameter block '" + block.name + "' is not finite");
  if (!std::isfinite(
          std::exp(double(theta[layout_.theta0()])) *
          std::exp(double(theta.segment(layout_.expertWeight(0), config_.kernels).maxCoeff()))) ||
      !std::isfinite(1.0 / std::exp(double(theta[layout_.smoothing()]))))
    return Status::Error("FoE: parameters overflow (weights or smoothing out of range)");
  return Status::Ok();
}

template <typename T>
Status FieldOfExperts<T>::checkImages(const Shape& shape) const {
  if (Status s = config_.validate(); !s.ok()) return s;
  if (shape.n < 1) return Status::Error("empty batch: no images");
  if (shape.c != config_.channels)
    return Status::Error("shape mismatch: images have " + std::to_string(shape.c) +
                         " channels, the regularizer expects " + std::to_string(config_.channels));
  if (config_.kernel_size > shape.h || config_.kernel_size > shape.w)
    return Status::Error("regularizer.kernel_size " + std::to_string(config_.kernel_size) +
                         " is larger than the image (" + std::to_string(shape.h) + "x" +
                         std::to_string(shape.w) + ")");
  return Status::Ok();
}

#define BILEVEL_INSTANTIATE(T)                                                          \
  template std::vector<ParameterBlock> FieldOfExperts<T>::blocks() const;               \
  template bool FieldOfExperts<T>::project(Vector<T>&) const;                           \
  template Vector<T> FieldOfExperts<T>::initialParameters(const FoeInitOptions&) const; \
  template void FieldOfExperts<T>::projectZeroMean(Vector<T>&) const;                   \
  template Status FieldOfExperts<T>::checkParameters(const Vector<T>&) const;           \
  template Status FieldOfExperts<T>::checkImages(const Shape&) const;
BILEVEL_INSTANTIATE(float)
BILEVEL_INSTANTIATE(double)
#undef BILEVEL_INSTANTIATE

}  // namespace bilevel
