// Sub-commands of bilevel-cli. Each parses its own arguments and returns a process exit code.
#pragma once

#include <QStringList>
#include <string>

namespace bilevel {
class Communicator;
}

// Under mpirun every process runs them with its processes (a data-parallel run); otherwise
// processes is this process alone.
int RunTrainCommand(const QStringList& arguments, bilevel::Communicator& processes);
int RunResumeCommand(const QStringList& arguments, bilevel::Communicator& processes);
int RunStudyCommand(const QStringList& arguments, bilevel::Communicator& processes);
int RunCompareCommand(const QStringList& arguments);
int RunApplyCommand(const QStringList& arguments);
int RunHypergradCommand(const QStringList& arguments);
int RunBenchCommand(const QStringList& arguments);
int RunPresetsCommand(const QStringList& arguments);
int RunBaselineCommand(const QStringList& arguments);
int RunPlotCommand(const QStringList& arguments);
int RunEvaluateCommand(const QStringList& arguments);
int RunGalleryCommand(const QStringList& arguments);
int RunImportCommand(const QStringList& arguments);
// bench --controls: latency of pause, resume and stop on a running preset.
int RunControlsBench(const std::string& preset, int trials);
