// bilevel-cli baseline: the classical reconstructions on a preset's data, for results tables.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "bilevel/baselines.h"
#include "bilevel/metrics.h"
#include "cli_common.h"
#include "commands.h"

namespace {

// The first `count` images of a batch.
bilevel::Batch<float> Head(const bilevel::Batch<float>& b, int count) {
  bilevel::Batch<float> out(bilevel::Shape{count, b.c(), b.h(), b.w()});
  std::copy(b.data(), b.data() + out.size(), out.data());
  return out;
}

}  // namespace

int RunBaselineCommand(const QStringList& arguments) {
  QCommandLineParser parser;
  parser.setApplicationDescription(
      "Tunes a classical reconstruction on the training images of a preset or config (the best "
      "mean PSNR on a grid of its parameter) and prints its mean test PSNR beside the "
      "measurement's: OpenCV's non-local means (denoising), Wiener deconvolution and "
      "Richardson-Lucy (deblurring).");
  cli::ConfigOptions config_options;
  parser.addOptions({config_options.preset, config_options.config, config_options.data});
  const QCommandLineOption method("method", "nlm, wiener, richardson-lucy or telea (inpainting).",
                                  "NAME", "nlm");
  const QCommandLineOption tune_images("tune-images", "Training images used for tuning.", "N",
                                       "64");
  parser.addOptions({method, tune_images});
  if (int code = cli::Parse(parser, "baseline", arguments); code >= 0) return code;
  const auto kind = bilevel::BaselineKindFromString(parser.value(method).toStdString());
  if (!kind)
    return cli::Fail("baseline", "--method takes nlm, wiener, richardson-lucy or telea", 2);
  bool ok = false;
  const int tune = parser.value(tune_images).toInt(&ok);
  if (!ok || tune < 1) return cli::Fail("baseline", "--tune-images takes a positive number", 2);

  bilevel::TrainingConfig config;
  if (bilevel::Status s = config_options.read(parser, &config); !s.ok())
    return cli::Fail("baseline", s.message(), 2);
  bilevel::Dataset data;
  if (bilevel::Status s = bilevel::LoadDataset(config.dataset, &data); !s.ok())
    return cli::Fail("baseline", s.message());
  bilevel::ProblemData problem;
  if (bilevel::Status s = bilevel::MakeProblem(config.problem, data, &problem); !s.ok())
    return cli::Fail("baseline", s.message());
  if (data.test.n() == 0) return cli::Fail("baseline", "the dataset has no test images");

  const auto start = std::chrono::steady_clock::now();
  const int n = std::min(tune, data.train.n());
  std::vector<int> first(n);
  for (int i = 0; i < n; ++i)
    first[i] = i;
  const auto train_op = problem.train_op->select(first);
  bilevel::BaselineTuning tuning;
  if (bilevel::Status s = bilevel::TuneBaseline(*kind, *train_op, Head(problem.train_measured, n),
                                                Head(data.train, n), &tuning);
      !s.ok())
    return cli::Fail("baseline", s.message());
  bilevel::Batch<float> x;
  if (bilevel::Status s = bilevel::RunBaseline(*kind, tuning.parameter, *problem.test_op,
                                               problem.test_measured, &x);
      !s.ok())
    return cli::Fail("baseline", s.message());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s: %d test images of %s, %s\n", config.name.c_str(), data.test.n(),
              data.test.shape().toString().c_str(), bilevel::ToString(config.problem.kind));
  std::printf("measurement        test PSNR %.3f dB\n",
              bilevel::MeanPsnr(problem.test_measured, data.test));
  std::printf(
      "%-18s test PSNR %.3f dB (parameter %g, tuned on %d training images to %.3f dB; "
      "%.1f s)\n",
      bilevel::ToString(*kind), bilevel::MeanPsnr(x, data.test), tuning.parameter, n, tuning.psnr,
      seconds);
  return 0;
}
