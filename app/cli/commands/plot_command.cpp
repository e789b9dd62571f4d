// bilevel-cli plot: one figure of several run folders, overlaid.
#include <QFileInfo>
#include <algorithm>
#include <cstdio>

#include "bilevel/config_json.h"
#include "bilevel/run_folder.h"
#include "cli_common.h"
#include "commands.h"
#include "run_plots.h"

int RunPlotCommand(const QStringList& arguments) {
  QCommandLineParser parser;
  parser.setApplicationDescription(
      "Draws the upper loss per batch, the training PSNR and the test PSNR of run folders "
      "(written by train, resume, compare or the desktop application) in one PNG, one colour "
      "per run, labelled by the runs' names.");
  parser.addPositionalArgument("RUN", "Run folders.", "RUN...");
  const QCommandLineOption out("out", "The image to write (PNG, JPEG, ...).", "FILE");
  const QCommandLineOption x("x", "x-axis: computations, iterations, epochs or seconds.", "AXIS",
                             "computations");
  const QCommandLineOption width("width", "Figure width in pixels.", "PX", "1500");
  const QCommandLineOption height("height", "Figure height in pixels.", "PX", "500");
  parser.addOptions({out, x, width, height});
  if (int code = cli::Parse(parser, "plot", arguments, true); code >= 0) return code;
  if (parser.positionalArguments().isEmpty()) return cli::Fail("plot", "give run folders", 2);
  if (!parser.isSet(out)) return cli::Fail("plot", "--out FILE is required", 2);
  const auto axis = bilevel::XAxisFromString(parser.value(x).toStdString());
  if (!axis) return cli::Fail("plot", "--x takes computations, iterations, epochs or seconds", 2);
  bilevel::PlotOptions options;
  bool ok_w = false, ok_h = false;
  options.width = parser.value(width).toInt(&ok_w);
  options.height = parser.value(height).toInt(&ok_h);
  if (!ok_w || !ok_h) return cli::Fail("plot", "--width and --height take numbers", 2);

  std::vector<cli::RunCurves> runs;
  for (const QString& dir : parser.positionalArguments()) {
    bilevel::RunFolder folder;
    bilevel::TrainingConfig config;
    std::vector<std::string> warnings;
    if (bilevel::Status s = bilevel::OpenRunFolder(dir.toStdString(), &folder, &config, &warnings);
        !s.ok())
      return cli::Fail("plot", s.message());
    cli::RunCurves run;
    run.label = config.name;
    if (bilevel::Status s = cli::ReadRunCurves(dir.toStdString(), &run); !s.ok())
      return cli::Fail("plot", s.message());
    runs.push_back(std::move(run));
  }
  // Runs with the same name are told apart by their folders.
  const QStringList dirs = parser.positionalArguments();
  std::vector<std::string> names;
  for (const cli::RunCurves& run : runs)
    names.push_back(run.label);
  for (std::size_t r = 0; r < runs.size(); ++r)
    if (std::count(names.begin(), names.end(), names[r]) > 1)
      runs[r].label += " (" + QFileInfo(dirs[int(r)]).fileName().toStdString() + ")";
  // A group prefix all the names share ("schedules/") says nothing in a legend: it is left out.
  if (runs.size() > 1) {
    const std::size_t slash = runs[0].label.find('/');
    const std::string prefix = slash == std::string::npos ? "" : runs[0].label.substr(0, slash + 1);
    const bool shared = !prefix.empty() && std::all_of(runs.begin(), runs.end(), [&](auto& run) {
      return run.label.size() > prefix.size() && run.label.compare(0, prefix.size(), prefix) == 0;
    });
    if (shared)
      for (cli::RunCurves& run : runs)
        run.label.erase(0, prefix.size());
  }
  const std::string path = parser.value(out).toStdString();
  if (bilevel::Status s = bilevel::WriteLinePlot(path, cli::RunPanels(runs, *axis), options);
      !s.ok())
    return cli::Fail("plot", s.message());
  std::printf("wrote %s\n", path.c_str());
  return 0;
}
