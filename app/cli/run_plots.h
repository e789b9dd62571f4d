// The standard figure of one or more runs: upper loss per batch, training PSNR and test PSNR
// against a chosen x-axis, one colour per run (bilevel-cli compare and plot).
#pragma once

#include <string>
#include <vector>

#include "bilevel/plot_png.h"
#include "bilevel/run_record.h"
#include "bilevel/x_axis.h"

namespace cli {

std::vector<bilevel::PlotPanel> RunPanels(
    const std::vector<std::string>& labels,
    const std::vector<std::vector<bilevel::IterationRecord>>& logs, bilevel::XAxis axis);

}  // namespace cli
