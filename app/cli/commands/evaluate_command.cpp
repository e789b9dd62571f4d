// bilevel-cli evaluate: the mean test PSNR of run folders' regularizers, as a Markdown table;
// or, with --regularizer, regularizers on a folder of whole images (evaluate_set.h).
#include <cstdio>

#include "bilevel/metrics.h"
#include "cli_common.h"
#include "commands.h"
#include "evaluate_set.h"
#include "run_problem.h"

int RunEvaluateCommand(const QStringList& arguments) {
  QCommandLineParser parser;
  parser.setApplicationDescription(
      "Rebuilds each run's data and measurements from its config.json (the same seeds), "
      "reconstructs every held-out test image with the run's regularizer.json and with the "
      "initial regularizer, at the run's test_accuracy, and prints one Markdown table row per "
      "run: the mean test PSNRs, the budget used, the training time and where it trained.\n\n"
      "With --regularizer and --data instead: the literature's benchmark protocol on whole "
      "images. Each clean image k (sorted by path) gets noise of --sigma in floating point "
      "(not rounded, not clipped) from seed --seed + k, is reconstructed to --eps, and is "
      "scored by PSNR (peak 255 on 0-255) and SSIM (Wang et al. 2004: 11 x 11 Gaussian window, "
      "sigma 1.5, K1 0.01, K2 0.03). Prints one Markdown table of every image and regularizer; "
      "--out writes it as CSV (columns regularizer, image, psnr, ssim, iterations, seconds, ...; "
      "a 'mean' row per regularizer) and Markdown. seconds: an image's share of the solve of its "
      "batch of same-size images.");
  parser.addPositionalArgument("RUN", "Run folders.", "RUN...");
  const QCommandLineOption device("device", "Where to reconstruct: auto, cpu or cuda.", "DEVICE");
  const QCommandLineOption allow = cli::AllowUnconvergedOption();
  parser.addOptions({device, allow});
  const cli::SetEvaluationFlags set;
  set.addTo(parser);
  if (int code = cli::Parse(parser, "evaluate", arguments, true); code >= 0) return code;
  if (parser.isSet(set.regularizer)) return cli::RunSetEvaluation(parser, set, device, allow);
  if (parser.positionalArguments().isEmpty())
    return cli::Fail("evaluate", "give run folders, or --regularizer and --data", 2);

  std::printf(
      "| run | regularizer | method | test images | measured (dB) | initial (dB) | learned (dB) | "
      "computations | iterations | training time (s) | trained on |\n"
      "| --- | --- | --- | --: | --: | --: | --: | --: | --: | --: | --- |\n");
  for (const QString& dir : parser.positionalArguments()) {
    cli::RunProblem run;
    if (bilevel::Status s =
            cli::LoadRunProblem(dir.toStdString(), parser.value(device).toStdString(), true, &run);
        !s.ok())
      return cli::Fail("evaluate", s.message());
    bilevel::ImageOracle& oracle = *run.prepared.oracle;
    const bilevel::TrainingConfig& config = run.prepared.config;
    const auto keep_going = [] { return true; };
    const double measured =
        bilevel::MeanPsnr(oracle.problem().test_measured, oracle.dataset().test);
    const double initial = run.prepared.trainer->initialTestPsnr();  // measured while loading
    std::string failure;
    const double learned =
        oracle.testPsnr(run.theta, config.trainer.test_accuracy, keep_going, &failure);
    if (!failure.empty())
      return cli::Fail("evaluate",
                       dir.toStdString() + ": the test images could not be evaluated: " + failure);
    if (const long missed = oracle.testUnconverged(); missed > 0) {
      const std::string text = dir.toStdString() + ": " + std::to_string(missed) + " of " +
                               std::to_string(oracle.dataset().test.n()) +
                               " test images stopped at the iteration limit before the run's "
                               "test_accuracy; their PSNR is that of inexact solves";
      if (!parser.isSet(allow)) return cli::Fail("evaluate", text + " (or --allow-unconverged)", 3);
      std::fprintf(stderr, "bilevel-cli evaluate: warning: %s\n", text.c_str());
    }
    const bilevel::IterationRecord last =
        run.log.empty() ? bilevel::IterationRecord{} : run.log.back();
    std::printf("| %s | %s | %s | %d | %.2f | %.2f | %.2f | %ld | %ld | %.0f | %s |\n",
                config.name.c_str(), config.regularizer.type.c_str(),
                bilevel::ToString(config.trainer.method), oracle.dataset().test.n(), measured,
                initial, learned, last.computations, last.iteration, last.wall_seconds,
                run.trained_on.empty() ? "not recorded" : run.trained_on.c_str());
    std::fflush(stdout);
  }
  return 0;
}
