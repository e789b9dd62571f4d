// The inverse problem of a dataset: operators and noisy measurements y = A x* + sigma n.
#include "bilevel/problem_data.h"

#include <cstdint>
#include <new>
#include <string>
#include <utility>

#include "data/synthetic.h"

namespace bilevel {
namespace {

// Independent streams of one seed (SplitMix64), so that training and test noise and masks differ.
enum class Stream : std::uint64_t {
  kTrainNoise = 1,
  kTestNoise = 2,
  kTrainMasks = 3,
  kTestMasks = 4
};

unsigned DerivedSeed(unsigned seed, Stream stream) {
  std::uint64_t z = (std::uint64_t(seed) << 8 | std::uint64_t(stream)) + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return unsigned(std::uint32_t(z ^ (z >> 31)));
}

Status MakeOperator(const ProblemOptions& options, Shape images, Stream masks,
                    std::unique_ptr<ForwardOperator<float>>* op) {
  const Shape one{1, images.c, images.h, images.w};
  switch (options.kind) {
    case OperatorKind::kIdentity:
      *op = std::make_unique<IdentityOperator<float>>(one);
      return Status::Ok();
    case OperatorKind::kGaussianBlur: {
      Status status;
      auto blur = GaussianBlurOperator<float>::Create(one, options.blur, &status);
      if (!status.ok() || !blur) return Status::Error("problem.blur: " + status.message());
      *op = std::move(blur);
      return Status::Ok();
    }
    case OperatorKind::kInpainting:
      *op = std::make_unique<InpaintingOperator<float>>(InpaintingOperator<float>::RandomMasks(
          images, options.keep_fraction, DerivedSeed(options.seed, masks)));
      return Status::Ok();
  }
  return Status::Error("problem.kind: unknown operator");
}

// y = A x* + (sigma / 255) n, not clamped.
void Measure(const ForwardOperator<float>& op, const Batch<float>& clean, double sigma,
             unsigned seed, Batch<float>* measured) {
  ApplyToBatch(op, clean, *measured);
  if (sigma > 0.0) AddGaussianNoise(*measured, sigma, seed);
}

}  // namespace

Status MakeProblem(const ProblemOptions& options, const Dataset& dataset, ProblemData* out) {
  if (!out) return Status::Error("MakeProblem: no output");
  if (Status s = options.validate(); !s.ok()) return s;
  const Shape& train = dataset.train.shape();
  if (train.n < 1 || train.c < 1 || train.h < 1 || train.w < 1)
    return Status::Error("the dataset has no training images (load a dataset first)");
  const Shape& test = dataset.test.shape();
  if (test.n > 0 && (test.c != train.c || test.h != train.h || test.w != train.w))
    return Status::Error("the test images (" + test.toString() +
                         ") do not have the shape of the training images (" + train.toString() +
                         ")");
  const Shape test_shape{test.n, train.c, train.h, train.w};
  try {
    ProblemData result;
    if (Status s = MakeOperator(options, train, Stream::kTrainMasks, &result.train_op); !s.ok())
      return s;
    if (Status s = MakeOperator(options, test_shape, Stream::kTestMasks, &result.test_op); !s.ok())
      return s;
    Measure(*result.train_op, dataset.train, options.noise_sigma,
            DerivedSeed(options.seed, Stream::kTrainNoise), &result.train_measured);
    if (test.n > 0)
      Measure(*result.test_op, dataset.test, options.noise_sigma,
              DerivedSeed(options.seed, Stream::kTestNoise), &result.test_measured);
    else
      result.test_measured.resize(test_shape);
    *out = std::move(result);
    return Status::Ok();
  } catch (const std::bad_alloc&) {
    return Status::Error("not enough memory for the measurements");
  }
}

template <typename T>
Status ReadMaskImage(const std::string& path, const Shape& shape, Batch<T>* masks) {
  Batch<float> image;
  if (Status s = ReadImage(path, ColorMode::kGrey, &image); !s.ok()) return s;
  if (image.h() != shape.h || image.w() != shape.w)
    return Status::Error("the mask '" + path + "' is " + std::to_string(image.w()) + "x" +
                         std::to_string(image.h()) + ", the image is " + std::to_string(shape.w) +
                         "x" + std::to_string(shape.h));
  Batch<T> out(shape);
  for (int n = 0; n < shape.n; ++n)
    for (int c = 0; c < shape.c; ++c)
      for (int y = 0; y < shape.h; ++y)
        for (int x = 0; x < shape.w; ++x)
          out.at(n, c, y, x) = image.at(0, 0, y, x) > 0.5f ? T(1) : T(0);
  *masks = std::move(out);
  return Status::Ok();
}

template Status ReadMaskImage<float>(const std::string&, const Shape&, Batch<float>*);
template Status ReadMaskImage<double>(const std::string&, const Shape&, Batch<double>*);

}  // namespace bilevel
