// bilevel-cli study: a preset or configuration run over a grid of settings and several seeds, one
// run after another, each in its folder under DIR/runs/, with DIR/study.json and DIR/table.csv.
// Run again on the same DIR, it continues: finished runs are kept, stopped ones resumed.
#include <QDir>
#include <cmath>
#include <cstdio>

#include "bilevel/communicator.h"
#include "bilevel/config_json.h"
#include "bilevel/run_folder.h"
#include "bilevel/study.h"
#include "cli_common.h"
#include "commands.h"

namespace {

const char* kCommand = "study";

// Trains (or resumes) one run of the study; the exit code of DriveRun, or 0 when it had ended.
int TrainRun(const std::string& dir, const bilevel::StudySpec& spec, const bilevel::StudyRun& run,
             bilevel::Communicator& processes) {
  const std::string folder = dir + "/" + run.folder;
  // Rank 0's view of the folder decides, so that every process takes the same path.
  const auto step = bilevel::StudyStep(std::stoi(
      bilevel::FromRoot(processes, std::to_string(int(bilevel::NextStudyStep(dir, run))))));
  if (step == bilevel::StudyStep::kDone) {
    std::printf("%s: done before (final test PSNR %.3f dB)\n", run.folder.c_str(),
                bilevel::ReadStudyRun(dir, run).final_test_psnr);
    return 0;
  }
  bilevel::PreparedRun prepared;
  if (step == bilevel::StudyStep::kResume) {
    if (bilevel::Status s = bilevel::ResumeRun(folder, {}, &prepared, &processes); !s.ok())
      return cli::Fail(kCommand, run.folder + ": " + s.message());
    std::printf("%s: resuming after iteration %ld\n", run.folder.c_str(),
                prepared.trainer->iteration());
  } else {
    bilevel::TrainingConfig config;
    if (bilevel::Status s = bilevel::StudyRunConfig(spec, run, &config); !s.ok())
      return cli::Fail(kCommand, s.message());
    bilevel::PrepareOptions options;
    options.out_dir = folder;
    options.overwrite = true;  // a folder without a checkpoint holds nothing to keep
    options.processes = &processes;
    if (bilevel::Status s = bilevel::PrepareRun(config, options, &prepared); !s.ok())
      return cli::Fail(kCommand, run.folder + ": " + s.message());
  }
  return cli::DriveRun(kCommand, prepared);
}

void PrintTable(const bilevel::StudySpec& spec, const std::vector<bilevel::StudyRow>& rows) {
  for (const bilevel::StudyRow& row : rows) {
    std::string setting;
    for (std::size_t a = 0; a < spec.grid.size(); ++a)
      setting += (a ? ", " : "") + spec.grid[a].field + "=" + row.values[a];
    std::printf("%-40s final %7.3f ± %.3f dB  best %7.3f ± %.3f dB  (%d of %d runs)\n",
                setting.empty() ? "base" : setting.c_str(), row.final_mean, row.final_std,
                row.best_mean, row.best_std, row.measured, row.runs);
  }
}

}  // namespace

