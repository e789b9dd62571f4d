// bilevel-cli compare: ISGD against MAID on the same data and seed, one folder with both runs,
// their logs side by side and a plot.
#include <QDir>
#include <cmath>
#include <cstdio>

#include "bilevel/comparison.h"
#include "bilevel/plot_png.h"
#include "cli_common.h"
#include "commands.h"
#include "run_plots.h"

int RunCompareCommand(const QStringList& arguments) {
  QCommandLineParser parser;
  parser.setApplicationDescription(
      "Trains the preset or configuration twice on the same data and seed: once as given (ISGD "
      "or Adam) and once with MAID (full batch, adaptive accuracy and backtracking), at the same "
      "cost: MAID's budget is the computations the first run used, unless the configuration "
      "gives a budget in computations, which both then share. Writes OUT/isgd and OUT/maid run "
      "folders and OUT/compare.png with the loss, "
      "training PSNR and test PSNR of both against computations.");
  cli::ConfigOptions config_options;
  config_options.addTo(parser);
  const QCommandLineOption out("out", "The folder for both runs and the plot.", "DIR");
  const QCommandLineOption maid_step("maid-step",
                                     "MAID's initial step (default: the config's "
                                     "maid.step).",
                                     "A");
  parser.addOptions({out, maid_step});
  if (int code = cli::Parse(parser, "compare", arguments); code >= 0) return code;
  if (!parser.isSet(out)) return cli::Fail("compare", "--out DIR is required", 2);

  bilevel::TrainingConfig first;
  if (bilevel::Status s = config_options.read(parser, &first); !s.ok())
    return cli::Fail("compare", s.message(), 2);
  bilevel::ComparisonPair pair = bilevel::PairWithMaid(first);
  bilevel::TrainingConfig& second = pair.second;
  if (parser.isSet(maid_step)) {
    bool ok = false;
    second.trainer.maid.step = parser.value(maid_step).toDouble(&ok);
    if (!ok || !(second.trainer.maid.step > 0))
      return cli::Fail("compare", "--maid-step takes a positive number", 2);
  }
  const std::string dir = parser.value(out).toStdString();
  const std::vector<std::string> labels = {bilevel::ToString(pair.first.trainer.method), "maid"};
  std::vector<cli::RunCurves> runs;
  for (int r = 0; r < 2; ++r) {
    bilevel::TrainingConfig config = r == 0 ? pair.first : pair.second;
    // MAID at the cost the first run used (bilevel/comparison.h).
    if (r == 1)
      config.trainer.budget = bilevel::SecondRunBudget(
          pair, runs.front().log.empty() ? 0 : runs.front().log.back().computations);
    bilevel::PreparedRun prepared;
    bilevel::PrepareOptions options;
    options.out_dir = dir + "/" + (r == 0 ? "isgd" : "maid");
    if (bilevel::Status s = bilevel::PrepareRun(config, options, &prepared); !s.ok())
      return cli::Fail("compare", s.message());
    const int code = cli::DriveRun("compare", prepared);
    if (code == 130) return code;  // stopped by the user
    cli::RunCurves run;
    run.label = labels[r];
    if (bilevel::Status s = cli::ReadRunCurves(options.out_dir, &run); !s.ok())
      return cli::Fail("compare", s.message());
    runs.push_back(std::move(run));
  }
  const std::string plot = dir + "/compare.png";
  if (bilevel::Status s =
          bilevel::WriteLinePlot(plot, cli::RunPanels(runs, bilevel::XAxis::kComputations));
      !s.ok())
    return cli::Fail("compare", s.message());
  std::printf("wrote %s\n", plot.c_str());
  for (const cli::RunCurves& run : runs)
    if (!run.log.empty())
      std::printf("%-6s %8ld computations, final batch loss %.6g, PSNR %.3f dB\n",
                  run.label.c_str(), run.log.back().computations, run.log.back().loss,
                  run.log.back().psnr);
  return 0;
}
