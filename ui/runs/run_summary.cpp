#include "run_summary.h"

#include <QSaveFile>
#include <QStringList>
#include <cmath>

#include "bilevel/run_folder.h"
#include "run_labels.h"
#include "string_conversion.h"

namespace studio {
namespace {

QString Db(double v) {
  return std::isnan(v) ? QString() : QString::number(v, 'f', 3);
}

QStringList Fields(const RunSummary& s) {
  return {s.name,
          s.method,
          s.regularizer,
          s.problem,
          s.data,
          Db(s.best_test_psnr),
          Db(s.final_test_psnr),
          QString::number(s.computations),
          QString::number(s.iterations),
          QString::number(s.wall_seconds, 'f', 1),
          QString::number(s.unconverged)};
}

const QStringList kHeader = {QStringLiteral("run"),
                             QStringLiteral("method"),
                             QStringLiteral("regularizer"),
                             QStringLiteral("problem"),
                             QStringLiteral("data"),
                             QStringLiteral("best test PSNR (dB)"),
                             QStringLiteral("final test PSNR (dB)"),
                             QStringLiteral("computations"),
                             QStringLiteral("iterations"),
                             QStringLiteral("training time (s)"),
                             QStringLiteral("unconverged solves")};

// How many of a run's warnings say an inner solver stopped at its iteration limit.
int LimitWarnings(const RunSeries& run) {
  int count = 0;
  for (const bilevel::RunEvent& e : run.events)
    if (e.kind == "warning" && e.message.find("max_iterations") != std::string::npos) ++count;
  return count;
}

QString Csv(const QString& text) {
  if (!text.contains(',') && !text.contains('"') && !text.contains('\n')) return text;
  QString quoted = text;
  quoted.replace('"', QStringLiteral("\"\""));
  return '"' + quoted + '"';
}

}  // namespace

RunSummary Summarize(const RunSeries& run) {
  RunSummary s;
  s.name = run.name;
  s.method = MethodLabel(run.config.trainer.method);
  s.regularizer = RegularizerLabel(run.config.regularizer);
  s.problem = ProblemLabel(run.config.problem);
  s.data = DataLabel(run.config.dataset);
  const TestPsnrs psnrs = TestPsnrsWithin(run);
  s.best_test_psnr = psnrs.best;
  s.final_test_psnr = psnrs.last;
  if (!run.records.empty()) {
    s.iterations = run.records.back().iteration;
    s.computations = run.records.back().computations;
    s.wall_seconds = run.records.back().wall_seconds;
  }
  s.unconverged = CountSolveLimits(run).solves;
  return s;
}

SolveLimits CountSolveLimits(const RunSeries& run) {
  SolveLimits limits;
  bool recorded = false;
  for (const bilevel::IterationRecord& r : run.records) {
    if (r.unconverged < 0) continue;  // a log written before the column
    recorded = true;
    limits.solves += r.unconverged;
    if (r.unconverged > 0) ++limits.steps;
  }
  if (!recorded) limits.steps = LimitWarnings(run);
  return limits;
}

TestPsnrs TestPsnrsWithin(const RunSeries& run, long computations) {
  TestPsnrs at;
  const auto take = [&at](double p) {
    if (std::isnan(p)) return;
    at.last = p;
    if (std::isnan(at.best) || p > at.best) at.best = p;
  };
  take(run.initial_test_psnr);
  for (const bilevel::IterationRecord& r : run.records)
    if (r.computations <= computations) take(r.test_psnr);
  if (run.records.empty() || run.records.back().computations <= computations)
    take(bilevel::RunFolder::FinalTestPsnr(run.events));
  return at;
}

QString RunSummaryCsv(const std::vector<const RunSeries*>& runs) {
  QString text = kHeader.join(',') + '\n';
  for (const RunSeries* run : runs) {
    QStringList fields = Fields(Summarize(*run));
    for (QString& f : fields)
      f = Csv(f);
    text += fields.join(',') + '\n';
  }
  return text;
}

QString RunSummaryMarkdown(const std::vector<const RunSeries*>& runs) {
  QString text =
      QStringLiteral("| ") + kHeader.join(QStringLiteral(" | ")) + QStringLiteral(" |\n");
  text += QStringLiteral("| --- | --- | --- | --- | --- | --: | --: | --: | --: | --: | --: |\n");
  for (const RunSeries* run : runs) {
    QStringList fields = Fields(Summarize(*run));
    for (QString& f : fields)
      f.replace('|', QStringLiteral("\\|"));
    text += QStringLiteral("| ") + fields.join(QStringLiteral(" | ")) + QStringLiteral(" |\n");
  }
  return text;
}

bilevel::Status SaveRunSummary(const std::vector<const RunSeries*>& runs, const QString& path) {
  if (runs.empty()) return bilevel::Status::Error("there are no runs to summarise");
  const bool markdown = path.endsWith(QStringLiteral(".md"), Qt::CaseInsensitive);
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Text))
    return bilevel::Status::Error("cannot write '" + ToStd(path) +
                                  "': " + ToStd(file.errorString()));
  file.write((markdown ? RunSummaryMarkdown(runs) : RunSummaryCsv(runs)).toUtf8());
  if (!file.commit())
    return bilevel::Status::Error("cannot write '" + ToStd(path) +
                                  "': " + ToStd(file.errorString()));
  return bilevel::Status::Ok();
}

}  // namespace studio
