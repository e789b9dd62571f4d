// bilevel-cli train and resume: a training run recorded in a run folder.
#include <QDateTime>
#include <cstdio>

#include "bilevel/communicator.h"
#include "bilevel/config_json.h"
#include "cli_common.h"
#include "commands.h"

namespace {

std::string DefaultOutDir(const bilevel::TrainingConfig& config) {
  return "runs/" + config.name + "-" +
         QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss").toStdString();
}

}  // namespace

int RunTrainCommand(const QStringList& arguments, bilevel::Communicator& processes) {
  QCommandLineParser parser;
  parser.setApplicationDescription(
      "Trains a regularizer as a preset or a configuration file describes, and "
      "records the run in a folder (config.json, log.csv, events.jsonl, regularizer.json/.npz, "
      "checkpoint.npz). Ctrl-C stops it; 'bilevel-cli resume DIR' continues it. Under "
      "'mpirun -np N', N processes share the images and write the same run as one process.");
  cli::ConfigOptions config_options;
  config_options.addTo(parser);
  const QCommandLineOption out("out", "The run folder (default: runs/<name>-<time>).", "DIR");
  const QCommandLineOption overwrite("overwrite", "Replace the contents of a non-empty --out.");
  const QCommandLineOption no_out("no-out", "Record nothing on disk.");
  parser.addOptions({out, overwrite, no_out});
  if (int code = cli::Parse(parser, "train", arguments); code >= 0) return code;

  bilevel::TrainingConfig config;
  // Every process reads the same arguments; a config file one of them cannot read fails all.
  if (bilevel::Status s = bilevel::Agree(processes, config_options.read(parser, &config)); !s.ok())
    return cli::Fail("train", s.message(), 2);
  bilevel::PrepareOptions options;
  if (!parser.isSet(no_out))
    options.out_dir = parser.isSet(out) ? parser.value(out).toStdString() : DefaultOutDir(config);
  options.out_dir = bilevel::FromRoot(processes, options.out_dir);  // rank 0's clock names it
  options.overwrite = parser.isSet(overwrite);
  options.processes = &processes;
  bilevel::PreparedRun prepared;
  if (bilevel::Status s = bilevel::PrepareRun(config, options, &prepared); !s.ok())
    return cli::Fail("train", s.message());
  return cli::DriveRun("train", prepared);
}

int RunResumeCommand(const QStringList& arguments, bilevel::Communicator& processes) {
  QCommandLineParser parser;
  parser.setApplicationDescription(
      "Continues a run from the checkpoint in its folder, with the same data and seeds; rows "
      "logged after the checkpoint are replaced. A budget option replaces the run's budget.");
  parser.addPositionalArgument("DIR", "The run folder.");
  cli::ConfigOptions config_options;
  parser.addOptions({config_options.iterations, config_options.computations, config_options.epochs,
                     config_options.seconds, config_options.threads});
  if (int code = cli::Parse(parser, "resume", arguments, true); code >= 0) return code;
  if (parser.positionalArguments().size() != 1)
    return cli::Fail("resume", "give the run folder: bilevel-cli resume DIR", 2);
  const std::string dir = parser.positionalArguments().first().toStdString();

  bilevel::PreparedRun prepared;
  if (bilevel::Status s = bilevel::ResumeRun(dir, {}, &prepared, &processes); !s.ok())
    return cli::Fail("resume", s.message());
  bilevel::TrainingConfig& config = prepared.config;  // its knobs and budget as the run left them
  bool budget_changed = false;
  if (bilevel::Status s = config_options.applyOverrides(parser, &config, &budget_changed); !s.ok())
    return cli::Fail("resume", s.message(), 2);  // the same on every process
  if (budget_changed) prepared.trainer->setBudget(config.trainer.budget);
  std::printf("resuming %s after iteration %ld\n", dir.c_str(), prepared.trainer->iteration());
  if (!prepared.trainer->budgetReached().empty()) {
    std::printf("%s; give a larger budget (for example --iterations N) to continue\n",
                prepared.trainer->budgetReached().c_str());
    return 0;
  }
  return cli::DriveRun("resume", prepared);
}
