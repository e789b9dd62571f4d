// bilevel-cli gallery: one image of run folders reconstructed at increasing budgets.
#include <cstdio>

#include "bilevel/image_grid.h"
#include "bilevel/metrics.h"
#include "bilevel/regularizer_io.h"
#include "bilevel/run_folder.h"
#include "cli_common.h"
#include "commands.h"
#include "run_problem.h"

namespace {

std::string Db(double psnr) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f dB", psnr);
  return text;
}

}  // namespace

int RunGalleryCommand(const QStringList& arguments) {
  QCommandLineParser parser;
  parser.setApplicationDescription(
      "Draws one image of each run's data in a row: the ground truth, the measurement, its "
      "reconstruction with each snapshot of the regularizer (the config's 'snapshots', by "
      "budget) and with the final one, each with its PSNR. One row per run folder.");
  parser.addPositionalArgument("RUN", "Run folders.", "RUN...");
  const QCommandLineOption out("out", "The image to write (PNG, JPEG, ...).", "FILE");
  const QCommandLineOption image("image", "Which image: train:K or test:K (from 0).", "WHICH",
                                 "train:0");
  const QCommandLineOption zoom("zoom", "Pixels per image pixel, 1 to 8.", "Z", "2");
  const QCommandLineOption final_only("final-only", "Leave the snapshots out.");
  const QCommandLineOption device("device", "Where to reconstruct: auto, cpu or cuda.", "DEVICE");
  parser.addOptions({out, image, zoom, final_only, device});
  if (int code = cli::Parse(parser, "gallery", arguments, true); code >= 0) return code;
  if (parser.positionalArguments().isEmpty()) return cli::Fail("gallery", "give run folders", 2);
  if (!parser.isSet(out)) return cli::Fail("gallery", "--out FILE is required", 2);
  const QStringList which = parser.value(image).split(':');
  bool ok_index = false, ok_zoom = false;
  const int index = which.size() == 2 ? which[1].toInt(&ok_index) : -1;
  if (!ok_index || index < 0 || (which[0] != "train" && which[0] != "test"))
    return cli::Fail("gallery", "--image takes train:K or test:K", 2);
  const bool test = which[0] == "test";
  bilevel::GridOptions options;
  options.zoom = parser.value(zoom).toInt(&ok_zoom);
  if (!ok_zoom) return cli::Fail("gallery", "--zoom takes a number", 2);

  // Every batch a tile points to (the runs' data, the reconstructions) lives until the sheet is
  // written.
  std::vector<cli::RunProblem> runs(std::size_t(parser.positionalArguments().size()));
  std::vector<std::vector<bilevel::Batch<float>>> images(runs.size());
  std::vector<bilevel::GridRow> rows;
  for (std::size_t r = 0; r < runs.size(); ++r) {
    const std::string dir = parser.positionalArguments()[int(r)].toStdString();
    cli::RunProblem& run = runs[r];
    if (bilevel::Status s =
            cli::LoadRunProblem(dir, parser.value(device).toStdString(), false, &run);
        !s.ok())
      return cli::Fail("gallery", s.message());
    bilevel::ImageOracle& oracle = *run.prepared.oracle;
    const bilevel::Batch<float>& clean = test ? oracle.dataset().test : oracle.dataset().train;
    const bilevel::Batch<float>& measured =
        test ? oracle.problem().test_measured : oracle.problem().train_measured;
    if (index >= clean.n())
      return cli::Fail("gallery", dir + " has " + std::to_string(clean.n()) + " " +
                                      which[0].toStdString() + " images");
    // (label, parameters) of each reconstruction, by budget, the final one last. A snapshot is
    // labelled with the computations of the iteration that wrote it, which may be well past its
    // budget (one MAID iteration can cost thousands); snapshots written by the same iteration, or
    // by the last one, hold the same parameters and are drawn once.
    std::vector<std::pair<std::string, Eigen::VectorXd>> stages;
    const bilevel::IterationRecord* last = run.log.empty() ? nullptr : &run.log.back();
    const bilevel::IterationRecord* previous = nullptr;
    if (!parser.isSet(final_only))
      for (const auto& [budget, file] : run.snapshots) {
        const bilevel::IterationRecord* row = bilevel::RunFolder::SnapshotRecord(run.log, budget);
        if (budget > 0 && (!row || row == previous || row == last)) continue;
        bilevel::RegularizerSettings settings;
        Eigen::VectorXd theta;
        if (bilevel::Status s = bilevel::ReadRegularizerJson(file, &settings, &theta); !s.ok())
          return cli::Fail("gallery", s.message());
        stages.emplace_back(row ? cli::CompactCount(row->computations) + " comp." : "initial",
                            std::move(theta));
        previous = row;
      }
    stages.emplace_back("final, " + cli::CompactCount(last ? last->computations : 0) + " comp.",
                        run.theta);

    auto& kept = images[r];
    kept.reserve(stages.size());
    bilevel::GridRow row;
    row.label = run.prepared.config.name;
    row.tiles.push_back({&clean, index, "ground truth"});
    row.tiles.push_back(
        {&measured, index, "measured " + Db(bilevel::Psnr(measured, clean, index))});
    bilevel::Batch<float> reference(bilevel::Shape{1, clean.c(), clean.h(), clean.w()});
    std::copy(clean.image(index), clean.image(index) + clean.imageSize(), reference.data());
    for (const auto& [label, theta] : stages) {
      bilevel::Batch<float> x;
      if (bilevel::Status s = oracle.reconstruct(theta, test, {index},
                                                 run.prepared.config.trainer.test_accuracy, &x);
          !s.ok())
        return cli::Fail("gallery", dir + ": " + s.message());
      const double psnr = bilevel::Psnr(x, reference, 0);
      kept.push_back(std::move(x));
      row.tiles.push_back({&kept.back(), 0, label + ": " + Db(psnr)});
      std::printf("%s, %s: %s\n", row.label.c_str(), label.c_str(), Db(psnr).c_str());
    }
    rows.push_back(std::move(row));
  }
  const std::string path = parser.value(out).toStdString();
  if (bilevel::Status s = bilevel::WriteImageGrid(path, rows, options); !s.ok())
    return cli::Fail("gallery", s.message());
  std::printf("wrote %s\n", path.c_str());
  return 0;
}
