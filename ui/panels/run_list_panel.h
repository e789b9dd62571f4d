// The runs in the store: a check box to show or hide each on the plots, its colour, name (edit to
// rename), method, iterations, best test PSNR and status; buttons to re-open run folders and to
// remove runs.
#pragma once

#include <QWidget>

#include "run_store.h"

class QTreeWidget;
class QTreeWidgetItem;

namespace studio {

class RunListPanel final : public QWidget {
  Q_OBJECT

 public:
  explicit RunListPanel(RunStore& store, QWidget* parent = nullptr);
  int currentRun() const;  // 0: none
  void setCurrentRun(int id);
  void renameCurrent();  // starts editing the name
  QTreeWidget* tree() const { return tree_; }

 signals:
  void currentRunChanged(int id);
  void openRequested();
  void removeRequested(int id);

 private:
  QTreeWidgetItem* item(int id) const;
  void refresh(int id);
  void onRunAdded(int id);
  void onRunRemoved(int id);
  void onItemChanged(QTreeWidgetItem* item, int column);

  RunStore& store_;
  QTreeWidget* tree_ = nullptr;
  bool updating_ = false;
};

}  // namespace studio