int RunStudyCommand(const QStringList& arguments, bilevel::Communicator& processes) {
  QCommandLineParser parser;
  parser.setApplicationDescription(
      "Runs a preset or configuration over a grid of settings, each for several seeds, one run "
      "after another (under 'mpirun -np N' each run on N processes). Writes DIR/study.json, a run "
      "folder per run under DIR/runs/ and DIR/table.csv: one row per setting with the mean and "
      "standard deviation over the seeds of the final and best test PSNR. Run again with the same "
      "arguments, it continues: finished runs are kept, stopped ones resumed. Ctrl-C stops it.");
  cli::ConfigOptions config_options;
  config_options.addTo(parser);
  const QCommandLineOption grid(
      "grid", "A grid field and its values, e.g. --grid step.initial=1e-4,1e-3 (repeatable).",
      "FIELD=V1,V2");
  const QCommandLineOption seeds("seeds", "Runs of each setting: seeds --seed, --seed + 1, ...",
                                 "N", "1");
  const QCommandLineOption out("out", "The study's folder.", "DIR");
  const QCommandLineOption name("name", "The study's name (default: the preset's).", "NAME");
  const QCommandLineOption table_only(
      "table", "Only write DIR/table.csv from the runs there; train nothing.");
  const QCommandLineOption builtin(
      "builtin",
      "A built-in study (its preset, grid and seeds; --seeds and the budget options still "
      "apply): see --list.",
      "NAME");
  const QCommandLineOption list("list", "List the built-in studies.");
  parser.addOptions({grid, seeds, out, name, table_only, builtin, list});
  if (int code = cli::Parse(parser, kCommand, arguments); code >= 0) return code;
  if (parser.isSet(list)) {
    for (const bilevel::BuiltInStudy& b : bilevel::BuiltInStudies()) {
      std::string grids;
      for (const std::string& g : b.grid)
        grids += " --grid " + g;
      std::printf("%s\n  %s\n  --preset %s%s --seeds %d\n", b.name.c_str(), b.description.c_str(),
                  b.preset.c_str(), grids.c_str(), b.seeds);
    }
    return 0;
  }
  if (!parser.isSet(out)) return cli::Fail(kCommand, "give the study's folder: --out DIR", 2);
  const std::string dir = QDir::cleanPath(parser.value(out)).toStdString();

  bilevel::StudySpec spec;
  if (parser.isSet(table_only)) {
    if (bilevel::Status s = bilevel::LoadStudy(dir, &spec); !s.ok())
      return cli::Fail(kCommand, s.message(), 2);
  } else {
    if (parser.isSet(builtin)) {
      if (parser.isSet(grid) || parser.isSet(config_options.preset))
        return cli::Fail(kCommand, "--builtin brings its own preset and grid", 2);
      bool changed = false;
      if (bilevel::Status s = bilevel::MakeBuiltInStudy(parser.value(builtin).toStdString(), &spec);
          !s.ok())
        return cli::Fail(kCommand, s.message(), 2);
      if (bilevel::Status s = config_options.applyOverrides(parser, &spec.base, &changed); !s.ok())
        return cli::Fail(kCommand, s.message(), 2);
    } else {
      if (bilevel::Status s = bilevel::Agree(processes, config_options.read(parser, &spec.base));
          !s.ok())
        return cli::Fail(kCommand, s.message(), 2);
      spec.name = spec.base.name;
      for (const QString& text : parser.values(grid)) {
        bilevel::StudyAxis axis;
        if (bilevel::Status s = bilevel::ParseStudyAxis(text.toStdString(), spec.base, &axis);
            !s.ok())
          return cli::Fail(kCommand, s.message(), 2);
        spec.grid.push_back(std::move(axis));
      }
    }
    if (parser.isSet(name)) spec.name = parser.value(name).toStdString();
    if (parser.isSet(seeds) || !parser.isSet(builtin)) {
      bool ok = false;
      spec.seeds = parser.value(seeds).toInt(&ok);
      if (!ok) return cli::Fail(kCommand, "--seeds expects a whole number", 2);
    }
    if (bilevel::Status s = bilevel::ValidateStudy(spec); !s.ok())
      return cli::Fail(kCommand, s.message(), 2);
    if (bilevel::Status s = bilevel::Agree(processes, bilevel::CheckStudyFolder(dir, spec));
        !s.ok())
      return cli::Fail(kCommand, s.message(), 2);
    if (!QDir().mkpath(QString::fromStdString(dir)))
      return cli::Fail(kCommand, "cannot create the folder " + dir);
    const bool root = processes.rank() == 0;
    if (bilevel::Status s =
            bilevel::Agree(processes, root ? bilevel::SaveStudy(dir, spec) : bilevel::Status::Ok());
        !s.ok())
      return cli::Fail(kCommand, s.message());

    const std::vector<bilevel::StudyRun> runs = bilevel::StudyRuns(spec);
    for (std::size_t k = 0; k < runs.size(); ++k) {
      std::printf("study %s: run %zu of %zu, %s\n", spec.name.c_str(), k + 1, runs.size(),
                  runs[k].folder.c_str());
      std::fflush(stdout);
      const int code = TrainRun(dir, spec, runs[k], processes);
      if (code == 130) {
        std::printf("study stopped; continue it with the same command\n");
        return 130;
      }
      if (code != 0)  // a diverged or failed run is a result of the study: it goes on
        std::printf("%s ended with exit code %d; the study goes on\n", runs[k].folder.c_str(),
                    code);
    }
  }
  const std::vector<bilevel::StudyRow> rows = bilevel::StudyTable(dir, spec);
  if (processes.rank() != 0) return 0;
  if (bilevel::Status s = bilevel::WriteStudyTable(dir + "/table.csv", spec, rows); !s.ok())
    return cli::Fail(kCommand, s.message());
  PrintTable(spec, rows);
  std::printf("wrote %s/table.csv\n", dir.c_str());
  return 0;
}
