// PlotsPanel: redrawing the plots as data arrives, at most about a quarter of the GUI thread.
#include <QElapsedTimer>
#include <algorithm>

#include "curve_plot.h"
#include "plots_panel.h"

namespace studio {
namespace {

constexpr int kCoalesceMs = 40;  // new data waits this long for more before a redraw

}  // namespace

// PlotJuggler's habit: new data marks the plots dirty and starts a single-shot timer unless one is
// pending. When it fires, one plot is redrawn per event-loop pass (so the GUI never spends more
// than one plot's drawing in one go), and the next round waits at least three times as long as
// this one took, which keeps drawing below about a quarter of the GUI thread however much data
// the plots hold.
void PlotsPanel::replotAll(bool fit) {
  for (std::size_t p = 0; p < plots_.size(); ++p) {
    dirty_[p] = true;
    fit_[p] = fit_[p] || fit;
  }
  if (!replot_timer_.isActive() && !round_running_) replot_timer_.start(kCoalesceMs);
}

void PlotsPanel::replotNext() {
  if (!round_running_) {
    round_running_ = true;
    round_drawing_ms_ = 0;
  }
  // Only the time spent drawing counts: the event loop's other work between two plots (a folder's
  // thumbnails, a dialog) must not hold the plots back for seconds.
  QElapsedTimer drawing;
  drawing.start();
  for (std::size_t p = 0; p < plots_.size(); ++p) {
    if (!dirty_[p]) continue;
    dirty_[p] = false;
    if (fit_[p]) plots_[p]->fit();
    fit_[p] = false;
    plots_[p]->replot(QCustomPlot::rpRefreshHint);
    plots_[p]->refreshReadout();  // the values under a resting mouse follow the new data
    break;
  }
  round_drawing_ms_ += drawing.elapsed();
  const bool more = std::find(dirty_.begin(), dirty_.end(), true) != dirty_.end();
  if (more && round_drawing_ms_ < 4 * kCoalesceMs) {
    replot_timer_.start(0);  // the next plot, after the event loop has had a turn
    return;
  }
  round_running_ = false;
  if (more) replot_timer_.start(std::max<int>(kCoalesceMs, int(3 * round_drawing_ms_)));
}

}  // namespace studio
