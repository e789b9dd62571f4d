// The synthetic format: dataset.max_images generated image_side x image_side colour images
// (SyntheticImages, image k from seed + k), for benchmarks and scale tests that need a data set
// of a chosen size and no files.
#include <algorithm>
#include <opencv2/core.hpp>

#include "data/dataset_sources.h"
#include "data/image_decode.h"
#include "data/synthetic.h"

namespace bilevel::detail {
namespace {

class SyntheticList final : public SourceList {
 public:
  SyntheticList(int count, int side, ColorMode color, unsigned seed)
      : count_(count), side_(side), color_(color), seed_(seed) {}
  int count() const override { return count_; }
  std::string name(int k) const override { return "synthetic-" + std::to_string(k); }
  Status read(int k, cv::Mat* image) override {
    const Batch<float> one = SyntheticImages<float>(Shape{1, 3, side_, side_}, seed_ + unsigned(k));
    // As 8-bit BGR pixels through the decoders' conversion, like every other format.
    cv::Mat bgr(side_, side_, CV_8UC3);
    for (int y = 0; y < side_; ++y)
      for (int x = 0; x < side_; ++x)
        for (int c = 0; c < 3; ++c) {
          const float v = std::clamp(one.at(0, c, y, x), 0.0f, 1.0f);
          bgr.ptr<unsigned char>(y)[3 * x + (2 - c)] = cv::saturate_cast<unsigned char>(255.0f * v);
        }
    return ToFloatImage(bgr, color_, image);
  }
  bool skipsUnusable() const override { return false; }

 private:
  int count_, side_;
  ColorMode color_;
  unsigned seed_;
};

}  // namespace

Status OpenSyntheticSources(const DatasetOptions& options, DatasetSources* out) {
  if (options.max_images < 1)
    return Status::Error("dataset.max_images: the synthetic format needs the number of images");
  out->where = "the synthetic images";
  out->sources = std::make_unique<SyntheticList>(options.max_images, options.image_side,
                                                 options.color, options.seed);
  return Status::Ok();
}

}  // namespace bilevel::detail
