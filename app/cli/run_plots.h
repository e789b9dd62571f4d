// The standard figure of one or more runs: upper loss per batch, training PSNR and test PSNR
// against a chosen x-axis, one colour per run (bilevel-cli compare and plot).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bilevel/plot_png.h"
#include "bilevel/run_record.h"

namespace cli {

enum class XAxis { kComputations, kIterations, kEpochs, kSeconds };
std::optional<XAxis> XAxisFromString(std::string_view text);

std::vector<bilevel::PlotPanel> RunPanels(
    const std::vector<std::string>& labels,
    const std::vector<std::vector<bilevel::IterationRecord>>& logs, XAxis axis);

}  // namespace cli
