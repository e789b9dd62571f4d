#include "run_plots.h"

#include <cmath>

#include "bilevel/run_folder.h"

namespace cli {

namespace {

using bilevel::XAxis;

const char* Label(XAxis axis) {
  switch (axis) {
    case XAxis::kComputations:
      return "computations (lower-level + CG iterations)";
    case XAxis::kIterations:
      return "upper iterations";
    case XAxis::kEpochs:
      return "epochs";
    case XAxis::kWallTime:
      return "training time (s)";
  }
  return "";
}

}  // namespace

bilevel::Status ReadRunCurves(const std::string& dir, RunCurves* run) {
  using bilevel::RunFolder;
  if (bilevel::Status s = RunFolder::ReadLog(dir + "/" + RunFolder::kLogFile, &run->log); !s.ok())
    return s;
  std::vector<bilevel::RunEvent> events;
  const bool read = RunFolder::ReadEvents(dir + "/" + RunFolder::kEventsFile, &events).ok();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  run->initial_test_psnr = read ? RunFolder::InitialTestPsnr(events) : nan;
  run->final_test_psnr = read ? RunFolder::FinalTestPsnr(events) : nan;
  if (const std::string name = read ? RunFolder::DisplayName(events) : ""; !name.empty())
    run->label = name;
  return bilevel::Status::Ok();
}

std::vector<bilevel::PlotPanel> RunPanels(const std::vector<RunCurves>& runs, bilevel::XAxis axis) {
  bilevel::PlotPanel loss{"Upper loss per batch", Label(axis), "loss", false, true, {}};
  bilevel::PlotPanel psnr{"Training PSNR per batch", Label(axis), "PSNR (dB)", false, false, {}};
  bilevel::PlotPanel test{"Test PSNR", Label(axis), "PSNR (dB)", false, false, {}};
  for (const RunCurves& run : runs) {
    bilevel::PlotSeries l{run.label, {}, {}}, p{run.label, {}, {}}, t{run.label, {}, {}};
    // Every x-axis starts at 0 with the starting regularizer.
    if (!std::isnan(run.initial_test_psnr)) {
      t.x.push_back(0.0);
      t.y.push_back(run.initial_test_psnr);
    }
    for (const bilevel::IterationRecord& rec : run.log) {
      l.x.push_back(bilevel::XValue(rec, axis));
      l.y.push_back(rec.loss);
      p.x.push_back(bilevel::XValue(rec, axis));
      p.y.push_back(rec.psnr);
      if (!std::isnan(rec.test_psnr)) {
        t.x.push_back(bilevel::XValue(rec, axis));
        t.y.push_back(rec.test_psnr);
      }
    }
    // ... and ends with the final regularizer's test PSNR, when the run measured it.
    if (!std::isnan(run.final_test_psnr) && !run.log.empty() &&
        std::isnan(run.log.back().test_psnr)) {
      t.x.push_back(bilevel::XValue(run.log.back(), axis));
      t.y.push_back(run.final_test_psnr);
    }
    loss.series.push_back(std::move(l));
    psnr.series.push_back(std::move(p));
    test.series.push_back(std::move(t));
  }
  return {loss, psnr, test};
}

}  // namespace cli
