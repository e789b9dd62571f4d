// The standard figure of one or more runs: upper loss per batch, training PSNR and test PSNR
// against a chosen x-axis, one colour per run (bilevel-cli compare and plot).
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "bilevel/plot_png.h"
#include "bilevel/run_record.h"
#include "bilevel/status.h"
#include "bilevel/x_axis.h"

namespace cli {

// What the figure shows of one run.
struct RunCurves {
  std::string label;
  std::vector<bilevel::IterationRecord> log;
  // The test PSNR of the starting regularizer (the "initial" event), drawn at x = 0; NaN: none.
  double initial_test_psnr = std::numeric_limits<double>::quiet_NaN();
  double final_test_psnr = std::numeric_limits<double>::quiet_NaN();  // the "final" event
};

// Reads a run folder's log.csv and, when it has one, the initial and final test PSNR of its
// events.jsonl. The label becomes the name the run was given in the application (its last "name"
// event) where it has one, and is left as it is otherwise.
bilevel::Status ReadRunCurves(const std::string& dir, RunCurves* run);

std::vector<bilevel::PlotPanel> RunPanels(const std::vector<RunCurves>& runs, bilevel::XAxis axis);

}  // namespace cli
