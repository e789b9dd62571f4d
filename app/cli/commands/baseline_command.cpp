// bilevel-cli baseline: the classical reconstructions on a preset's data, for results tables.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "bilevel/baselines.h"
#include "bilevel/metrics.h"
#include "bilevel/set_evaluation_table.h"
#include "cli_common.h"
#include "commands.h"

namespace {

// The first `count` images of a batch.
bilevel::Batch<float> Head(const bilevel::Batch<float>& b, int count) {
  bilevel::Batch<float> out(bilevel::Shape{count, b.c(), b.h(), b.w()});
  std::copy(b.data(), b.data() + out.size(), out.data());
  return out;
}

// The tuned baseline on the whole images of folder, the table printed (and written to out).
int EvaluateOnSet(bilevel::BaselineKind kind, double parameter,
                  const bilevel::TrainingConfig& config, const std::string& folder,
                  const QString& seed_text, const std::string& out) {
  bool ok = false;
  bilevel::SetEvaluationOptions options;
  options.problem = config.problem;
  options.problem.seed = seed_text.toUInt(&ok);
  if (!ok) return cli::Fail("baseline", "--seed takes a whole number", 2);
  std::vector<bilevel::NamedImage> images;
  std::vector<std::string> warnings;
  if (bilevel::Status s = bilevel::ReadImageSet(folder, config.dataset.color, &images, &warnings);
      !s.ok())
    return cli::Fail("baseline", s.message());
  for (const std::string& w : warnings)
    std::fprintf(stderr, "bilevel-cli baseline: warning: %s\n", w.c_str());
  std::vector<bilevel::LabelledScores> all(1);
  all[0].label = bilevel::ToString(kind);
  if (bilevel::Status s =
          bilevel::EvaluateBaselineSet(kind, parameter, images, options, &all[0].scores);
      !s.ok())
    return cli::Fail("baseline", s.message());
  const std::string markdown = bilevel::SetScoresMarkdown(all);
  std::fputs(markdown.c_str(), stdout);
  if (!out.empty()) {
    const std::string md = std::filesystem::path(out).replace_extension(".md").string();
    if (!cli::WriteTextFile(out, bilevel::SetScoresCsv(all)) ||
        (md != out && !cli::WriteTextFile(md, markdown)))
      return cli::Fail("baseline", "cannot write '" + out + "'");
  }
  return 0;
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
  const QCommandLineOption evaluate(
      "evaluate",
      "Also score the tuned baseline on the whole images of this folder by the protocol of "
      "'bilevel-cli evaluate --regularizer' (the preset's problem; noise seed --seed + k for "
      "image k): PSNR and SSIM per image.",
      "FOLDER");
  const QCommandLineOption seed("seed", "With --evaluate: the seed of image 0's noise.", "SEED",
                                "0");
  const QCommandLineOption out("out", "With --evaluate: the table as CSV (and .md beside it).",
                               "FILE");
  parser.addOptions({method, tune_images, evaluate, seed, out});
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
  if (!parser.isSet(evaluate)) return 0;
  return EvaluateOnSet(*kind, tuning.parameter, config, parser.value(evaluate).toStdString(),
                       parser.value(seed), parser.value(out).toStdString());
}
