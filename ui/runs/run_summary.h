// One line per run for comparing more than two: method, regularizer, problem, data, the best and
// the final test PSNR, computations, iterations, training time and the inner solves that missed
// their tolerance; as CSV or Markdown.
#pragma once

#include <QString>
#include <limits>
#include <vector>

#include "bilevel/status.h"
#include "run_store.h"

namespace studio {

struct RunSummary {
  QString name, method, regularizer, problem, data;
  // The final regularizer's test PSNR (the "final" event, else the last measurement) and the
  // best one measured; NaN when the run measured none.
  double final_test_psnr = std::numeric_limits<double>::quiet_NaN();
  double best_test_psnr = std::numeric_limits<double>::quiet_NaN();
  long iterations = 0, computations = 0;
  double wall_seconds = 0.0;
  long unconverged = 0;  // inner solves that stopped at their iteration limit (CountSolveLimits)
};

RunSummary Summarize(const RunSeries& run);

// A run's inner solves that stopped at their iteration limit before their tolerance: their number
// (log.csv's unconverged column) and the upper steps that had any. A log written before that
// column counts the steps from the run's warnings, with solves 0.
struct SolveLimits {
  long solves = 0;
  long steps = 0;
};
SolveLimits CountSolveLimits(const RunSeries& run);

// A run's test PSNRs measured within a number of computations (the initial one, and the final
// regularizer's when the whole run fits): the best and the last; NaN when there is none.
struct TestPsnrs {
  double best = std::numeric_limits<double>::quiet_NaN();
  double last = std::numeric_limits<double>::quiet_NaN();
};
TestPsnrs TestPsnrsWithin(const RunSeries& run,
                          long computations = std::numeric_limits<long>::max());

QString RunSummaryCsv(const std::vector<const RunSeries*>& runs);
QString RunSummaryMarkdown(const std::vector<const RunSeries*>& runs);
// Markdown when path ends in .md, else CSV. Written atomically.
bilevel::Status SaveRunSummary(const std::vector<const RunSeries*>& runs, const QString& path);

}  // namespace studio
