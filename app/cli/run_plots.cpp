#include "run_plots.h"

#include <cmath>

namespace cli {

std::optional<XAxis> XAxisFromString(std::string_view text) {
  if (text == "computations") return XAxis::kComputations;
  if (text == "iterations") return XAxis::kIterations;
  if (text == "epochs") return XAxis::kEpochs;
  if (text == "seconds" || text == "time") return XAxis::kSeconds;
  return std::nullopt;
}

namespace {

double X(const bilevel::IterationRecord& r, XAxis axis) {
  switch (axis) {
    case XAxis::kComputations:
      return double(r.computations);
    case XAxis::kIterations:
      return double(r.iteration);
    case XAxis::kEpochs:
      return r.epoch;
    case XAxis::kSeconds:
      return r.wall_seconds;
  }
  return 0.0;
}

const char* Label(XAxis axis) {
  switch (axis) {
    case XAxis::kComputations:
      return "computations (lower-level + CG iterations)";
    case XAxis::kIterations:
      return "upper iterations";
    case XAxis::kEpochs:
      return "epochs";
    case XAxis::kSeconds:
      return "training time (s)";
  }
  return "";
}

}  // namespace

std::vector<bilevel::PlotPanel> RunPanels(
    const std::vector<std::string>& labels,
    const std::vector<std::vector<bilevel::IterationRecord>>& logs, XAxis axis) {
  bilevel::PlotPanel loss{"Upper loss per batch", Label(axis), "loss", false, true, {}};
  bilevel::PlotPanel psnr{"Training PSNR per batch", Label(axis), "PSNR (dB)", false, false, {}};
  bilevel::PlotPanel test{"Test PSNR", Label(axis), "PSNR (dB)", false, false, {}};
  for (std::size_t r = 0; r < logs.size(); ++r) {
    bilevel::PlotSeries l{labels[r], {}, {}}, p{labels[r], {}, {}}, t{labels[r], {}, {}};
    for (const bilevel::IterationRecord& rec : logs[r]) {
      l.x.push_back(X(rec, axis));
      l.y.push_back(rec.loss);
      p.x.push_back(X(rec, axis));
      p.y.push_back(rec.psnr);
      if (!std::isnan(rec.test_psnr)) {
        t.x.push_back(X(rec, axis));
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
