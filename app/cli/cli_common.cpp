#include "cli_common.h"

#include <fstream>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <thread>

#include "bilevel/config_json.h"
#include "bilevel/presets.h"

namespace cli {

namespace {

// Whether the option was given; unlike isSet() it is quiet about options a command does not
// define (the shared ConfigOptions are only partly added by some commands).
bool Has(const QCommandLineParser& parser, const QCommandLineOption& option) {
  return parser.optionNames().contains(option.names().first());
}

}  // namespace

int Parse(QCommandLineParser& parser, const char* command, const QStringList& arguments,
          bool positional) {
  parser.addHelpOption();
  QStringList argv = arguments;
  argv.prepend(QString("bilevel-cli ") + command);
  if (!parser.parse(argv)) return Fail(command, parser.errorText().toStdString(), 2);
  if (parser.isSet("help")) {
    std::fputs(qPrintable(parser.helpText()), stdout);
    return 0;
  }
  if (!positional && !parser.positionalArguments().isEmpty())
    return Fail(command,
                "unexpected argument '" + parser.positionalArguments().first().toStdString() + "'",
                2);
  return -1;
}

namespace {
bool g_quiet = false;
}  // namespace

void SetQuiet(bool quiet) {
  g_quiet = quiet;
  if (quiet && !std::freopen("/dev/null", "w", stdout)) std::fclose(stdout);
}

bool Quiet() {
  return g_quiet;
}

int Fail(const char* command, const std::string& message, int code) {
  if (!g_quiet) std::fprintf(stderr, "bilevel-cli %s: %s\n", command, message.c_str());
  return code;
}

void ConfigOptions::addTo(QCommandLineParser& parser) const {
  parser.addOptions({preset, config, data, iterations, computations, epochs, seconds, device,
                     threads, seed, set});
}

namespace {

bilevel::Status Number(const QCommandLineParser& parser, const QCommandLineOption& option,
                       double* value) {
  bool ok = false;
  *value = parser.value(option).toDouble(&ok);
  if (!ok || !std::isfinite(*value) || *value < 0)
    return bilevel::Status::Error("--" + option.names().first().toStdString() +
                                  " expects a non-negative number, got '" +
                                  parser.value(option).toStdString() + "'");
  return bilevel::Status::Ok();
}

}  // namespace

bilevel::Status ConfigOptions::applyOverrides(const QCommandLineParser& parser,
                                              bilevel::TrainingConfig* c,
                                              bool* budget_changed) const {
  *budget_changed = false;
  const QCommandLineOption* budget_options[] = {&iterations, &computations, &epochs, &seconds};
  bool any_budget = false;
  for (const QCommandLineOption* o : budget_options)
    any_budget = any_budget || Has(parser, *o);
  if (any_budget) {
    c->trainer.budget = bilevel::Budget{};
    *budget_changed = true;
  }
  double v = 0;
  if (Has(parser, iterations)) {
    if (auto s = Number(parser, iterations, &v); !s.ok()) return s;
    c->trainer.budget.iterations = long(v);
  }
  if (Has(parser, computations)) {
    if (auto s = Number(parser, computations, &v); !s.ok()) return s;
    c->trainer.budget.computations = long(v);
  }
  if (Has(parser, epochs)) {
    if (auto s = Number(parser, epochs, &v); !s.ok()) return s;
    c->trainer.budget.epochs = v;
  }
  if (Has(parser, seconds)) {
    if (auto s = Number(parser, seconds, &v); !s.ok()) return s;
    c->trainer.budget.wall_seconds = v;
  }
  if (Has(parser, device)) {
    const auto d = bilevel::DevicePreferenceFromString(parser.value(device).toStdString());
    if (!d)
      return bilevel::Status::Error("--device expects auto, cpu or cuda, got '" +
                                    parser.value(device).toStdString() + "'");
    c->backend.device = *d;
  }
  if (Has(parser, threads)) {
    if (auto s = Number(parser, threads, &v); !s.ok()) return s;
    c->backend.threads = int(v);
  }
  return c->validate();
}

bilevel::Status ConfigOptions::read(const QCommandLineParser& parser,
                                    bilevel::TrainingConfig* c) const {
  if (Has(parser, preset) == Has(parser, config))
    return bilevel::Status::Error("give exactly one of --preset NAME or --config FILE");
  std::vector<std::string> warnings;
  bilevel::Status s =
      Has(parser, preset)
          ? bilevel::LoadPreset(parser.value(preset).toStdString(), c)
          : bilevel::LoadConfigFile(parser.value(config).toStdString(), c, &warnings);
  if (!s.ok()) return s;
  for (const std::string& w : warnings)
    if (!g_quiet) std::fprintf(stderr, "warning: %s\n", w.c_str());
  if (Has(parser, data)) c->dataset.folder = parser.value(data).toStdString();
  if (Has(parser, set)) {
    for (const QString& assignment : parser.values(set)) {
      const qsizetype eq = assignment.indexOf('=');
      if (eq <= 0)
        return bilevel::Status::Error("--set expects FIELD=VALUE, got '" +
                                      assignment.toStdString() + "'");
      if (bilevel::Status s = bilevel::SetConfigField(c, assignment.left(eq).toStdString(),
                                                      assignment.mid(eq + 1).toStdString());
          !s.ok())
        return bilevel::Status::Error("--set " + assignment.toStdString() + ": " + s.message());
    }
  }
  if (Has(parser, seed)) {
    double v = 0;
    if (auto e = Number(parser, seed, &v); !e.ok()) return e;
    c->trainer.seed = unsigned(v);
  }
  bool changed = false;
  return applyOverrides(parser, c, &changed);
}

namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void OnInterrupt(int) {
  g_interrupted = true;
}

// The budget fraction done, the largest over the limits that are set.
double Progress(const bilevel::Trainer& t) {
  const bilevel::Budget& b = t.options().budget;
  double f = 0.0;
  if (b.computations > 0) f = std::max(f, double(t.computations()) / double(b.computations));
  if (b.epochs > 0) f = std::max(f, t.epoch() / b.epochs);
  if (b.wall_seconds > 0) f = std::max(f, t.wallSeconds() / b.wall_seconds);
  if (b.iterations > 0) f = std::max(f, double(t.iteration()) / double(b.iterations));
  return std::min(1.0, f);
}

class Reporter {
 public:
  explicit Reporter(bool terminal) : terminal_(terminal) {}

