#include "preview_maker.h"

#include <algorithm>

#include "bilevel/metrics.h"
#include "image_conversion.h"
#include "string_conversion.h"

namespace studio {

std::shared_ptr<PreviewSnapshot> MakePreview(bilevel::ImageOracle& oracle,
                                             const Eigen::VectorXd& theta, bool test, int index,
                                             double epsilon) {
  const bilevel::Dataset& data = oracle.dataset();
  test = test && data.test.n() > 0;
  const bilevel::Batch<float>& clean = test ? data.test : data.train;
  if (clean.n() == 0) return nullptr;
  index = std::clamp(index, 0, clean.n() - 1);
  const bilevel::Batch<float>& measured =
      test ? oracle.problem().test_measured : oracle.problem().train_measured;

  auto preview = std::make_shared<PreviewSnapshot>();
  preview->test = test;
  preview->index = index;
  const std::vector<int>& source = test ? data.test_source : data.train_source;
  if (index < int(source.size()) && source[std::size_t(index)] < int(data.sources.size()))
    preview->source = ToQString(data.sources[std::size_t(source[std::size_t(index)])].name);
  preview->truth = ToQImage(clean, index);
  preview->measured = ToQImage(measured, index);
  bilevel::Batch<float> one_clean(bilevel::Shape{1, clean.c(), clean.h(), clean.w()});
  bilevel::Batch<float> one_measured(one_clean.shape());
  std::copy(clean.image(index), clean.image(index) + clean.imageSize(), one_clean.data());
  std::copy(measured.image(index), measured.image(index) + measured.imageSize(),
            one_measured.data());
  preview->measured_psnr = bilevel::Psnr(one_measured, one_clean, 0);

  preview->epsilon = epsilon;
  bilevel::Batch<float> x;
  if (oracle.reconstruct(theta, test, {index}, epsilon, &x).ok()) {
    preview->reconstruction = ToQImage(x, 0);
    preview->reconstruction_psnr = bilevel::Psnr(x, one_clean, 0);
  }
  preview->regularizer = oracle.regularizerSettings();
  preview->theta = theta;
  const RegularizerView view = ViewRegularizer(preview->regularizer, theta);
  preview->kernels = FilterImages(view.filters);
  for (const bilevel::FilterImage& f : view.filters)
    preview->weights.push_back(f.weight);
  preview->smoothing = view.smoothing;
  preview->summary = view.summary;
  preview->curves = view.curves;
  return preview;
}

int PreviewImageChoice::resolve(const bilevel::Dataset& data, bool test, int index) {
  if (index >= 0) return index;
  int& found = found_[test ? 1 : 0];
  if (found < 0) found = MostDetailedImage(test ? data.test : data.train);
  return found;
}

int MostDetailedImage(const bilevel::Batch<float>& images) {
  int best = 0;
  double best_variance = -1.0;
  const std::size_t plane = std::size_t(images.h()) * std::size_t(images.w());
  for (int i = 0; i < images.n(); ++i) {
    const float* p = images.image(i);
    double sum = 0.0, sum2 = 0.0;
    for (std::size_t k = 0; k < plane; ++k) {
      double v = 0.0;  // the mean over the channels: enough to tell texture from a flat patch
      for (int c = 0; c < images.c(); ++c)
        v += p[std::size_t(c) * plane + k];
      v /= images.c();
      sum += v;
      sum2 += v * v;
    }
    const double n = double(plane);
    const double variance = plane > 0 ? sum2 / n - (sum / n) * (sum / n) : 0.0;
    if (variance > best_variance) {
      best_variance = variance;
      best = i;
    }
  }
  return best;
}

}  // namespace studio
