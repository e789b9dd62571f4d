// The selected run's events (its events.jsonl): knob changes ("α₀ = 0.05 → 0.025"), starts,
// pauses, resumptions, warnings, stops and the rest, one row each with the iteration, the kind
// and a description, in the order they happened; a filter by kind. New events are added as they
// arrive (the list follows its end while it is scrolled there). Clicking or activating a row asks
// the plots to jump to that iteration.
#pragma once

#include <QWidget>

#include "run_store.h"

class QComboBox;
class QLabel;
class QTreeWidget;
class QTreeWidgetItem;

namespace studio {

class EventsPanel final : public QWidget {
  Q_OBJECT

 public:
  enum Column { kIteration, kKind, kDescription, kColumns };
  // What the filter shows.
  enum Filter { kAll, kKnobs, kRunControl, kProblems, kOther };

  explicit EventsPanel(RunStore& store, QWidget* parent = nullptr);

  int run() const { return run_; }
  void setRun(int id);  // 0: none
  Filter filter() const;
  void setFilter(Filter filter);
  QTreeWidget* tree() const { return tree_; }
  // Emits eventActivated for the row's event (what clicking it does); false for no such row.
  bool activate(int row);

  // One event's description as the list shows it; knob changes name the value before the change
  // (the previous change of the knob, else the run's configuration).
  static QString Describe(const RunSeries& run, std::size_t index);
  static Filter FilterOf(const std::string& kind);

 signals:
  void eventActivated(int run_id, long iteration, double wall_seconds);

 private:
  void rebuild();
  void append(int first);  // the run's events[first..]
  void onItemActivated(QTreeWidgetItem* item);
  void applyFilter();
  void updateTitle();

  RunStore& store_;
  int run_ = 0;
  QLabel* title_ = nullptr;
  QComboBox* filter_ = nullptr;
  QTreeWidget* tree_ = nullptr;
};

}  // namespace studio