  void record(const bilevel::IterationRecord& r) {
    std::lock_guard lock(mutex_);
    last_ = r;
    if (!std::isnan(r.test_psnr)) test_ = r.test_psnr;
  }

  // After each iteration, on the worker thread.
  void iteration(const bilevel::Trainer& t) {
    std::lock_guard lock(mutex_);
    const double f = Progress(t);
    const double now = t.wallSeconds();
    const bool test_row = !std::isnan(last_.test_psnr);
    if (!terminal_ && now - printed_ < 1.0 && !test_row && f < 1.0) return;
    printed_ = now;
    const double eta = f > 0 ? now * (1.0 - f) / f : 0.0;
    char test[32] = "";
    if (!std::isnan(test_)) std::snprintf(test, sizeof test, " test %.2f dB", test_);
    if (terminal_) {
      constexpr int kWidth = 24;
      const int filled = int(std::round(f * kWidth));
      std::printf(
          "\r[%-*s] %3.0f%% it %ld  comp %.3g  loss %.5g  PSNR %.2f dB%s  %.0f s, ETA %.0f s ",
          kWidth, std::string(std::size_t(filled), '#').c_str(), 100 * f, last_.iteration,
          double(last_.computations), last_.loss, last_.psnr, test, now, eta);
    } else {
      std::printf(
          "it %ld  epoch %.2f  comp %ld  loss %.6g  PSNR %.3f dB%s  alpha %.3g  eps %.3g  "
          "%.1f s\n",
          last_.iteration, last_.epoch, last_.computations, last_.loss, last_.psnr, test,
          last_.alpha, last_.epsilon, now);
    }
    std::fflush(stdout);
  }

  void event(const bilevel::RunEvent& e) {
    std::lock_guard lock(mutex_);
    if (e.kind == "start" || e.kind == "pause" || e.kind == "continue") return;
    if (e.kind == "initial") {  // "initial test PSNR 20.170 dB", before the first iteration
      std::printf("%s\n", e.message.c_str());
    } else {
      if (terminal_) std::printf("\n");
      std::printf("[%s] %s\n", e.kind.c_str(), e.message.c_str());
    }
    std::fflush(stdout);
  }

