#include "run_plots.h"

#include <cmath>

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

std::vector<bilevel::PlotPanel> RunPanels(
    const std::vector<std::string>& labels,
    const std::vector<std::vector<bilevel::IterationRecord>>& logs, bilevel::XAxis axis) {
  bilevel::PlotPanel loss{"Upper loss per batch", Label(axis), "loss", false, true, {}};
  bilevel::PlotPanel psnr{"Training PSNR per batch", Label(axis), "PSNR (dB)", false, false, {}};
  bilevel::PlotPanel test{"Test PSNR", Label(axis), "PSNR (dB)", false, false, {}};
  for (std::size_t r = 0; r < logs.size(); ++r) {
    bilevel::PlotSeries l{labels[r], {}, {}}, p{labels[r], {}, {}}, t{labels[r], {}, {}};
    for (const bilevel::IterationRecord& rec : logs[r]) {
      l.x.push_back(bilevel::XValue(rec, axis));
      l.y.push_back(rec.loss);
      p.x.push_back(bilevel::XValue(rec, axis));
      p.y.push_back(rec.psnr);
      if (!std::isnan(rec.test_psnr)) {
        t.x.push_back(bilevel::XValue(rec, axis));
        t.y.push_back(rec.test_psnr);
      }
    }
    loss.series.push_back(std::move(l));
    psnr.series.push_back(std::move(p));
    test.series.push_back(std::move(t));
  }
  return {loss, psnr, test};
}

}  // namespace cli
