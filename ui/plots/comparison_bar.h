// The comparison view: after Run ▸ ISGD vs MAID (or opening a comparison folder) the plots show
// only its two runs, and this bar above them sums the comparison up in one line: each run's best
// and last test PSNR within the computations both reached, and the differences. "Show all runs"
// leaves the view.
#pragma once

#include <QWidget>
#include <vector>

class QLabel;

namespace studio {

class RunStore;
struct RunSeries;

// The two runs at equal cost: their test PSNRs measured within the computations the cheaper run
// used (the initial one included), "Within 12,340 computations · ISGD: best 27.12, last 27.05 dB
// · MAID: … · ISGD − MAID: best +0.31 dB, last +0.40 dB". A run without one says so.
QString ComparisonLine(const RunSeries& first, const RunSeries& second);

class ComparisonBar final : public QWidget {
  Q_OBJECT

 public:
  explicit ComparisonBar(RunStore& store, QWidget* parent = nullptr);
  // Shows the two runs alone (the others are hidden) with the summary line.
  void compare(int first, int second);
  // Leaves the view: the runs hidden by compare() are shown again.
  void leave();
  bool active() const { return first_ != 0; }
  int first() const { return first_; }
  int second() const { return second_; }
  QString text() const;

 private:
  void refresh(int id);

  RunStore& store_;
  QLabel* label_ = nullptr;
  int first_ = 0, second_ = 0;
  std::vector<int> hidden_;  // the runs compare() hid
};

}  // namespace studio