 private:
  bool terminal_;
  std::mutex mutex_;
  bilevel::IterationRecord last_;
  double test_ = std::nan("");
  double printed_ = -1e9;
};

}  // namespace

Interrupts::Interrupts()
    : previous_(std::signal(SIGINT, OnInterrupt)),
      previous_term_(std::signal(SIGTERM, OnInterrupt)) {
  g_interrupted = false;
}

Interrupts::~Interrupts() {
  std::signal(SIGINT, previous_);
  std::signal(SIGTERM, previous_term_);
}

bool Interrupts::interrupted() {
  return g_interrupted.exchange(false);
}

int DriveRun(const char* command, bilevel::PreparedRun& prepared) {
  for (const std::string& w : prepared.warnings)
    if (!g_quiet) std::fprintf(stderr, "warning: %s\n", w.c_str());
  const bilevel::TrainingConfig& c = prepared.config;
  const bilevel::Dataset& d = prepared.oracle->dataset();
  std::printf("%s: %s on %d training and %d test images of %dx%dx%d, %s, %s (d = %d)\n",
              c.name.c_str(), bilevel::ToString(c.trainer.method), prepared.oracle->trainingSize(),
              prepared.oracle->testSize(), d.train.c(), d.train.h(), d.train.w(),
              bilevel::ToString(c.problem.kind), bilevel::DescribeSettings(c.regularizer).c_str(),
              prepared.oracle->parameterCount());
  std::printf("backend: %s\n", prepared.backend.c_str());
  if (prepared.folder) std::printf("run folder: %s\n", prepared.folder->path().c_str());
  std::fflush(stdout);

  Reporter reporter(isatty(fileno(stdout)) == 1);
  bilevel::RunCallbacks callbacks;
  callbacks.record = [&](const bilevel::IterationRecord& r) { reporter.record(r); };
  callbacks.iteration = [&](const bilevel::Trainer& t) { reporter.iteration(t); };
  callbacks.event = [&](const bilevel::RunEvent& e) { reporter.event(e); };
  bilevel::RunController run(prepared, callbacks);
  {
    const Interrupts interrupts;  // the run then stops cleanly within a few seconds
    if (bilevel::Status s = run.start(); !s.ok()) return Fail(command, s.message());
    while (run.state() != bilevel::RunState::kFinished) {
      if (Interrupts::interrupted()) run.stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    run.wait();
  }

  const bilevel::Trainer& t = *prepared.trainer;
  std::printf("%ld iterations, %ld computations, %.1f s; final test PSNR %.3f dB\n", t.iteration(),
              t.computations(), t.wallSeconds(), t.lastTestPsnr());
  if (const long missed = run.unconvergedSolves(); missed > 0)
    std::printf(
        "warning: %ld inner solves stopped at their iteration limit before their "
        "tolerance (log.csv, column unconverged)\n",
        missed);
  switch (run.end()) {
    case bilevel::RunEnd::kBudget:
      return 0;
    case bilevel::RunEnd::kStopped:
      if (prepared.folder)
        std::printf("stopped; continue with: bilevel-cli resume %s\n",
                    prepared.folder->path().c_str());
      return 130;
    default:
      return Fail(command, run.endMessage());
  }
}

bool WriteTextFile(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  return bool(file.flush());
}

QCommandLineOption AllowUnconvergedOption() {
  return QCommandLineOption("allow-unconverged",
                            "Go on (exit 0, with a warning) when an inner solve stops at its "
                            "iteration limit before its tolerance; without it that is an error "
                            "(exit 3).");
}

int CheckConverged(const char* command, const char* solver, const char* residual,
                   const bilevel::SolveSummary& summary, double tolerance, bool allowed) {
  std::string text = bilevel::UnconvergedText(solver, residual, summary, tolerance);
  if (text.empty()) return -1;
  text += "; the result is that of an inexact solve";
  if (allowed) {
    if (!g_quiet) std::fprintf(stderr, "bilevel-cli %s: warning: %s\n", command, text.c_str());
    return -1;
  }
  return Fail(command,
              text + " (raise --max-iterations, loosen the tolerance, or pass --allow-unconverged)",
              3);
}

}  // namespace cli
