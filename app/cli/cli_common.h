// Pieces shared by the bilevel-cli commands: argument parsing with --help, configs from presets
// or files with command-line overrides, and a training run with progress output and Ctrl-C.
#pragma once

#include <QCommandLineParser>
#include <QStringList>
#include <string>

#include "bilevel/prepared_run.h"
#include "bilevel/run_controller.h"
#include "bilevel/solver_report.h"
#include "bilevel/training_config.h"

namespace cli {

// Parses "bilevel-cli <command> <arguments>". Returns -1 to go on, or the exit code to return
// (0 after --help, 2 after an error, with the message printed).
// Commands without positional arguments pass positional = false, so stray words are refused.
int Parse(QCommandLineParser& parser, const char* command, const QStringList& arguments,
          bool positional = false);

// Prints "bilevel-cli <command>: <message>" to stderr and returns 1 (2 for usage errors).
int Fail(const char* command, const std::string& message, int code = 1);

// Quiet: this process prints nothing (standard output goes to /dev/null; errors and warnings are
// not printed). The processes of a data-parallel run other than rank 0 are quiet: rank 0 prints
// what they agreed on.
void SetQuiet(bool quiet);
bool Quiet();

// --preset, --config, --data, --out and the budget, device and thread overrides.
struct ConfigOptions {
  QCommandLineOption preset{"preset", "A built-in experiment (see 'bilevel-cli presets').", "NAME"};
  QCommandLineOption config{"config", "An experiment configuration (JSON, docs/FORMATS.md).",
                            "FILE"};
  QCommandLineOption data{"data",
                          "Train on this data instead (dataset.path): a folder of images, or "
                          "with --set dataset.format=stl10 or pets an STL-10 .bin file or "
                          "folder, or the Oxford-IIIT Pet folder.",
                          "PATH"};
  QCommandLineOption iterations{"iterations", "Budget: upper-level iterations.", "N"};
  QCommandLineOption computations{"computations", "Budget: lower-level + CG iterations.", "N"};
  QCommandLineOption epochs{"epochs", "Budget: epochs.", "E"};
  QCommandLineOption seconds{"seconds", "Budget: training time in seconds.", "S"};
  QCommandLineOption device{"device", "Where to compute: auto, cpu or cuda.", "DEVICE"};
  QCommandLineOption threads{"threads", "CPU threads (default: all cores).", "N"};
  QCommandLineOption seed{"seed", "Seed of the sampling and the initial parameters.", "N"};
  QCommandLineOption set{"set",
                         "Set any config field, e.g. --set accuracy.kind=polynomial "
                         "(repeatable; names as in config.json, docs/FORMATS.md).",
                         "FIELD=VALUE"};
  void addTo(QCommandLineParser& parser) const;
  // The preset or file, then the overrides. Warnings (unknown fields) go to stderr.
  bilevel::Status read(const QCommandLineParser& parser, bilevel::TrainingConfig* config) const;
  // Only the budget, device and thread overrides (for resume).
  bilevel::Status applyOverrides(const QCommandLineParser& parser, bilevel::TrainingConfig* config,
                                 bool* budget_changed) const;
};

// Runs a prepared run to its end on a worker thread, printing progress (a bar on a
// terminal, lines otherwise); Ctrl-C (or SIGTERM) stops it cleanly (the run folder stays
// resumable).
// Returns the exit code: 0 at the budget, 1 after divergence or an error, 130 when stopped.
// A data-parallel run (prepared.processes) runs on every process together.
int DriveRun(const char* command, bilevel::PreparedRun& prepared);

// While it lives, Ctrl-C (or SIGTERM: mpirun sends it to every process on Ctrl-C, and batch
// schedulers before a time limit) sets interrupted() instead of ending the process; the
// previous handlers come back after.
class Interrupts {
 public:
  Interrupts();
  ~Interrupts();
  Interrupts(const Interrupts&) = delete;
  Interrupts& operator=(const Interrupts&) = delete;
  // True once after each interruption.
  static bool interrupted();

 private:
  void (*previous_)(int);
  void (*previous_term_)(int);
};

// Writes text to path, replacing it; false when it cannot.
bool WriteTextFile(const std::string& path, const std::string& text);

// --allow-unconverged: an inner solve that stops at its iteration limit is a warning, not an
// error (hypergrad, apply, evaluate).
QCommandLineOption AllowUnconvergedOption();

// Whether a solver's images all met the tolerance. When some stopped at the iteration limit,
// prints which and the residual reached against the tolerance: a warning when allowed (and
// returns -1 to go on), else an error (returns exit code 3). -1 when all converged.
int CheckConverged(const char* command, const char* solver, const char* residual,
                   const bilevel::SolveSummary& summary, double tolerance, bool allowed);

}  // namespace cli
